"""Drafted appups: the rules of relup.check.draft, and text that reads back as the same term."""

from __future__ import annotations

import shutil
from pathlib import Path

from relup.check.draft import AppupDraft, draft_appups, release_notes
from relup.spec.appup import Appup
from relup.terms import Atom, Term, equal, format_term, parse_first_term, read_first_term
from tests.check.pairs import DATA, KVSTORE, OLD, appup_of, copy_pair, diff, module_of, new


def draft(old: Path = OLD, new_release: Path | None = None) -> AppupDraft:
    """The one draft of the pair (only tally changes version in these pairs)."""
    (only,) = draft_appups(diff(old, new_release))
    return only


def lines(d: AppupDraft, direction: str) -> list[str]:
    return [format_term(line.term) for line in (d.up if direction == "up" else d.down)]


class TestGoodPair:
    def test_term_is_the_hand_written_appup(self) -> None:
        """The draft for the good pair is, term for term, the fixture's reviewed appup."""
        assert equal(read_first_term(appup_of(new())), draft().term)

    def test_text_reads_back_as_the_term(self) -> None:
        """The printed draft, comments and all, parses back to the drafted term."""
        d = draft()
        assert equal(d.term, parse_first_term(d.text()))
        assert "2.0.0" == Appup.from_term(parse_first_term(d.text())).vsn

    def test_every_instruction_has_a_comment(self) -> None:
        """Each instruction line is preceded by the comment that says why it was chosen."""
        d = draft()
        assert all(line.comment for line in (*d.up, *d.down))

    def test_header_says_what_the_generator_does_with_applications(self) -> None:
        """stats joining and legacy leaving are explained, not written as instructions."""
        text = draft().text()
        assert "{add_application,stats,permanent}" in text
        assert "{remove_application,legacy}" in text
        assert "No appup line is needed" in text
        assert "add_application" not in "".join(lines(draft(), "up"))

    def test_path_is_in_the_new_tree(self) -> None:
        """A draft belongs at lib/<app>-<vsn>/<app>.appup of NEW's tree."""
        assert str(appup_of(new())) == draft().path


class TestRules:
    def test_soft_update_without_code_change_or_state_change(self, tmp_path: Path) -> None:
        """A gen_server with neither code_change nor a visible state change is updated soft."""
        old, new_release = copy_pair(tmp_path)
        module_of(new_release, "tally_srv").write_text(
            module_of(old, "tally_srv").read_text() + "# only a comment changed\n"
        )
        assert "{update,tally_srv,soft,[tally_fmt]}" in lines(draft(old, new_release), "up")

    def test_missing_code_change_is_a_todo(self) -> None:
        """A changed state without code_change: {advanced, []} anyway, and a TODO saying so."""
        d = draft(new_release=new("no-code-change"))
        assert "{update,tally_srv,{advanced,[]},[tally_fmt,tally_log]}" in lines(d, "up")
        (todo,) = d.todos
        assert "defines no code_change" in todo
        assert "%% TODO: tally_srv's state looks different" in d.text()

    def test_dep_mods_only_name_modules_this_appup_handles(self, tmp_path: Path) -> None:
        """An import of an unchanged module is not a DepMod (it would be undef_module)."""
        old, new_release = copy_pair(tmp_path)
        fmt = module_of(new_release, "tally_fmt")
        fmt.write_text("import tally_app\n" + fmt.read_text())
        assert "{load_module,tally_fmt}" in lines(draft(old, new_release), "up")

    def test_supervisor_children_gained_are_started(self, tmp_path: Path) -> None:
        """A new child: restart_child after the update going up, terminate/delete before it down."""
        old, new_release = copy_pair(tmp_path)
        sup = module_of(new_release, "tally_sup")
        sup.write_text(
            sup.read_text().replace(
                "return (flags, [counter])",
                'extra = ChildSpec("tally_extra", ("tally_srv", "start_link", ()))\n'
                "    return (flags, [counter, extra])",
            )
        )
        d = draft(old, new_release)
        restart = "{apply,{supervisor,restart_child,[tally_sup,tally_extra]}}"
        update = "{update,tally_sup,supervisor}"
        up, down = lines(d, "up"), lines(d, "down")
        assert up.index(update) + 1 == up.index(restart)
        assert [
            "{apply,{supervisor,terminate_child,[tally_sup,tally_extra]}}",
            "{apply,{supervisor,delete_child,[tally_sup,tally_extra]}}",
            update,
        ] == down[down.index(update) - 2 : down.index(update) + 1]

    def test_supervisor_without_registered_name_gets_a_todo(self, tmp_path: Path) -> None:
        """Without a registered name the child instructions cannot be written: a TODO instead."""
        old, new_release = copy_pair(tmp_path)
        app = module_of(new_release, "tally_app")
        app.write_text(app.read_text().replace(', name="tally_sup"', ""))
        sup = module_of(new_release, "tally_sup")
        sup.write_text(sup.read_text().replace('ChildSpec("tally_srv"', 'ChildSpec("renamed"'))
        d = draft(old, new_release)
        assert not any("restart_child" in t for t in lines(d, "up"))
        assert any("tally_sup's children changed (renamed, tally_srv)" in t for t in d.todos)

    def test_same_version_change_is_a_warning_note(self, tmp_path: Path) -> None:
        """An application changed under the same version gets a WARNING note and no draft."""
        shutil.copytree(DATA / "old", tmp_path / "b")
        twin = tmp_path / "b" / "releases" / "1.0.0"
        module_of(twin, "tally_fmt").write_text("def show(count):\n    return str(count)\n")
        d = diff(OLD, twin)
        assert [] == draft_appups(d)
        (note,) = release_notes(d)
        assert note.startswith("WARNING: tally is 1.0.0 in both releases")
        assert "(tally_fmt)" in note


class TestKvstoreSample:
    def test_drafts_match_the_hand_written_appups(self) -> None:
        """For each kvstore step, the draft has the sample appup's instructions (as a set)."""
        for old, top in (("1.0.0", "2.0.0"), ("2.0.0", "3.0.0")):
            releases = KVSTORE / "releases"
            d = draft(releases / old, releases / top)
            written = read_first_term(KVSTORE / "lib" / f"kv-{top}" / "kv.appup")
            assert isinstance(written, tuple)
            for direction, section in (("up", written[1]), ("down", written[2])):
                (entry,) = section
                expected = {_short(i) for i in entry[1]}
                drafted = {_short(line.term) for line in (d.up if direction == "up" else d.down)}
                assert expected == drafted, (old, top, direction)


def _short(term: Term) -> str:
    """An instruction without its DepMods, which the sample and the draft may order differently."""
    tags = (Atom("update"), Atom("load_module"), Atom("add_module"))
    if isinstance(term, tuple) and term[0] in tags and len(term) > 2 and isinstance(term[-1], list):
        term = term[:-1]
    return format_term(term)
