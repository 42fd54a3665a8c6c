"""The channel's and the service's public surfaces are sorted and complete; layers hold."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import pytest

import relup.control
import relup.service


@pytest.mark.parametrize("package", [relup.control, relup.service], ids=lambda p: p.__name__)
def test_all_is_sorted_and_complete(package: ModuleType) -> None:
    """Every public non-module name is in __all__, which is sorted."""
    public = sorted(
        n
        for n, v in vars(package).items()
        if not n.startswith("_") and not isinstance(v, ModuleType)
    )
    assert sorted(package.__all__) == package.__all__
    assert sorted(package.__all__) == public


def test_control_does_not_import_the_service_or_the_cli() -> None:
    """control is below service and cli: it imports neither (nor rich/typer)."""
    root = Path(relup.control.__file__).resolve().parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name} imports {n}"
                for n in names
                if n.split(".")[0] in ("rich", "typer")
                or n.startswith(("relup.service", "relup.cli", "relup.runtime"))
            ]
    assert [] == offenders
