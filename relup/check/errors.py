"""The one error of relup.check: an input that cannot be checked at all.

A release that reads but is wrong is not an error here: it is a finding
(:mod:`relup.check.findings`), so that ``relup check`` can still report every
check. :class:`CheckError` is for what stops a command before any check: a path
that names no release, an appup it must not overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass

from relup.errors import RelupError


@dataclass(frozen=True)
class CheckProblem:
    """What went wrong and, where the fix is clear, how to fix it (for the CLI's ``hint:``)."""

    message: str
    hint: str | None = None

    def describe(self) -> str:
        return self.message


class CheckError(RelupError):
    """An input relup check or relup appup cannot work with; ``reason`` carries the hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.reason = CheckProblem(message, hint)
