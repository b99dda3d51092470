"""The import-linter contracts stay exception-free, and the package has no import cycle.

CI runs ``lint-imports`` itself; these checks keep an exception (``ignore_imports``) from creeping into a
contract to make it pass, which would hide the wrong-way import instead of fixing it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest

from helpers import REPO

PACKAGE_SHAPE = REPO.parent / "shared" / "tools" / "package_shape.py"


def contracts() -> list[dict]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_no_contract_lists_an_exception():
    assert contracts()
    assert {c["name"]: c["ignore_imports"] for c in contracts() if c.get("ignore_imports")} == {}


def test_the_core_has_layers_from_the_studies_down_to_its_errors():
    [core] = [c for c in contracts() if c["type"] == "layers" and c["layers"][-1] == "tlstudio.core.errors"]
    layers = [" ".join(layer.split()) for layer in core["layers"]]
    position = {name.strip(): i for i, layer in enumerate(layers) for name in layer.replace(":", "|").split("|")}
    assert (
        position["tlstudio.core.labelling"] < position["tlstudio.core.export"] == position["tlstudio.core.runs.listing"]
    )
    assert position["tlstudio.core.runs.listing"] < position["tlstudio.core.training"] < position["tlstudio.core.tasks"]
    assert position["tlstudio.core.tasks"] <= position["tlstudio.core.data"] < position["tlstudio.core.errors"]


@pytest.mark.skipif(not PACKAGE_SHAPE.is_file(), reason="the shared package_shape tool is not beside this checkout")
def test_no_import_cycle_anywhere_in_the_package():
    result = subprocess.run(
        [sys.executable, str(PACKAGE_SHAPE), str(REPO)], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout.strip().splitlines()[-1])["cycles"] == []
