"""Erlang term text: read and write what OTP's consultable files hold.

``parse_first_term`` / ``read_first_term`` read the way systools reads .rel, .app and
.appup files (the first term only); ``parse_terms`` / ``read_terms`` read every term,
like ``file:consult``. ``format_file`` writes a file that ``file:consult`` reads back.
Compare terms with :func:`equal`, not ``==``: in Erlang ``"hi"`` *is* ``[104, 105]``.
The parse functions read pids (``<0.42.0>``, :class:`ErlPid`) only when asked to
(``pids=True``): they are not Erlang term text.

Pure: only the standard library (and :mod:`relup.errors`).
"""

from relup.errors import TermSyntaxError

from ._model import (
    Atom,
    ErlMap,
    ErlPid,
    ExternalFun,
    ImproperList,
    Term,
    as_string,
    canonical,
    equal,
    is_list,
)
from ._reader import (
    MAX_DEPTH,
    parse_first_term,
    parse_term,
    parse_terms,
    read_first_term,
    read_terms,
    scan_to_first_dot,
)
from ._writer import format_file, format_pretty, format_term

__all__ = [
    "MAX_DEPTH",
    "Atom",
    "ErlMap",
    "ErlPid",
    "ExternalFun",
    "ImproperList",
    "Term",
    "TermSyntaxError",
    "as_string",
    "canonical",
    "equal",
    "format_file",
    "format_pretty",
    "format_term",
    "is_list",
    "parse_first_term",
    "parse_term",
    "parse_terms",
    "read_first_term",
    "read_terms",
    "scan_to_first_dot",
]
