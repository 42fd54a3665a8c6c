"""The relup file: the low-level plan for every up-from and down-to release.

Shape (OTP): ``{TopVsn, [{UpFromVsn, Descr, Instructions}], [{DownToVsn, Descr,
Instructions}]}``, written after a ``%% coding: utf-8`` line. Instructions are kept
as terms here; :mod:`relup.plan.instructions` gives them types.
"""

from __future__ import annotations

from dataclasses import dataclass

from relup.errors import SpecError
from relup.spec._shape import show, string
from relup.terms import Term, format_term


@dataclass(frozen=True, slots=True)
class RelupEntry:
    """The script for one base release."""

    vsn: str
    description: Term
    instructions: tuple[Term, ...]

    def to_term(self) -> Term:
        return (self.vsn, self.description, list(self.instructions))


@dataclass(frozen=True, slots=True)
class RelupFile:
    """A whole relup: the top release version and its up and down scripts."""

    vsn: str
    up: tuple[RelupEntry, ...]
    down: tuple[RelupEntry, ...]

    def to_term(self) -> Term:
        return (self.vsn, [e.to_term() for e in self.up], [e.to_term() for e in self.down])

    def to_text(self) -> str:
        """The file as OTP writes it: a coding line, then the term and a full stop.

        The layout is relup's own (one instruction per line, so diffs stay small);
        it reads back as the same term with Erlang's ``file:consult``.
        """

        def section(entries: tuple[RelupEntry, ...]) -> str:
            if not entries:
                return "[]"
            parts = []
            for e in entries:
                body = ",\n    ".join(format_term(i) for i in e.instructions)
                head = f"{format_term(e.vsn)}, {format_term(e.description)}"
                parts.append(f"{{{head},\n   [{body}]}}")
            return "[" + ",\n  ".join(parts) + "]"

        return (
            f"%% coding: utf-8\n{{{format_term(self.vsn)},\n"
            f" {section(self.up)},\n {section(self.down)}}}.\n"
        )

    def entry(self, direction: str, vsn: str) -> RelupEntry | None:
        """The exact entry for `vsn` in "up" or "down" (no patterns at this level)."""
        for e in self.up if direction == "up" else self.down:
            if e.vsn == vsn:
                return e
        return None

    @classmethod
    def from_term(cls, term: Term, path: str | None = None) -> RelupFile:
        if not (
            isinstance(term, tuple)
            and len(term) == 3
            and isinstance(term[1], list)
            and isinstance(term[2], list)
        ):
            raise SpecError(
                "expected {Vsn, [{UpFromVsn, Descr, Instrs}], [{DownToVsn, Descr, Instrs}]}, got "
                + show(term),
                path=path,
            )
        return cls(
            vsn=string(term[0], "relup version", path),
            up=tuple(_entry(e, "up", path) for e in term[1]),
            down=tuple(_entry(e, "down", path) for e in term[2]),
        )


def _entry(term: Term, direction: str, path: str | None) -> RelupEntry:
    if not (isinstance(term, tuple) and len(term) == 3 and isinstance(term[2], list)):
        raise SpecError(
            f"{direction} entry must be {{Vsn, Descr, [Instructions]}}, got {show(term)}",
            path=path,
            where=f"{direction} entries",
        )
    return RelupEntry(
        vsn=string(term[0], f"{direction} entry version", path),
        description=term[1],
        instructions=tuple(term[2]),
    )
