"""relup's exceptions.

Every error relup raises on purpose derives from :class:`RelupError`, so a caller
(and the CLI) can tell a refusal about the user's input from a bug::

    RelupError
    ├── TermSyntaxError        bad Erlang term text (path, line, col)   relup.terms
    ├── SpecError              a well-formed term of the wrong shape     relup.spec
    └── PlanError              the generator refuses: .reason says why   relup.plan

Errors carry the data they are about as attributes; the message is built once,
from that data, and names the file, the thing and the value at fault.
"""

from __future__ import annotations


class RelupError(Exception):
    """Base class of every error relup raises deliberately."""
