"""bpt: an event-sourced budget performance tracker (预算执行与绩效自评).

Only this file lives here; the sub-packages are the repository's top-level folders, mapped by
``[tool.setuptools.package-dir]`` in pyproject.toml: ``bpt.domain`` ← ``domain/``,
``bpt.projections`` ← ``projections/``, ``bpt.tui`` ← ``tui/``, ``bpt.workers`` ← ``workers/``.
The layers and what each package holds: docs/architecture.md.
"""


def __getattr__(name: str) -> str:
    # read from the installed metadata only when asked (importlib.metadata is slow to import)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version
        try:
            return version("bpt")
        except PackageNotFoundError:  # a checkout that is not installed
            return "0+unknown"
    raise AttributeError(name)
