"""The status table is spec §4.2, row for row, and ``current`` never reaches the disk."""

from __future__ import annotations

from relup.release.status import PERSISTED_AS, TRANSITIONS, Action, Status, Transition

U, C, P, OLD = Status.UNPACKED, Status.CURRENT, Status.PERMANENT, Status.OLD


def test_table_is_the_spec_table() -> None:
    """Every row of spec §4.2 is in the table with its effect on the other releases, and no more."""
    expected = {
        (None, Action.UNPACK): (U, {}),
        (U, Action.INSTALL): (C, {C: OLD}),
        (OLD, Action.INSTALL): (C, {C: OLD}),
        (P, Action.INSTALL): (P, {C: OLD}),
        (C, Action.MAKE_PERMANENT): (P, {P: OLD}),
        (P, Action.MAKE_PERMANENT): (P, {}),
        (C, Action.RESTART): (U, {}),
        (OLD, Action.REBOOT_OLD): (P, {P: OLD}),
        (U, Action.REMOVE): (None, {}),
        (C, Action.REMOVE): (None, {}),
        (OLD, Action.REMOVE): (None, {}),
    }
    actual = {key: (row.to, dict(row.others)) for key, row in TRANSITIONS.items()}
    assert expected == actual


def test_permanent_release_cannot_be_removed() -> None:
    """Every status but permanent can be removed (OTP's {permanent, Vsn} refusal)."""
    assert {U, C, OLD} == {status for status, action in TRANSITIONS if action is Action.REMOVE}


def test_only_install_makes_a_release_current() -> None:
    """A release becomes current by an install and in no other way."""
    makes_current = {action for (_, action), row in TRANSITIONS.items() if row.to is C}
    assert {Action.INSTALL} == makes_current


def test_current_is_persisted_as_what_a_restart_leaves() -> None:
    """The state file records current as unpacked: the status a restarted node sees."""
    assert TRANSITIONS[(C, Action.RESTART)].to == PERSISTED_AS[C]
    assert {U: U, C: U, P: P, OLD: OLD} == dict(PERSISTED_AS)


def test_table_is_read_only() -> None:
    """The table cannot be changed at run time."""
    assert not hasattr(TRANSITIONS, "__setitem__")
    assert not hasattr(Transition(U).others, "__setitem__")
