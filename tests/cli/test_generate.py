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


PYREL = REPO / "tests" / "data" / "pyrel"
PY_ARGS = ["releases/2.0.0", "--up-from", "releases/1.0.0", "--down-to", "releases/1.0.0"]


@pytest.fixture
def pyrel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "pyrel"
    shutil.copytree(PYREL, root)
    monkeypatch.chdir(root)
    return root


class TestGeneratePython:
    def test_default_output_beside_release_toml(self, pyrel: Path) -> None:
        """A Python release's relup goes to releases/<vsn>/relup, not ./relup."""
        code, out, _ = run("generate", *PY_ARGS)
        assert 0 == code
        written = read_first_term(pyrel / "releases" / "2.0.0" / "relup")
        assert isinstance(written, tuple)
        assert "2.0.0" == written[0]
        assert not (pyrel / "relup").exists()
        assert "wrote releases/2.0.0/relup" in out
        assert "counter_srv" in out

    def test_release_toml_as_new(self, pyrel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """NEW as its release.toml, from elsewhere: the relup still lands beside it."""
        monkeypatch.chdir(pyrel.parent)
        code, _, _ = run(
            "generate", "pyrel/releases/2.0.0/release.toml",
            "--up-from", "pyrel/releases/1.0.0/release.toml",
        )  # fmt: skip
        assert 0 == code
        assert (pyrel / "releases" / "2.0.0" / "relup").is_file()

    def test_output_option_wins(self, pyrel: Path) -> None:
        """-o puts the relup where it says, and nowhere else."""
        code, _, _ = run("generate", *PY_ARGS, "-o", "elsewhere.relup")
        assert 0 == code
        assert (pyrel / "elsewhere.relup").is_file()
        assert not (pyrel / "releases" / "2.0.0" / "relup").exists()

    def test_same_relup_as_the_library(self, pyrel: Path) -> None:
        """The file written is the relup the generator makes for these releases."""
        from relup.plan import Base, PythonTree, make_relup

        assert 0 == run("generate", *PY_ARGS)[0]
        expected = make_relup(
            PythonTree(), "releases/2.0.0", [Base("releases/1.0.0")], [Base("releases/1.0.0")]
        ).relup.to_term()
        assert equal(expected, read_first_term(pyrel / "releases" / "2.0.0" / "relup"))

    def test_python_version_change(self, pyrel: Path) -> None:
        """3.11 -> 3.12: the summary shows the restart, with no warning, even as errors."""
        code, out, _ = run(
            "generate", "releases/3.0.0", "--up-from", "releases/2.0.0",
            "--warnings-as-errors", "--json",
        )  # fmt: skip
        assert 0 == code
        plan = json.loads(out)
        assert "restart_new_emulator" == plan["up"][0]["summary"]["restart"]
        assert [] == plan["warnings"]

    def test_missing_module_file(self, pyrel: Path) -> None:
        """A module without its .py: exit 1, the app.toml and the file named, nothing written."""
        (pyrel / "lib" / "counter-2.0.0" / "counter_fmt.py").unlink()
        code, _, err = run("generate", *PY_ARGS)
        assert 1 == code
        assert err.startswith("error: lib/counter-2.0.0/app.toml lists modules")
        assert "counter_fmt.py" in err
        assert "hint:" in err
        assert not (pyrel / "releases" / "2.0.0" / "relup").exists()

    def test_toml_syntax_error(self, pyrel: Path) -> None:
        """Bad TOML: exit 1 with file, line and column, and an older relup left as it was."""
        relup = pyrel / "releases" / "2.0.0" / "relup"
        relup.write_text("previous\n")
        (pyrel / "releases" / "1.0.0" / "release.toml").write_text("[release]\nname = @\n")
        code, _, err = run("generate", *PY_ARGS)
        assert 1 == code
        assert "error: releases/1.0.0/release.toml: line 2, column 8: " in err
        assert "previous\n" == relup.read_text()

    def test_missing_application(self, pyrel: Path) -> None:
        """An application version not in lib/: exit 1 naming the directory looked for."""
        shutil.rmtree(pyrel / "lib" / "stats-1.0.0")
        code, _, err = run("generate", *PY_ARGS)
        assert 1 == code
        assert "lib/stats-1.0.0 not found" in err

    def test_mixing_is_refused(self, pyrel: Path, sample: Path) -> None:
        """An OTP base for a Python NEW: exit 1 naming the base."""
        code, _, err = run(
            "generate", str(pyrel / "releases" / "2.0.0"), "--up-from", "releases/counter-1.0.0"
        )
        assert 1 == code
        assert "releases/counter-1.0.0 names an OTP release" in err

    def test_path_is_refused(self, pyrel: Path) -> None:
        """--path with a Python release: exit 1, hint to leave it out."""
        code, _, err = run("generate", *PY_ARGS, "--path", "lib/*/ebin")
        assert 1 == code
        assert "--path is for OTP releases" in err

    def test_help_explains_python_releases(self) -> None:
        """--help says how to name a Python release and where its relup goes."""
        code, out, _ = run("generate", "--help")
        assert 0 == code
        flat = " ".join(out.split())
        assert "release.toml" in flat
        assert "releases/<vsn>/relup" in flat
