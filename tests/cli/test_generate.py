"""`relup generate` from the command line: output file, summary, errors and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relup.cli import app
from relup.terms import equal, read_first_term
from tests.conftest import REPO, SHARED

SAMPLE = REPO / "sample_releases" / "otp-counter"
VECTORS = SHARED / "otp-vectors"
ARGS = [
    "releases/counter-2.0.0",
    "--up-from",
    "releases/counter-1.0.0",
    "--down-to",
    "releases/counter-1.0.0",
]


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


class TestGenerate:
    def test_writes_relup_and_summary(self, sample: Path) -> None:
        """The relup goes to ./relup by default and the summary names the suspended module."""
        code, out, _ = run("generate", *ARGS)
        assert 0 == code
        written = read_first_term(sample / "relup")
        assert isinstance(written, tuple)
        assert "2.0.0" == written[0]
        assert "counter_srv" in out
        assert "wrote relup" in out

    def test_rel_suffix_is_optional(self, sample: Path) -> None:
        """NEW and OLD may be given with the .rel suffix; the result is the same."""
        assert 0 == run("generate", *ARGS, "-o", "a")[0]
        with_suffix = [a + ".rel" if a.startswith("releases/") else a for a in ARGS]
        assert 0 == run("generate", *with_suffix, "-o", "b")[0]
        assert equal(read_first_term(sample / "a"), read_first_term(sample / "b"))

    def test_dry_run_prints_and_writes_nothing(self, sample: Path) -> None:
        """--dry-run prints the relup term and leaves no file behind."""
        code, out, _ = run("generate", *ARGS, "--dry-run")
        assert 0 == code
        assert out.startswith("%% coding: utf-8")
        assert not (sample / "relup").exists()

    def test_json(self, sample: Path) -> None:
        """--json prints the plan with a summary per entry."""
        code, out, _ = run("generate", *ARGS, "--json", "--dry-run")
        assert 0 == code
        plan = json.loads(out)
        assert ["counter_srv"] == plan["up"][0]["summary"]["suspended"]
        assert "point_of_no_return" in plan["down"][0]["instructions"]

    def test_path_option(self, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """--path points at the ebin directories from elsewhere."""
        monkeypatch.chdir(sample.parent)
        code, _, _ = run(
            "generate", "sample/releases/counter-2.0.0",
            "--up-from", "sample/releases/counter-1.0.0",
            "--path", "sample/lib/*/ebin", "-o", "out.relup",
        )  # fmt: skip
        assert 0 == code
        assert (sample.parent / "out.relup").exists()

    def test_malformed_appup_is_one_line_with_position(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A malformed appup: exit 1, one line naming file:line:col, and no file written."""
        case = tmp_path / "case"
        shutil.copytree(VECTORS / "39-err-malformed-appup", case)
        monkeypatch.chdir(case)
        code, _, err = run("generate", "releases/r2", "--up-from", "releases/r1", "-o", "relup")
        assert 1 == code
        lines = err.strip().splitlines()
        assert 1 == len(lines)
        assert lines[0].startswith("error: lib/shop-1.1/ebin/shop.appup:4:")
        assert not (case / "relup").exists()

    def test_refusal_keeps_previous_output(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A refused plan leaves an existing output file untouched and gives a hint."""
        case = tmp_path / "case"
        shutil.copytree(VECTORS / "40-err-depmods-unchanged-module", case)
        monkeypatch.chdir(case)
        (case / "relup").write_text("previous\n")
        code, _, err = run("generate", "releases/r2", "--up-from", "releases/r1")
        assert 1 == code
        assert "shop_price" in err
        assert "hint:" in err
        assert "previous\n" == (case / "relup").read_text()

    def test_warnings_as_errors(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """--warnings-as-errors turns the bad_vsn warning into exit 1 with nothing written."""
        case = tmp_path / "case"
        shutil.copytree(VECTORS / "31-appup-vsn-mismatch-warning", case)
        monkeypatch.chdir(case)
        code, out, _ = run("generate", "releases/r2", "--up-from", "releases/r1")
        assert 0 == code
        assert "warning:" in out
        (case / "relup").unlink()
        code, _, err = run(
            "generate", "releases/r2", "--up-from", "releases/r1", "--warnings-as-errors"
        )
        assert 1 == code
        assert "warnings treated as errors" in err
        assert not (case / "relup").exists()

    def test_missing_release_file(self, sample: Path) -> None:
        """A release that does not exist is named in the error."""
        code, _, err = run("generate", "releases/nope", "--up-from", "releases/counter-1.0.0")
        assert 1 == code
        assert "releases/nope.rel" in err

    def test_usage_error_exits_2(self, sample: Path) -> None:
        """A missing argument is a usage error."""
        assert 2 == run("generate")[0]

    def test_help_explains_every_option(self) -> None:
        """--help names every option of the command."""
        code, out, _ = run("generate", "--help")
        assert 0 == code
        for option in ("--up-from", "--down-to", "--path", "--output", "--restart-emulator",
                       "--warnings-as-errors", "--json", "--dry-run"):  # fmt: skip
            assert option in out
