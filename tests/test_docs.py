"""Documentation stays true: settings, exit codes and commands are all described."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def dist_folder(catalogue, tmp_path_factory) -> Path:
    """The dist/ files the recipes read, exported from the real catalogue."""
    folder = tmp_path_factory.mktemp("recipes")
    dist = folder / "dist"
    (dist / "csv").mkdir(parents=True)
    (dist / "catalogue-framed.jsonld").write_bytes(catalogue.export("jsonld-framed"))
    (dist / "catalogue.nt").write_bytes(catalogue.export("nt"))
    for name, data in catalogue.tables().items():
        (dist / "csv" / name).write_bytes(data)
    return folder


RECIPES = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "publishing.md").read_text(encoding="utf-8"),
                     flags=re.S)


@pytest.mark.parametrize("recipe", RECIPES, ids=[f"recipe-{n}" for n in range(len(RECIPES))])
def test_every_publishing_recipe_runs(recipe: str, dist_folder: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(dist_folder)
    exec(compile(recipe, "docs/publishing.md", "exec"), {"__name__": "recipe"})
    assert capsys.readouterr().out.strip(), "each recipe prints what it found"


def test_the_pandas_recipe_finds_the_seed_restrictions(dist_folder: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(dist_folder)
    namespace: dict = {}
    exec(compile(RECIPES[0], "docs/publishing.md", "exec"), namespace)
    restrictions = namespace["restrictions"]
    seed = restrictions[restrictions["licence"] == "id:licence/bigcode-openrail-m-license-agreement"]
    assert sorted(seed["clause"].unique()) == list("abcdefghijklmn")
    assert seed[seed["clause"] == "c"]["forbids"].str.contains("malware", case=False).all()
