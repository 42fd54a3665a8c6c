"""Check (a): each appup problem gives its finding, naming the file and what to write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relup.check.coverage import check_coverage
from relup.check.findings import Finding
from relup.plan import PythonTree
from tests.check.pairs import (
    BROKEN,
    DATA,
    OLD,
    REHEARSAL_ONLY,
    appup_of,
    copy_pair,
    diff,
    module_of,
    new,
)


def coverage(old: Path = OLD, new_release: Path | None = None) -> list[Finding]:
    return check_coverage(diff(old, new_release), PythonTree().read_appup)


def codes(findings: list[Finding]) -> list[tuple[str, str | None, str | None]]:
    """(code, module, direction) of each finding, in order."""
    return [(f.code, f.module, f.direction) for f in findings]


def with_appup(tmp_path: Path, text: str) -> tuple[Path, Path]:
    """The good pair, copied, with tally's appup replaced by `text`."""
    old, new_release = copy_pair(tmp_path)
    appup_of(new_release).write_text(text)
    return old, new_release


UP = """[{add_module, tally_log}, {load_module, tally_fmt},
  {update, tally_srv, {advanced, []}, [tally_fmt, tally_log]},
  {update, tally_sup, supervisor}, {delete_module, tally_old}]"""
DOWN = """[{add_module, tally_old}, {load_module, tally_fmt},
  {update, tally_srv, {advanced, []}, [tally_fmt, tally_log]},
  {update, tally_sup, supervisor}, {delete_module, tally_log}]"""


def appup(up: str = UP, down: str = DOWN, vsn: str = '"2.0.0"') -> str:
    return f'{{{vsn}, [{{"1.0.0", {up}}}], [{{"1.0.0", {down}}}]}}.\n'


class TestFixtures:
    def test_good_pair_has_no_findings(self) -> None:
        """The good appup covers every change: no finding at all."""
        assert [] == coverage()

    @pytest.mark.parametrize("variant", sorted(BROKEN))
    def test_broken_variant_gives_its_codes(self, variant: str) -> None:
        """Each broken variant gives the findings its name says (the relup's aside)."""
        expected = BROKEN[variant] - {"relup-refused"}
        assert expected == {f.code for f in coverage(new_release=new(variant))}

    @pytest.mark.parametrize("variant", sorted(REHEARSAL_ONLY))
    def test_rehearsal_only_variant_passes_coverage(self, variant: str) -> None:
        """A code_change that raises, or does not undo itself, is invisible to reading sources."""
        assert [] == coverage(new_release=new(variant))

    def test_missing_module_names_file_and_fix(self) -> None:
        """missing-module names the appup and the instruction to add, up and down."""
        findings = coverage(new_release=new("missing-module"))
        assert [
            ("missing-module", "tally_fmt", "up"),
            ("missing-module", "tally_fmt", "down"),
        ] == codes(findings)
        path = str(DATA / "missing-module" / "lib" / "tally-2.0.0" / "tally.appup")
        assert all(
            path in f.message and "add {load_module,tally_fmt}" in f.message for f in findings
        )

    def test_no_code_change_names_the_module_file(self) -> None:
        """no-code-change says which file lacks code_change and what it must convert."""
        (finding,) = coverage(new_release=new("no-code-change"))
        assert "tally_srv.py defines no code_change" in finding.message
        assert 'down to ("down", "1.0.0")' in finding.message

    def test_version_mismatch_says_the_right_version(self) -> None:
        """appup-version-mismatch shows the wrong version and the one to write."""
        (finding,) = coverage(new_release=new("appup-version-mismatch"))
        assert '"1.1.0"' in finding.message
        assert 'make its first element "2.0.0"' in finding.message


class TestAppups:
    def test_missing_appup(self, tmp_path: Path) -> None:
        """No appup at all: one no-appup finding that points at relup appup."""
        old, new_release = copy_pair(tmp_path)
        appup_of(new_release).unlink()
        (finding,) = coverage(old, new_release)
        assert "no-appup" == finding.code
        assert "relup appup OLD NEW --app tally --write" in finding.message

    def test_unreadable_appup(self, tmp_path: Path) -> None:
        """An appup that does not parse is bad-appup, with the generator's position."""
        (finding,) = coverage(*with_appup(tmp_path, '{"2.0.0", [}.\n'))
        assert "bad-appup" == finding.code
        assert "tally.appup" in finding.message

    def test_malformed_instruction_is_reported_and_the_rest_checked(self, tmp_path: Path) -> None:
        """A bad instruction is bad-appup; the instructions around it still count."""
        up = UP.replace("{load_module, tally_fmt}", "{load_module, tally_fmt, soft_purge}")
        findings = coverage(*with_appup(tmp_path, appup(up=up)))
        assert [("bad-appup", None, "up"), ("missing-module", "tally_fmt", "up")] == codes(findings)

    def test_no_up_entry_lists_the_keys_it_has(self, tmp_path: Path) -> None:
        """An up list keyed for another version: no-up-entry, naming the keys found."""
        text = appup().replace(
            '[{"1.0.0", [{add_module, tally_log}', '[{"0.9.0", [{add_module, tally_log}'
        )
        (finding,) = coverage(*with_appup(tmp_path, text))
        assert ("no-up-entry", "up") == (finding.code, finding.direction)
        assert 'its up keys: "0.9.0"' in finding.message

    def test_pattern_key_matches(self, tmp_path: Path) -> None:
        """A regular-expression key that matches OLD's version is an entry, as for the generator."""
        text = appup().replace('[{"1.0.0", [{add', '[{<<"1\\\\.0\\\\.[0-9]+">>, [{add')
        assert [] == coverage(*with_appup(tmp_path, text))

    def test_application_in_appup(self, tmp_path: Path) -> None:
        """add_application for an application the release files add is a duplicate."""
        up = UP.replace(
            "[{add_module, tally_log}", "[{add_application, stats}, {add_module, tally_log}"
        )
        (finding,) = coverage(*with_appup(tmp_path, appup(up=up)))
        assert ("application-in-appup", "up") == (finding.code, finding.direction)
        assert "{add_application,stats}" in finding.message

    def test_same_version_changed_code(self, tmp_path: Path) -> None:
        """Files changed under the same version: same-version-changed-code, asking for a version."""
        shutil.copytree(DATA / "old", tmp_path / "b")
        fmt = tmp_path / "b" / "lib" / "tally-1.0.0" / "tally_fmt.py"
        fmt.write_text("def show(count):\n    return str(count)\n")
        (finding,) = coverage(OLD, tmp_path / "b" / "releases" / "1.0.0")
        assert "same-version-changed-code" == finding.code
        assert "give tally a new version" in finding.message


class TestModules:
    def test_added_module_not_added(self, tmp_path: Path) -> None:
        """tally_log left out: not added going up, not deleted going down."""
        up = UP.replace("{add_module, tally_log}, ", "").replace(", tally_log]", "]")
        down = DOWN.replace(", {delete_module, tally_log}", "").replace(", tally_log]", "]")
        findings = coverage(*with_appup(tmp_path, appup(up, down)))
        assert [
            ("missing-add-module", "tally_log", "up"),
            ("missing-delete-module", "tally_log", "down"),
        ] == codes(findings)

    def test_removed_module_not_deleted(self, tmp_path: Path) -> None:
        """tally_old left in place going up is missing-delete-module, with the line to add."""
        up = UP.replace(", {delete_module, tally_old}", "")
        (finding,) = coverage(*with_appup(tmp_path, appup(up=up)))
        assert ("missing-delete-module", "tally_old", "up") == (
            finding.code,
            finding.module,
            finding.direction,
        )
        assert "add {delete_module,tally_old}" in finding.message

    def test_changed_module_that_does_not_parse(self, tmp_path: Path) -> None:
        """A changed module with a syntax error is unparsable-module, naming file and line."""
        old, new_release = copy_pair(tmp_path)
        module_of(new_release, "tally_fmt").write_text("def show(count):\n    return (\n")
        (finding,) = coverage(old, new_release)
        assert ("unparsable-module", "tally_fmt") == (finding.code, finding.module)
        assert f"{module_of(new_release, 'tally_fmt')} is not valid Python" in finding.message

    def test_low_level_load_counts(self, tmp_path: Path) -> None:
        """A hand-written low-level load (with its load_object_code) handles the module."""
        load = (
            '{load_object_code, {tally, "2.0.0", [tally_fmt]}}, point_of_no_return, '
            "{load, {tally_fmt, brutal_purge, brutal_purge}}"
        )
        up = UP.replace("{load_module, tally_fmt}", load).replace(
            "[tally_fmt, tally_log]", "[tally_log]"
        )
        assert [] == [
            f for f in coverage(*with_appup(tmp_path, appup(up=up))) if f.direction == "up"
        ]

    def test_restart_application_covers_everything(self, tmp_path: Path) -> None:
        """restart_application reloads every module: nothing is missing in either direction."""
        text = appup("[{restart_application, tally}]", "[{restart_application, tally}]")
        assert [] == coverage(*with_appup(tmp_path, text))

    def test_supervisor_only_loaded_is_a_warning(self, tmp_path: Path) -> None:
        """A changed supervisor loaded with load_module: a warning, not an error."""
        up = UP.replace("{update, tally_sup, supervisor}", "{load_module, tally_sup}")
        down = DOWN.replace("{update, tally_sup, supervisor}", "{load_module, tally_sup}")
        findings = coverage(*with_appup(tmp_path, appup(up, down)))
        assert {"supervisor-not-updated"} == {f.code for f in findings}
        assert {"warning"} == {f.severity for f in findings}
        assert "use {update,tally_sup,supervisor}" in findings[0].message


class TestStateAndMirror:
    def test_soft_update_of_a_changed_state(self, tmp_path: Path) -> None:
        """A soft update of tally_srv, whose state changes, is no-code-change both ways."""
        soft = "{update, tally_srv, soft, [tally_fmt, tally_log]}"
        adv = "{update, tally_srv, {advanced, []}, [tally_fmt, tally_log]}"
        findings = coverage(
            *with_appup(tmp_path, appup(UP.replace(adv, soft), DOWN.replace(adv, soft)))
        )
        assert [
            ("no-code-change", "tally_srv", "up"),
            ("no-code-change", "tally_srv", "down"),
        ] == codes(findings)
        assert "use {update,tally_srv,{advanced,[]},[tally_fmt,tally_log]}" in findings[0].message

    def test_down_section_missing_a_module(self, tmp_path: Path) -> None:
        """A module updated up but absent down (and unchanged) is not-mirrored."""
        up = UP[:-1] + ", {load_module, tally_app}]"
        (finding,) = coverage(*with_appup(tmp_path, appup(up=up)))
        assert ("not-mirrored", "tally_app", "down") == (
            finding.code,
            finding.module,
            finding.direction,
        )
        assert "add {load_module,tally_app} there" in finding.message

    def test_mirror_of_add_is_delete(self, tmp_path: Path) -> None:
        """An extra add_module up wants a delete_module down."""
        up = UP[:-1] + ", {add_module, tally_app}]"
        (finding,) = coverage(*with_appup(tmp_path, appup(up=up)))
        assert "add {delete_module,tally_app} there" in finding.message

    def test_converted_up_but_not_down(self, tmp_path: Path) -> None:
        """An unchanged-state gen_server converted up but only soft down is not-mirrored."""
        old, new_release = copy_pair(tmp_path)
        up = UP[:-1] + ", {update, tally_app, {advanced, []}}]"
        down = DOWN[:-1] + ", {update, tally_app, soft}]"
        appup_of(new_release).write_text(appup(up, down))
        (finding,) = coverage(old, new_release)
        assert ("not-mirrored", "tally_app", "down") == (
            finding.code,
            finding.module,
            finding.direction,
        )
        assert "code_change converts it back" in finding.message

    def test_missing_module_is_not_reported_twice(self, tmp_path: Path) -> None:
        """A changed module missing down is missing-module only, not also not-mirrored."""
        down = DOWN.replace("{load_module, tally_fmt},", "").replace(
            "[tally_fmt, tally_log]", "[tally_log]"
        )
        assert [("missing-module", "tally_fmt", "down")] == codes(
            coverage(*with_appup(tmp_path, appup(down=down)))
        )
