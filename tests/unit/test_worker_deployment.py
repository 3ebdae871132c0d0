"""The deployment files: the compose file validates, and the image gets every package."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from tests.conftest import REPO


def _compose() -> list[str] | None:
    """``docker compose`` (v2 plugin) if present, else ``docker-compose`` (v1), else None."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


SERVICES = {"postgres", "redis", "init", "projections", "worker", "app"}


def test_compose_file_defines_every_service_and_its_dependencies():
    """Without a compose tool: the file parses and every ``depends_on``/volume names something defined."""
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = spec["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        assert set(service.get("depends_on", ())) <= set(services) - {name}, name
        for volume in service.get("volumes", ()):
            source = volume.split(":")[0]
            assert source.startswith((".", "/")) or source in spec["volumes"], (name, volume)
    assert services["app"]["profiles"] == ["app"]


def test_compose_file_validates_with_docker_compose():
    compose = _compose()
    if compose is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")
    result = subprocess.run([*compose, "-f", str(REPO / "docker-compose.yml"), "--profile", "app", "config",
                             "--services"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == SERVICES


def test_the_image_copies_every_package_the_project_installs():
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    present = {p.rstrip("*") for p in packages if (REPO / p.rstrip("*") / "__init__.py").exists()}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (REPO / "Dockerfile").read_text(), re.MULTILINE))
    # bench/ is a development tool, not part of the deployed application.
    assert present - {"bench"} <= copied, present - copied
    ignored = (REPO / ".dockerignore").read_text().split()
    assert not copied & set(ignored)
