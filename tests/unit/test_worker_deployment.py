"""The deployment files: the compose file is complete and consistent (checked as YAML: this
machine has no docker), and the image gets every package."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import REPO


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


def test_the_image_copies_every_folder_the_package_maps():
    folders = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values())
    copied = set(re.findall(r"^COPY (\S+) \./\1$", (REPO / "Dockerfile").read_text(), re.MULTILINE))
    assert folders <= copied, folders - copied
    ignored = (REPO / ".dockerignore").read_text().split()
    assert not copied & set(ignored)
