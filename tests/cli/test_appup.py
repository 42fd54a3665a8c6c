"""`relup appup` from the command line: drafts printed, written, refused, and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relup.cli import app
from relup.release.package import pack
from relup.terms import equal, parse_first_term, read_first_term
from tests.check.pairs import DATA, KVSTORE, OLD, appup_of, copy_pair, new


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """The good pair, copied, without its appup."""
    old, new_release = copy_pair(tmp_path)
    appup_of(new_release).unlink()
    return old, new_release


class TestPrint:
    def test_prints_the_draft(self) -> None:
        """The draft is printed after a comment naming where it belongs; it parses."""
        code, out, err = run("appup", OLD, new())
        assert (0, "") == (code, err)
        head, draft = out.split(f"%% ==> {appup_of(new())}\n")
        assert head.startswith("%% relup appup: releases tally 1.0.0 -> tally 2.0.0")
        assert equal(read_first_term(appup_of(new())), parse_first_term(draft))

    def test_nothing_to_draft(self) -> None:
        """Two releases with no version change: a comment says there is nothing to draft."""
        code, out, _ = run("appup", OLD, OLD)
        assert 0 == code
        assert "there is no appup to draft" in out

    def test_unknown_app(self) -> None:
        """--app naming an application that does not change version: exit 1 with the list."""
        code, _, err = run("appup", OLD, new(), "--app", "stats")
        assert 1 == code
        assert "stats is not an application whose version changes" in err
        assert "hint: applications that change version: tally" in err

    def test_not_a_release(self, tmp_path: Path) -> None:
        """OLD naming no release: exit 1, saying how to name one."""
        code, _, err = run("appup", tmp_path, new())
        assert 1 == code
        assert "neither a Python release directory" in err


class TestWrite:
    def test_writes_into_new_tree(self, pair: tuple[Path, Path]) -> None:
        """--write puts the draft at lib/<app>-<vsn>/<app>.appup of NEW and says so on stderr."""
        old, new_release = pair
        code, out, err = run("appup", old, new_release, "--write", "--app", "tally")
        assert 0 == code
        assert f"wrote {appup_of(new_release)}" in err
        assert equal(read_first_term(appup_of(new())), read_first_term(appup_of(new_release)))
        assert out.endswith(appup_of(new_release).read_text())

    def test_refuses_to_overwrite(self, pair: tuple[Path, Path]) -> None:
        """An existing appup is kept, byte for byte, unless --force."""
        old, new_release = pair
        appup_of(new_release).write_text("%% mine\n")
        code, _, err = run("appup", old, new_release, "--write")
        assert 1 == code
        assert "already exists; nothing was written" in err
        assert "%% mine\n" == appup_of(new_release).read_text()
        assert 0 == run("appup", old, new_release, "--write", "--force")[0]
        assert "%% mine\n" != appup_of(new_release).read_text()

    def test_refuses_to_write_into_a_package(self, tmp_path: Path) -> None:
        """--write with NEW a package is refused: the package is never changed."""
        package = pack(DATA / "good", "2.0.0", tmp_path)
        before = package.read_bytes()
        code, _, err = run("appup", OLD, package, "--write")
        assert 1 == code
        assert "NEW is the package" in err
        assert before == package.read_bytes()


class TestDraftThenCheck:
    def test_written_draft_passes_check(self, pair: tuple[Path, Path]) -> None:
        """The draft for the good pair, written, makes relup check (a)+(b) pass."""
        old, new_release = pair
        assert 1 == run("check", old, new_release)[0]  # no appup yet: no-appup
        assert 0 == run("appup", old, new_release, "--write")[0]
        code, out, _ = run("check", old, new_release, "--no-rehearse")
        assert 0 == code, out

    @pytest.mark.parametrize(("old", "top"), [("1.0.0", "2.0.0"), ("2.0.0", "3.0.0")])
    def test_kvstore_drafts_pass_check(self, tmp_path: Path, old: str, top: str) -> None:
        """Each kvstore step, its appup replaced by the draft, passes relup check (a)+(b)."""
        tree = tmp_path / "kvstore"
        shutil.copytree(KVSTORE, tree, ignore=shutil.ignore_patterns("__pycache__"))
        (tree / "lib" / f"kv-{top}" / "kv.appup").unlink()
        releases = tree / "releases"
        assert 0 == run("appup", releases / old, releases / top, "--write")[0]
        code, out, _ = run("check", releases / old, releases / top, "--no-rehearse")
        assert 0 == code, out
