"""What the operator commands share: the release root, the client, JSON output, refusals.

The operator commands (``relup unpack``, ``install``, ``downgrade``, ``permanent``,
``remove``, ``releases``, ``ps``, ``call``, ``cast``, ``load``, ``purge``) each send
one or two requests to the node of a release root over its control socket
(``docs/control-channel.md``) and show the answer; the node's release handler does
the work (``relup.release.ops``). This module holds the parts they have in common:

* the ``--root``, ``--json`` and ``--timeout`` options;
* :data:`connect`, how a command reaches the node (tests put a client over a
  :class:`relup.control.MockTransport` in its place);
* :func:`talking`, :func:`relup.cli.diagnostics.reporting` plus two things: a
  refusal by the node reads as the node's own message with its hint on a line of
  its own, and with ``--json`` the error is also printed as JSON on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from relup.cli.diagnostics import reporting
from relup.control import client as control_client
from relup.control.client import Client
from relup.control.errors import ControlError, ProtocolError, RemoteError
from relup.errors import RelupError

#: Seconds a command waits for the node's answer unless ``--timeout`` says otherwise.
DEFAULT_TIMEOUT: Final = control_client.DEFAULT_TIMEOUT

RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        envvar="RELUP_ROOT",
        help="The release root whose node to talk to (or set RELUP_ROOT); "
        "its node must be running (relup node start).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help='Print the node\'s answer as one JSON object, for scripts (an error: {"error": '
        '{"kind", "message", "hint"}}, with the same exit status).',
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option("--timeout", min=0.1, help="Seconds to wait for the node's answer."),
]

#: Kinds of refusal whose hint only the CLI can give (the node's refusals carry their
#: own, after "\nhint: " in the message): a node without a release handler does not
#: know the operation at all.
HINTS: Final[Mapping[str, str]] = {
    "unknown-op": "this node runs without a release handler (was the root created with "
    "relup init before the node started?): restart it with relup node stop, then "
    "relup node start",
}


def _for_root(root: Path, timeout: float) -> Client:
    return Client.for_root(root, timeout=timeout)


#: ``connect(root, timeout)``: a client of the node of ``root`` (a seam for tests).
connect: Callable[[Path, float], Client] = _for_root


class Refused(ControlError):
    """The command or the node refused the request; ``reason`` has its kind and hint."""


def refusal(error: RemoteError) -> Refused:
    """The node's refusal as the operator reads it: its message, then its hint apart."""
    message, _, hint = error.remote_message.partition("\nhint: ")
    return Refused(message, kind=error.remote_kind, hint=hint or HINTS.get(error.remote_kind))


def error_json(error: RelupError) -> dict[str, Any]:
    """``{"kind", "message", "hint"}`` of an error, as ``--json`` prints it."""
    reason = getattr(error, "reason", None)
    kind = getattr(reason, "kind", None)
    return {
        "kind": kind if isinstance(kind, str) else type(error).__name__,
        "message": getattr(error, "message", str(error)),
        "hint": getattr(reason, "hint", None),
    }


def need_root(root: Path | None) -> Path:
    """``--root`` or RELUP_ROOT, else a usage error (exit 2)."""
    if root is None:
        raise typer.BadParameter(
            "no release root: pass --root DIR or set RELUP_ROOT", param_hint="'--root'"
        )
    return root


def print_json(value: Any) -> None:
    """One JSON document on stdout."""
    typer.echo(json.dumps(value, indent=2, sort_keys=True))


@contextmanager
def talking(*, as_json: bool = False) -> Iterator[None]:
    """Errors inside become diagnostics and exit statuses (and JSON, with ``--json``)."""
    with reporting():
        try:
            yield
        except RemoteError as e:
            error = refusal(e)
            if as_json:
                print_json({"error": error_json(error)})
            raise error from None
        except RelupError as e:
            if as_json:
                print_json({"error": error_json(e)})
            raise


def ask(
    root: Path, op: str, args: Mapping[str, Any] | None = None, *, timeout: float
) -> dict[str, Any]:
    """Send one request to the node of ``root``; its answer, which must be a JSON object."""
    with connect(root, timeout) as client:
        return answer_object(op, client.request(op, args))


def answer_object(op: str, answer: Any) -> dict[str, Any]:
    """``answer`` if it is a JSON object, else a ProtocolError naming the op."""
    if not isinstance(answer, dict):
        raise ProtocolError(f"the node answered {op} with a {type(answer).__name__}, not an object")
    return answer


#: A release version argument, as ``relup releases`` lists them.
ReleaseArgument = Annotated[
    str,
    typer.Argument(
        metavar="VSN",
        help="The release version, as relup releases shows it.",
        show_default=False,
    ),
]
