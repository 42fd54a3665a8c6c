"""Release statuses and the table of how they change (OTP ``release_handler``, spec §4.2).

Rules of this file (h11's ``_state.py`` rule):

* It holds data only: the statuses, the actions, and :data:`TRANSITIONS`. The code
  that applies a row to a list of releases is :func:`relup.release.store.transition`;
  it never decides anything this table does not say.
* A row is keyed by ``(status of the release acted on, action)``; ``None`` as the
  status means "not known to the root yet". A pair that is not in the table is
  refused (``BadStatus``) and changes nothing.
* A row also says what the action does to the *other* releases (``others``): making
  a release permanent turns the previous permanent one ``old``.
* ``current`` is true only while a node runs: it is never written to disk.
  :data:`PERSISTED_AS` maps every status to the one the state file records, which is
  the status a restarted node would see (the ``(CURRENT, RESTART)`` row).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final


class Status(enum.Enum):
    """Where a release stands in a root; the values are the words of the state file."""

    UNPACKED = "unpacked"  # files present; never installed, or installed and restarted since
    CURRENT = "current"  # installed and running, not permanent (memory only)
    PERMANENT = "permanent"  # what the node boots; at most one
    OLD = "old"  # was permanent or current before another release took over


class Action(enum.Enum):
    """What can happen to a release (OTP's release_handler calls, plus a node restart)."""

    UNPACK = "unpack"
    INSTALL = "install"
    MAKE_PERMANENT = "make_permanent"
    RESTART = "restart"
    REBOOT_OLD = "reboot_old_release"
    REMOVE = "remove"


def _frozen(mapping: Mapping[Status, Status]) -> Mapping[Status, Status]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Transition:
    """One row's outcome: the release's new status (``None``: gone) and the others' changes."""

    to: Status | None
    others: Mapping[Status, Status] = field(default_factory=lambda: _frozen({}))


_DEMOTE_CURRENT = _frozen({Status.CURRENT: Status.OLD})
_DEMOTE_PERMANENT = _frozen({Status.PERMANENT: Status.OLD})

#: Spec §4.2, row by row. Installing the permanent release is the downgrade back to it.
TRANSITIONS: Final[Mapping[tuple[Status | None, Action], Transition]] = MappingProxyType(
    {
        (None, Action.UNPACK): Transition(Status.UNPACKED),
        (Status.UNPACKED, Action.INSTALL): Transition(Status.CURRENT, _DEMOTE_CURRENT),
        (Status.OLD, Action.INSTALL): Transition(Status.CURRENT, _DEMOTE_CURRENT),
        (Status.PERMANENT, Action.INSTALL): Transition(Status.PERMANENT, _DEMOTE_CURRENT),
        (Status.CURRENT, Action.MAKE_PERMANENT): Transition(Status.PERMANENT, _DEMOTE_PERMANENT),
        (Status.PERMANENT, Action.MAKE_PERMANENT): Transition(Status.PERMANENT),
        (Status.CURRENT, Action.RESTART): Transition(Status.UNPACKED),
        (Status.OLD, Action.REBOOT_OLD): Transition(Status.PERMANENT, _DEMOTE_PERMANENT),
        (Status.UNPACKED, Action.REMOVE): Transition(None),
        (Status.CURRENT, Action.REMOVE): Transition(None),
        (Status.OLD, Action.REMOVE): Transition(None),
    }
)

#: The status the state file records for each status (``current`` is stored as unpacked).
PERSISTED_AS: Final[Mapping[Status, Status]] = MappingProxyType(
    {
        Status.UNPACKED: Status.UNPACKED,
        Status.CURRENT: Status.UNPACKED,
        Status.PERMANENT: Status.PERMANENT,
        Status.OLD: Status.OLD,
    }
)
