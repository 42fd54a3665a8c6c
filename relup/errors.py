"""relup's exceptions.

Every error relup raises on purpose derives from :class:`RelupError`, so a caller
(and the CLI) can tell a refusal about the user's input from a bug::

    RelupError
    ├── TermSyntaxError        bad Erlang term text (path, line, col)      relup.terms
    ├── SpecError              a well-formed term of the wrong shape        relup.spec
    ├── PlanError              the generator refuses: .reason says why      relup.plan
    ├── ReleaseError           a release operation refused (.reason)        relup.release
    │   ├── StateFileError     releases/RELEASES.toml missing or malformed
    │   └── PackageError       a package refused before anything is written
    ├── InstallError           an install step failed and was rolled back   relup.release
    ├── NodeError              the runtime refused (no process, timeout...)  relup.runtime
    ├── ControlError           the control channel (auth, protocol, remote)  relup.control
    │   └── ServiceError       the node as an OS process (start, stop)       relup.service
    └── CheckError             relup check could not read its inputs         relup.check

Errors carry the data they are about as attributes; the message is built once,
from that data, and names the file, the thing and the value at fault.
"""

from __future__ import annotations


class RelupError(Exception):
    """Base class of every error relup raises deliberately."""


class TermSyntaxError(RelupError):
    """Erlang term text that does not parse; points at the offending character.

    ``line`` and ``col`` are 1-based; ``col`` counts characters, not bytes.
    ``stage`` is ``"scan"`` for a bad token (OTP's scanner refuses it: systools then
    reports a *read* error) and ``"parse"`` for tokens in a bad order.
    """

    def __init__(
        self, message: str, *, path: str | None, line: int, col: int, stage: str = "parse"
    ) -> None:
        where = f"{path}:{line}:{col}" if path else f"line {line}, column {col}"
        super().__init__(f"{where}: {message}")
        self.message = message
        self.stage = stage
        self.path = path
        self.line = line
        self.col = col


class SpecError(RelupError):
    """A term that parses but is not a valid .rel, .app, .appup or relup.

    ``path`` names the file and ``where`` the offending part (for example
    ``"modules"`` or ``"up entry 2"``).
    """

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None) -> None:
        prefix = f"{path}: " if path else ""
        part = f"{where}: " if where else ""
        super().__init__(f"{prefix}{part}{message}")
        self.message = message
        self.path = path
        self.where = where
