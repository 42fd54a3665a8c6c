"""The finding catalogue: every code belongs to a check, and docs/ci.md explains each."""

from __future__ import annotations

import ast

import pytest

from relup.check.findings import CHECK_NAMES, CODES, CheckResult, Finding
from tests.conftest import REPO

CI_DOC = REPO / "docs" / "ci.md"


def test_every_code_belongs_to_a_check() -> None:
    """Each code names one of the checks."""
    assert set() == {c.check for c in CODES.values()} - set(CHECK_NAMES)


def test_docs_explain_every_code_and_check() -> None:
    """docs/ci.md mentions every finding code and every check by name, in backquotes."""
    text = CI_DOC.read_text(encoding="utf-8")
    missing = [name for name in (*CODES, *CHECK_NAMES) if f"`{name}`" not in text]
    assert [] == missing


def test_unknown_code_is_refused() -> None:
    """A finding with a code not in the catalogue is a bug, caught when it is made."""
    with pytest.raises(ValueError, match="unknown finding code"):
        Finding("no-such-code", "message")


class TestCheckResult:
    def test_status(self) -> None:
        """Errors fail a check, warnings alone do not, a reason to skip skips it."""
        error = Finding("missing-module", "m")
        warning = Finding("relup-warning", "w")
        assert "failed" == CheckResult("changed-modules", (error, warning)).status
        assert "passed" == CheckResult("relup", (warning,)).status
        assert "skipped" == CheckResult("rehearsal", skipped="why").status
        assert "passed" == CheckResult("relup").status


#: The modules of relup.check that start and drive a throwaway node, as an OS process.
NODE_DRIVERS = {"rehearsal.py", "throwaway.py"}


def test_check_imports_no_runtime_or_ui() -> None:
    """relup.check runs no release code: only the rehearsal's modules reach a node process."""
    forbidden = ("asyncio", "relup.runtime", "relup.service", "relup.control", "relup.cli")
    offenders = []
    for path in sorted((REPO / "relup" / "check").glob("*.py")):
        allowed = ("relup.service", "relup.control") if path.name in NODE_DRIVERS else ()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.name} imports {n}"
                for n in names
                if n.split(".")[0] in ("rich", "typer")
                or any((n == f or n.startswith(f + ".")) and f not in allowed for f in forbidden)
            ]
    assert [] == offenders
