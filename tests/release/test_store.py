"""The state file: round trips, clear errors for bad files, atomic writes, and the status rules."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relup.release.status import TRANSITIONS, Action, Status
from relup.release.store import (
    BadStatus,
    ExistingRelease,
    FileSystem,
    InvalidState,
    NoPermanentRelease,
    NoSuchRelease,
    ReleaseEntry,
    ReleaseError,
    ReleaseStore,
    StateFileCorrupt,
    StateFileError,
    StateFileMissing,
    StateFileUnreadable,
    add_release,
    after_restart,
    boot_release,
    dump_state,
    find_release,
    is_safe_name,
    mark_permanent,
    parse_state,
    set_status,
    transition,
)
from tests.release.conftest import Crash, CrashingFS

U, C, P, OLD = Status.UNPACKED, Status.CURRENT, Status.PERMANENT, Status.OLD


def entry(vsn: str, status: Status = U, apps: tuple[tuple[str, str], ...] = ()) -> ReleaseEntry:
    return ReleaseEntry("shop", vsn, "3.11", apps or (("shop", vsn), ("base", "1.0")), status)


def statuses(releases: tuple[ReleaseEntry, ...]) -> list[tuple[str, Status]]:
    return [(r.vsn, r.status) for r in releases]


@pytest.fixture
def store(tmp_path: Path) -> ReleaseStore:
    (tmp_path / "releases").mkdir()
    return ReleaseStore(tmp_path / "releases" / "RELEASES.toml")


class TestReadWrite:
    def test_round_trip_keeps_order_and_fields(self, store: ReleaseStore) -> None:
        """What is written is read back, newest first, with every field."""
        releases = (entry("2.0.0", OLD), entry("1.0-rc1", P, (("app_x", "1.0-rc-2"),)))
        store.write(releases)
        assert releases == store.read()

    def test_current_is_written_as_unpacked(self, store: ReleaseStore) -> None:
        """A current release is stored as unpacked; the file never says current."""
        store.write((entry("2.0.0", C), entry("1.0.0", P)))
        assert [("2.0.0", U), ("1.0.0", P)] == statuses(store.read())
        assert 'status = "current"' not in store.path.read_text()

    def test_no_releases(self, store: ReleaseStore) -> None:
        """A state with no release round-trips."""
        store.write(())
        assert () == store.read()

    def test_file_lists_applications_as_app_vsn(self, store: ReleaseStore) -> None:
        """Applications are written as "app-vsn" strings, as OTP's which_releases shows them."""
        store.write((entry("1.0.0", P),))
        assert 'applications = ["shop-1.0.0", "base-1.0"]' in store.path.read_text()

    def test_no_temporary_file_is_left(self, store: ReleaseStore) -> None:
        """A successful write leaves only the state file."""
        store.write((entry("1.0.0", P),))
        store.write((entry("2.0.0"), entry("1.0.0", P)))
        assert ["RELEASES.toml"] == os.listdir(store.path.parent)

    @given(
        st.lists(
            st.tuples(
                st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,8}", fullmatch=True),
                st.sampled_from([U, C, OLD]),
            ),
            unique_by=lambda t: t[0],
            max_size=5,
        ),
        st.booleans(),
    )
    def test_any_valid_state_round_trips(
        self, items: list[tuple[str, Status]], with_permanent: bool
    ) -> None:
        """Every possible state is read back as written, current as unpacked."""
        releases = tuple(entry(vsn, status) for vsn, status in items)
        if with_permanent and releases:
            releases = (*releases[:-1], releases[-1].with_status(P))
        path = Path("RELEASES.toml")
        assert after_restart(releases) == parse_state(dump_state(releases).encode(), path)


class TestReadErrors:
    def test_missing_file(self, store: ReleaseStore) -> None:
        """A missing state file is a StateFileError naming the file, with a hint."""
        with pytest.raises(StateFileError) as info:
            store.read()
        assert StateFileMissing(store.path) == info.value.reason
        assert str(store.path) in str(info.value)
        assert "relup init" in (info.value.reason.hint or "")

    def test_unreadable_file(self, store: ReleaseStore) -> None:
        """A state file that cannot be read (here a directory) is a StateFileError naming it."""
        store.path.mkdir()
        with pytest.raises(StateFileError) as info:
            store.read()
        assert isinstance(info.value.reason, StateFileUnreadable)
        assert store.path == info.value.path

    @pytest.mark.parametrize(
        ("text", "detail"),
        [
            ("format = 1\n[[release]\n", "line 2"),
            ('format = 2\n', "format = 1"),
            ('[[release]]\nname = "x"\n', "format = 1"),
            ('format = 1\nextra = true\n', "unknown keys"),
            ("format = 1\nrelease = 3\n", "array of tables"),
            (
                'format = 1\n[[release]]\nname = "s"\nversion = "1"\npython = "3.11"\n'
                'applications = []\n',
                "exactly the keys",
            ),
            (
                'format = 1\n[[release]]\nname = "s"\nversion = "1"\npython = "3.11"\n'
                'applications = []\nstatus = "current"\n',
                "current is never written",
            ),
            (
                'format = 1\n[[release]]\nname = "s"\nversion = "1"\npython = "3.11"\n'
                'applications = ["noversion"]\nstatus = "old"\n',
                "app-vsn",
            ),
            (
                'format = 1\n[[release]]\nname = "s"\nversion = "../x"\npython = "3.11"\n'
                'applications = []\nstatus = "old"\n',
                "cannot name a directory",
            ),
            (
                'format = 1\n[[release]]\nname = "s"\nversion = "1"\npython = "3.11"\n'
                'applications = []\nstatus = "permanent"\n'
                '[[release]]\nname = "s"\nversion = "2"\npython = "3.11"\n'
                'applications = []\nstatus = "permanent"\n',
                "more than one permanent",
            ),
            (
                'format = 1\n[[release]]\nname = "s"\nversion = "1"\npython = "3.11"\n'
                'applications = []\nstatus = "old"\n'
                '[[release]]\nname = "s"\nversion = "1"\npython = "3.11"\n'
                'applications = []\nstatus = "old"\n',
                "listed twice",
            ),
        ],
        ids=[
            "not-toml", "format-2", "no-format", "unknown-key", "release-not-tables",
            "missing-key", "current", "bad-app", "unsafe-version", "two-permanent", "duplicate",
        ],
    )  # fmt: skip
    def test_malformed_file(self, store: ReleaseStore, text: str, detail: str) -> None:
        """A malformed state file is a StateFileError saying what is wrong; the file is kept."""
        store.path.write_text(text)
        with pytest.raises(StateFileError) as info:
            store.read()
        assert isinstance(info.value.reason, StateFileCorrupt)
        assert detail in str(info.value)
        assert str(store.path) in str(info.value)
        assert text == store.path.read_text()

    @pytest.mark.parametrize(
        ("text", "line", "col"),
        [
            ('format = 1\n[[release]]\nname = "s" x\n', 3, 12),
            ("format = 1\nname = \n", 2, 8),
            ("format = 1\n[[release]]\nname = ", 3, 8),
            ("format = 1\nformat = 1\n", 2, 1),
        ],
        ids=["unexpected-char", "missing-value", "end-of-file", "duplicate-key"],
    )
    def test_syntax_error_position(
        self, store: ReleaseStore, text: str, line: int, col: int
    ) -> None:
        """A TOML syntax error names a 1-based line and column, as a release.toml's does."""
        store.path.write_text(text)
        with pytest.raises(StateFileError) as info:
            store.read()
        assert f"line {line}, column {col}: " in str(info.value)
        reason = info.value.reason
        assert isinstance(reason, StateFileCorrupt)
        assert (line, col) == (reason.line, reason.col)

    def test_not_utf8(self, store: ReleaseStore) -> None:
        """Bytes that are not UTF-8 are a malformed state file."""
        store.path.write_bytes(b"format = 1\n# \xff\n")
        with pytest.raises(StateFileError, match="not UTF-8"):
            store.read()

    @given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
    def test_any_bytes_read_or_refused(self, data: bytes) -> None:
        """Whatever the file holds, reading gives releases or a StateFileError, never a crash."""
        with contextlib.suppress(StateFileError):
            parse_state(data, Path("RELEASES.toml"))


class TornWrite(FileSystem):
    """Writes half of the temporary file, then the process dies."""

    def write_new(self, path: Path, data: bytes) -> None:
        path.write_bytes(data[: len(data) // 2])
        raise Crash("torn write")

    def remove(self, path: Path) -> None:
        raise Crash("dead")


class TestAtomicWrite:
    BEFORE = (entry("1.0.0", P),)
    AFTER = (entry("2.0.0"), entry("1.0.0", P))

    def reopen(self, store: ReleaseStore) -> ReleaseStore:
        """The store as a restarted node opens it."""
        return ReleaseStore(store.path)

    def test_crash_before_rename_keeps_the_old_state(self, store: ReleaseStore) -> None:
        """A write interrupted before its rename leaves the old state readable."""
        store.write(self.BEFORE)
        crashing = ReleaseStore(store.path, fs=CrashingFS(at=1))  # step 1: the rename
        with pytest.raises(Crash):
            crashing.write(self.AFTER)
        assert self.BEFORE == self.reopen(store).read()

    def test_crash_after_rename_has_the_new_state(self, store: ReleaseStore) -> None:
        """A write interrupted after its rename (before the directory fsync) has the new state."""
        store.write(self.BEFORE)
        crashing = ReleaseStore(store.path, fs=CrashingFS(at=1, after=True))
        with pytest.raises(Crash):
            crashing.write(self.AFTER)
        assert self.AFTER == self.reopen(store).read()

    def test_torn_temporary_file_is_ignored(self, store: ReleaseStore) -> None:
        """A half-written temporary file is never read, and the next write still succeeds."""
        store.write(self.BEFORE)
        with pytest.raises(Crash):
            ReleaseStore(store.path, fs=TornWrite()).write(self.AFTER)
        reopened = self.reopen(store)
        assert self.BEFORE == reopened.read()
        reopened.write(self.AFTER)
        assert self.AFTER == reopened.read()

    def test_every_step_is_interruptible(self, store: ReleaseStore) -> None:
        """Whichever step a write dies at, before or after it, the state is the old or the new."""
        store.write(self.BEFORE)
        probe = CrashingFS()
        ReleaseStore(store.path, fs=probe).write(self.BEFORE)
        for at in range(len(probe.steps)):
            for after in (False, True):
                store.write(self.BEFORE)
                with pytest.raises(Crash):
                    ReleaseStore(store.path, fs=CrashingFS(at, after=after)).write(self.AFTER)
                assert self.reopen(store).read() in (self.BEFORE, self.AFTER)
        assert ["write", "rename", "fsync"] == [step.split()[0] for step in probe.steps]

    def test_failed_write_removes_its_temporary_file(self, store: ReleaseStore) -> None:
        """An I/O error (not a crash) during the rename leaves no temporary file behind."""

        class FullDisk(FileSystem):
            def replace(self, src: Path, dst: Path) -> None:
                raise OSError(28, "No space left on device")

        store.write(self.BEFORE)
        with pytest.raises(OSError, match="No space"):
            ReleaseStore(store.path, fs=FullDisk()).write(self.AFTER)
        assert ["RELEASES.toml"] == os.listdir(store.path.parent)
        assert self.BEFORE == store.read()

    @pytest.mark.parametrize(
        "releases",
        [
            (entry("2.0.0", P), entry("1.0.0", P)),
            (entry("1.0.0"), entry("1.0.0", OLD)),
            (entry("../1"),),
            (entry("1.0.0", apps=(("Bad-App", "1"),)),),
        ],
        ids=["two-permanent", "duplicate", "unsafe-version", "bad-app"],
    )
    def test_impossible_state_is_not_written(
        self, store: ReleaseStore, releases: tuple[ReleaseEntry, ...]
    ) -> None:
        """A state no root can be in is refused and the file keeps the old state."""
        store.write(self.BEFORE)
        with pytest.raises(ReleaseError) as info:
            store.write(releases)
        assert isinstance(info.value.reason, InvalidState)
        assert self.BEFORE == store.read()


ROWS = sorted(TRANSITIONS, key=lambda k: (str(k[0]), k[1].value))


class TestTransition:
    @pytest.mark.parametrize(
        "key", [k for k in ROWS if k[0] is not None], ids=lambda k: f"{k[0]}-{k[1].value}"
    )
    def test_each_row(self, key: tuple[Status, Action]) -> None:
        """Each row changes the release as the table says and the others by its `others` map."""
        status, action = key
        others = [entry(f"o-{s.value}", s) for s in Status if s is not status and s is not C]
        if status is not C:
            others.append(entry("o-current", C))
        releases = (entry("x", status), *others)
        row = TRANSITIONS[key]
        expected = [("x", row.to)] if row.to else []
        expected += [(r.vsn, row.others.get(r.status, r.status)) for r in others]
        assert expected == statuses(transition(releases, "x", action))

    @pytest.mark.parametrize(
        "key",
        [
            (s, a)
            for s in Status
            for a in Action
            if a is not Action.UNPACK and (s, a) not in TRANSITIONS
        ],
        ids=lambda k: f"{k[0].value}-{k[1].value}",
    )
    def test_each_illegal_pair_is_refused(self, key: tuple[Status, Action]) -> None:
        """An action the table has no row for raises BadStatus and changes nothing."""
        status, action = key
        releases = (entry("x", status), entry("y", OLD))
        before = list(releases)
        with pytest.raises(ReleaseError) as info:
            transition(releases, "x", action)
        assert BadStatus("x", status, action) == info.value.reason
        assert before == list(releases)

    def test_unknown_release(self) -> None:
        """Acting on a release the root does not have raises NoSuchRelease."""
        with pytest.raises(ReleaseError) as info:
            transition((entry("1.0.0", P),), "9.9", Action.INSTALL)
        assert NoSuchRelease("9.9") == info.value.reason

    def test_unknown_release_hints_at_the_known_ones(self) -> None:
        """NoSuchRelease's hint names the commands that list and add releases."""
        hint = NoSuchRelease("9.9").hint or ""
        assert "relup releases" in hint
        assert "relup unpack PACKAGE" in hint

    def test_unpack_goes_through_add_release(self) -> None:
        """transition() does not add releases; add_release() does."""
        with pytest.raises(ValueError, match="add_release"):
            transition((entry("1.0.0", P),), "1.0.0", Action.UNPACK)

    def test_add_release_puts_the_new_one_first_unpacked(self) -> None:
        """An unpacked release goes first (newest first), whatever status it came with."""
        added = add_release((entry("1.0.0", P),), entry("2.0.0", OLD))
        assert [("2.0.0", U), ("1.0.0", P)] == statuses(added)

    def test_add_release_refuses_a_known_version(self) -> None:
        """A version the root already has is refused."""
        with pytest.raises(ReleaseError) as info:
            add_release((entry("1.0.0", P),), entry("1.0.0"))
        assert ExistingRelease("1.0.0") == info.value.reason

    def test_install_then_make_permanent(self) -> None:
        """Install makes a release current; make_permanent turns the previous permanent old."""
        releases = (entry("2.0.0"), entry("1.0.0", P))
        installed = transition(releases, "2.0.0", Action.INSTALL)
        assert [("2.0.0", C), ("1.0.0", P)] == statuses(installed)
        assert [("2.0.0", P), ("1.0.0", OLD)] == statuses(mark_permanent(installed, "2.0.0"))

    def test_make_permanent_of_unpacked_is_refused(self) -> None:
        """Only the current release can be made permanent; the hint says to install it."""
        with pytest.raises(ReleaseError) as info:
            mark_permanent((entry("2.0.0"), entry("1.0.0", P)), "2.0.0")
        assert BadStatus("2.0.0", U, Action.MAKE_PERMANENT) == info.value.reason
        assert "install" in (info.value.reason.hint or "")

    def test_removing_the_permanent_release_hints_at_the_fix(self) -> None:
        """The refusal to remove the permanent release says how to proceed."""
        with pytest.raises(ReleaseError) as info:
            transition((entry("1.0.0", P),), "1.0.0", Action.REMOVE)
        assert "permanent" in str(info.value)
        assert "another release permanent" in (info.value.reason.hint or "")


class TestHelpers:
    def test_set_status_ignores_the_table(self) -> None:
        """set_status is bookkeeping: any status, as long as the state stays possible."""
        releases = (entry("2.0.0", OLD), entry("1.0.0", P))
        assert [("2.0.0", U), ("1.0.0", P)] == statuses(set_status(releases, "2.0.0", U))

    def test_set_status_refuses_a_second_permanent(self) -> None:
        """set_status cannot make two releases permanent."""
        with pytest.raises(ReleaseError) as info:
            set_status((entry("2.0.0"), entry("1.0.0", P)), "2.0.0", P)
        assert isinstance(info.value.reason, InvalidState)

    def test_after_restart(self) -> None:
        """After a restart the current release is unpacked; the others keep their status."""
        releases = (entry("3", C), entry("2", P), entry("1", OLD))
        assert [("3", U), ("2", P), ("1", OLD)] == statuses(after_restart(releases))

    def test_boot_release_is_the_permanent_one(self) -> None:
        """A node boots the permanent release, not the current or the newest one."""
        releases = (entry("3", C), entry("2", P), entry("1", OLD))
        assert entry("2", P) == boot_release(releases)

    def test_boot_release_without_permanent(self) -> None:
        """A root with no permanent release has nothing to boot."""
        with pytest.raises(ReleaseError) as info:
            boot_release((entry("1"),))
        assert NoPermanentRelease() == info.value.reason

    def test_find_release(self) -> None:
        """find_release returns the entry or raises NoSuchRelease."""
        assert entry("1", P) == find_release((entry("2"), entry("1", P)), "1")
        with pytest.raises(ReleaseError) as info:
            find_release((), "1")
        assert NoSuchRelease("1") == info.value.reason

    @pytest.mark.parametrize(
        ("name", "safe"),
        [
            ("1.0.0", True), ("R16B", True), ("1.0-rc1+build", True), ("é", True),
            ("", False), (".", False), ("..", False), (".hidden", False), ("a/b", False),
            ("a\\b", False), ("a\nb", False), ("a\x00b", False), ("RELEASES.toml", False),
            ("x" * 201, False),
        ],
    )  # fmt: skip
    def test_is_safe_name(self, name: str, safe: bool) -> None:
        """Only names that stay one ordinary directory of the root are safe."""
        assert safe == is_safe_name(name)
