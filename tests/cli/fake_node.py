"""A stand-in for a running node, for the operator commands' fast tests.

:class:`FakeNode` answers the release handler's control ops (``relup.release.ops``)
with canned answers shaped like the real ones, through a real
:class:`relup.control.Client` over a :class:`relup.control.MockTransport`, so every
request and answer goes through the protocol's encoder and decoder. The ``fake_node``
fixture puts it in place of the socket (:data:`relup.cli.remote.connect`).
The real node is exercised by ``tests/e2e/``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relup.cli import app, remote
from relup.control import Client, MockTransport, Request, Response


@dataclass(frozen=True)
class Refusal:
    """What an op answers to refuse: the node's error kind and message."""

    kind: str
    message: str


RELEASES: dict[str, Any] = {
    "releases": [
        {
            "name": "kvstore",
            "vsn": "2.0.0",
            "status": "unpacked",
            "python": "3.11",
            "applications": ["kv-2.0.0"],
        },
        {
            "name": "kvstore",
            "vsn": "1.0.0",
            "status": "permanent",
            "python": "3.11",
            "applications": ["kv-1.0.0"],
        },
    ],
    "running": "1.0.0",
    "installing": None,
    "hand_loaded": {},
}

PHASES: list[dict[str, Any]] = [
    {"phase": "load_object_code", "at": 0.0092, "detail": {"modules": ["kv_conn", "kv_store"]}},
    {"phase": "point_of_no_return", "at": 0.0093, "detail": {}},
    {"phase": "suspend", "at": 0.0094, "detail": {"processes": 5}},
    {"phase": "load", "at": 0.0095, "detail": {"module": "kv_store"}},
    {"phase": "load", "at": 0.0096, "detail": {"module": "kv_conn"}},
    {"phase": "code_change", "at": 0.0097, "detail": {"processes": 5}},
    {"phase": "resume", "at": 0.0098, "detail": {"processes": 5}},
    {"phase": "purge", "at": 0.0099, "detail": {"killed": 0, "unpurged": []}},
]

INSTALLED: dict[str, Any] = {
    "vsn": "2.0.0",
    "previous": "1.0.0",
    "direction": "up",
    "duration": 0.0035,
    "suspended": 5,
    "upgraded": 5,
    "longest_suspension": 0.00042,
    "killed": [],
    "unpurged": {},
    "config_changed": [],
    "phases": PHASES,
    "permanent": False,
}

PLAN: dict[str, Any] = {
    "vsn": "2.0.0",
    "previous": "1.0.0",
    "direction": "up",
    "instructions": [
        '{load_object_code,{kv,"2.0.0",[kv_conn,kv_store]}}',
        "point_of_no_return",
        "{suspend,[kv_conn,kv_store]}",
    ],
    "modules": ["kv_conn", "kv_store"],
    "suspend": [
        {"pid": "<0.3.0>", "name": "kv_store", "module": "kv_store"},
        {"pid": "<0.6.0>", "name": None, "module": "kv_conn"},
    ],
    "estimated_pause": 0.002004,
    "would_kill": [{"pid": "<0.9.0>", "name": "ticker", "why": "raw loop in kv_tick"}],
}

PS: dict[str, Any] = {
    "processes": [
        {
            "pid": "<0.2.0>",
            "name": "kv_sup",
            "module": "kv_sup",
            "versions": [],
            "status": "waiting",
            "queue": 0,
            "hand_loaded": False,
        },
        {
            "pid": "<0.3.0>",
            "name": "kv_store",
            "module": "kv_store",
            "versions": [
                {"module": "kv_store", "vsn": "2.0.0", "which": "current"},
                {"module": "kv_store", "vsn": "1.0.0", "which": "old"},
            ],
            "status": "running",
            "queue": 7,
            "hand_loaded": True,
        },
        {
            "pid": "<0.5.0>",
            "name": "kv_listener",
            "module": "kv_listener",
            "versions": [
                {
                    "module": "kv_listener",
                    "vsn": "md5:4425178b1195619017055cb84d2bb236",
                    "which": "current",
                }
            ],
            "status": "waiting",
            "queue": 0,
            "hand_loaded": False,
        },
    ]
}


def default_answers() -> dict[str, Any]:
    """Answers of a node running kvstore 1.0.0 with 2.0.0 unpacked."""
    return {
        "releases": RELEASES,
        "unpack": {"vsn": "2.0.0"},
        "check": {"direction": "up", "other": "1.0.0"},
        "install": lambda args: PLAN if args.get("dry_run") else INSTALLED,
        "install_progress": {"vsn": None, "phases": []},
        "permanent": {},
        "remove": {},
        "ps": PS,
        "call": {"reply": "{ok,42}"},
        "cast": {},
        "load": {
            "module": "kv_store",
            "vsn": "md5:0123456789abcdef0123456789abcdef",
            "path": "/tmp/kv_store.py",
            "killed": ["<0.7.0>"],
        },
        "purge": {"killed": ["<0.8.0>", "<0.9.0>"]},
    }


class FakeNode:
    """Answers each op from ``answers`` (a value, or a function of the args); records requests.

    An answer that is a :class:`Refusal` (or a function returning one) is sent as the
    node's error; an op without an answer is refused as ``unknown-op``, as a node
    without a release handler does.
    """

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        if request.op not in self.answers:
            return Response.failure("unknown-op", f"unknown operation {request.op!r}")
        answer = self.answers[request.op]
        value = answer(request.args) if callable(answer) else answer
        if isinstance(value, Refusal):
            return Response.failure(value.kind, value.message)
        return Response.success(value)

    def ops(self) -> list[str]:
        """The ops requested so far, in order."""
        with self._lock:
            return [r.op for r in self.requests]

    def args(self, op: str) -> dict[str, Any]:
        """The arguments of the last request of ``op``."""
        with self._lock:
            return next(r.args for r in reversed(self.requests) if r.op == op)

    def client(self, root: Path, timeout: float) -> Client:
        return Client(MockTransport(self.handle), timeout=timeout)


@pytest.fixture
def fake_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeNode]:
    """A fake node answering at every root; RELUP_ROOT points at a scratch directory."""
    node = FakeNode(default_answers())
    connect: Callable[[Path, float], Client] = node.client
    monkeypatch.setattr(remote, "connect", connect)
    monkeypatch.setenv("RELUP_ROOT", str(tmp_path))
    yield node


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``relup ARGS...`` in-process: exit status, stdout, stderr."""
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """``text`` with rich's box characters dropped and all whitespace runs made one space."""
    return " ".join(text.replace("│", " ").replace("─", " ").split())
