"""Ordering release and application versions for people: listings and "latest".

Rules:

* **Only for people.** Versions are arbitrary strings, as in OTP (``R16B`` and
  ``2.0-rc1`` are versions). The generator and the release handler never order
  them: which up or down entry applies is decided by exact or pattern matching
  (:mod:`relup.spec.versions`), never by one version being "newer". This module
  orders versions only where relup shows them (``relup releases``) or picks one
  for a person ("the latest").
* **PEP 440 first.** A string that :class:`packaging.version.Version` parses is
  ordered as a version: ``1.9 < 1.10 < 2.0rc1 < 2.0 < 2.0.post1``.
* **Fallback.** A string it cannot parse (``R16B03``, ``2024-blue``, ``latest``)
  is ordered "naturally": split into runs of ASCII digits and other characters,
  digit runs compared as numbers (without converting them, so any length works),
  other runs as text. ``R9B < R16B < R16B01 < R16B03``. Every such string sorts
  *before* every PEP 440 one; that puts OTP's old ``R``-releases before its
  numbered ones (``R16B03 < 17.0``), as they came out.
* **Total.** Two different strings never compare equal (``1.0`` and ``1.0.0``
  are the same PEP 440 version; the string itself breaks the tie), so sorting
  is deterministic, and no string makes the key raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

__all__ = ["latest", "sorted_vsns", "vsn_key"]

_RUNS = re.compile(r"[0-9]+|[^0-9]+")

#: A natural-order run: (0, "", text) for text, (1, digits without leading zeros, "")
#: for a number; a number's digits compare by (length, text), which is numeric order.
_Run = tuple[int, int, str]
VsnKey = tuple[int, Version | tuple[_Run, ...], str]


def _natural(vsn: str) -> tuple[_Run, ...]:
    runs: list[_Run] = []
    for run in _RUNS.findall(vsn):
        if run[0].isdigit():
            digits = run.lstrip("0")
            runs.append((1, len(digits), digits))
        else:
            runs.append((0, 0, run))
    return tuple(runs)


def vsn_key(vsn: str) -> VsnKey:
    """A sort key ordering `vsn` for people (see the module's rules); never raises."""
    try:
        return (1, Version(vsn), vsn)
    except (InvalidVersion, ValueError):  # ValueError: a number too long for int()
        return (0, _natural(vsn), vsn)


def sorted_vsns(vsns: Iterable[str], *, newest_first: bool = False) -> list[str]:
    """`vsns` oldest first (or newest first), by :func:`vsn_key`."""
    return sorted(vsns, key=vsn_key, reverse=newest_first)


def latest(vsns: Iterable[str]) -> str | None:
    """The newest of `vsns` by :func:`vsn_key`, or None if there are none."""
    return max(vsns, key=vsn_key, default=None)
