"""The `.appup` file: how to move one application between versions.

Shape (OTP): ``{Vsn, [{UpFromVsn, Instructions}], [{DownToVsn, Instructions}]}``.
The instructions stay terms here: checking them is the generator's job, because
OTP reports instruction errors in the form they have at that stage. Entries
that are not 2-tuples are kept out, as OTP's version search skips them.
"""

from __future__ import annotations

from dataclasses import dataclass

from relup.errors import SpecError
from relup.spec._shape import show
from relup.spec.versions import find_appup_entry
from relup.terms import Term


@dataclass(frozen=True, slots=True)
class AppupEntry:
    """One ``{Key, Instructions}`` entry; the key is a version string or a pattern."""

    key: Term
    instructions: Term


@dataclass(frozen=True, slots=True)
class Appup:
    """An appup: its own version and the up and down entries, in file order."""

    vsn: Term
    up: tuple[AppupEntry, ...]
    down: tuple[AppupEntry, ...]
    path: str | None = None

    @classmethod
    def from_term(cls, term: Term, path: str | None = None) -> Appup:
        if not (isinstance(term, tuple) and len(term) == 3):
            raise SpecError(
                "expected {Vsn, [{UpFromVsn, Instructions}], [{DownToVsn, Instructions}]}, got "
                + show(term),
                path=path,
            )
        return cls(
            vsn=term[0],
            up=_entries(term[1], "up section", path),
            down=_entries(term[2], "down section", path),
            path=path,
        )

    def script(self, direction: str, base_vsn: str) -> Term | None:
        """The instructions for `base_vsn` in the "up" or "down" section, if any."""
        entries = self.up if direction == "up" else self.down
        return find_appup_entry([(e.key, e.instructions) for e in entries], base_vsn)


def _entries(term: Term, what: str, path: str | None) -> tuple[AppupEntry, ...]:
    if isinstance(term, str):
        term = [ord(c) for c in term]
    if not isinstance(term, list):
        raise SpecError(f"the {what} must be a list, got {show(term)}", path=path, where=what)
    return tuple(
        AppupEntry(item[0], item[1]) for item in term if isinstance(item, tuple) and len(item) == 2
    )
