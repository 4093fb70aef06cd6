"""Documentation stays true: settings, exit codes and commands are all described."""

from __future__ import annotations

import railgraph
from railgraph.cli import cli
from railgraph.settings import SETTINGS

from .conftest import ROOT


def test_every_setting_is_documented_with_its_variable() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in page, setting.name
        assert f"`{setting.env}`" in page, setting.env


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"railgraph {name}" in readme, name


def test_public_api_is_exactly_all() -> None:
    import types

    public = {name for name, value in vars(railgraph).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)
              and getattr(value, "__module__", "railgraph").startswith("railgraph")}
    assert public | {"__version__"} == set(railgraph.__all__)
