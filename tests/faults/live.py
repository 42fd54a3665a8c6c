"""Helpers for the fault tests: kv release trees, packages, and a real node driven over its socket.

The releases are ``tests/release/kvapp.py``'s ``kvrel`` (a supervisor of N ``kv_srv``
gen_servers, versions 1, 2, 3). :class:`Kv` builds the tree once per test, packs
versions on demand and can rewrite an appup (and regenerate the relup) first, e.g.
to make one ``code_change`` raise. :class:`Live` starts and stops the root's node
(``relup.service.start``: a real ``python -m relup.service`` process that inherits
this process's environment, which is how the crash points of
``relup.release.faults`` reach it) and reads the servers' states with the ``call``
op. Every request carries a timeout, so no test can hang.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from relup import service
from relup.control import Client, ControlError
from relup.plan import Base, make_relup
from relup.plan.python_tree import PythonTree
from relup.release.package import pack
from relup.release.root import ReleaseRoot, init_root, verify_release
from relup.service import Layout
from tests.release.kvapp import write_module, write_tree

#: Seconds any one request to a node may take.
TIMEOUT = 10.0
_PID_ID = re.compile(r"<\d+\.(\d+)\.\d+>")
_SERVER_ID = re.compile(r"id => (\d+)")


def appup(vsn: str, up: Mapping[str, str], down: Mapping[str, str] | None = None) -> str:
    """An appup for kv ``vsn``: ``{update, kv_srv, {advanced, EXTRA}}`` from/to each key.

    ``up`` maps each version upgraded from to the Extra term text; ``down`` (default:
    every key of ``up`` with ``[]``) each version downgraded to.
    """
    down = dict.fromkeys(up, "[]") if down is None else down

    def entries(table: Mapping[str, str]) -> str:
        return ", ".join(
            f'{{"{v}", [{{update, kv_srv, {{advanced, {extra}}}}}]}}' for v, extra in table.items()
        )

    return f'{{"{vsn}", [{entries(up)}], [{entries(down)}]}}.\n'


@dataclass
class Kv:
    """The kvrel release tree at ``tree`` and its packages, written to ``out``."""

    tree: Path
    out: Path
    _packed: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def build(cls, base: Path, versions: tuple[str, ...] = ("1", "2"), **kw: Any) -> Kv:
        """Write releases ``versions`` (``write_tree``'s options in ``kw``)."""
        return cls(write_tree(base / "tree", versions, **kw), base / "packages")

    def set_appup(self, vsn: str, text: str, *, bases: tuple[str, ...]) -> None:
        """Replace kv ``vsn``'s appup and regenerate release ``vsn``'s relup from/to ``bases``."""
        (self.tree / "lib" / f"kv-{vsn}" / "kv.appup").write_text(text, encoding="utf-8")
        refs = [Base(str(self.tree / "releases" / b)) for b in bases]
        release_dir = self.tree / "releases" / vsn
        plan = make_relup(PythonTree(), str(release_dir), refs, refs)
        (release_dir / "relup").write_text(plan.relup.to_text(), encoding="utf-8")

    def set_module(self, vsn: str, module: str, source: str) -> None:
        """Replace (or add) a module of kv ``vsn`` before it is packed."""
        write_module(self.tree, vsn, module, source)

    def package(self, vsn: str) -> Path:
        """``kvrel-<vsn>.tar.gz`` (packed once)."""
        if vsn not in self._packed:
            self._packed[vsn] = pack(self.tree, vsn, self.out)
        return self._packed[vsn]

    def init(self, root: Path, vsn: str = "1") -> ReleaseRoot:
        """Create the release root ``root`` with release ``vsn`` permanent."""
        return init_root(root, self.package(vsn))


class Live:
    """The node of one release root, started and driven as an operator would."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.layout = Layout.of(root)
        self._monkeypatch = monkeypatch

    def start(self, *, tcp: bool = False, **env: str) -> dict[str, Any]:
        """Start the node (with ``env`` added to its environment only); its status.

        With ``tcp`` it also listens on a free port of 127.0.0.1.
        """
        for name, value in env.items():
            self._monkeypatch.setenv(name, value)
        try:
            return service.start(self.root, wait=TIMEOUT, tcp_port=0 if tcp else None)
        finally:
            for name in env:
                self._monkeypatch.delenv(name)

    def stop(self) -> None:
        service.stop(self.root, timeout=TIMEOUT)

    @contextmanager
    def client(self) -> Iterator[Client]:
        with Client.for_root(self.root, timeout=TIMEOUT) as client:
            yield client

    def request(self, op: str, args: Mapping[str, Any] | None = None) -> Any:
        """One request on a connection of its own."""
        with self.client() as client:
            return client.request(op, args)

    def wait_dead(self, timeout: float = TIMEOUT) -> None:
        """Wait until no process holds the root's lock (the node was killed)."""
        deadline = time.monotonic() + timeout
        while self.layout.node_running():
            if time.monotonic() > deadline:
                pytest.fail(f"the node at {self.root} is still running after {timeout} s")
            time.sleep(0.01)

    # -------------------------------------------------------------- what it runs
    def releases(self) -> tuple[dict[str, str], str | None]:
        """({version: status}, running version) as the node's ``releases`` op says."""
        listing = self.request("releases")
        return {r["vsn"]: r["status"] for r in listing["releases"]}, listing["running"]

    def servers(self, client: Client | None = None) -> list[str]:
        """The pids of the kv_srv processes, in spawn order."""
        if client is None:
            with self.client() as c:
                return self.servers(c)
        ps = client.request("ps")["processes"]
        pids = [p["pid"] for p in ps if p["module"] == "kv_srv"]
        return sorted(pids, key=lambda p: int(_PID_ID.fullmatch(p).group(1)))  # type: ignore[union-attr]

    def replies(self, pids: list[str] | None = None) -> dict[str, str]:
        """Each server's answer to ``get`` (``{Vsn, State}`` as term text), by pid."""
        with self.client() as client:
            pids = self.servers(client) if pids is None else pids
            return {
                pid: client.request("call", {"dest": pid, "request": "get", "timeout": 5})["reply"]
                for pid in pids
            }

    def verify(self) -> None:
        """Check every release the state file lists against its SHA256SUMS."""
        root = ReleaseRoot(self.root)
        for entry in root.releases():
            verify_release(root, entry.vsn)


def vsn_of(reply: str) -> str:
    """The code version in a ``get`` reply: ``{'2',#{...}}`` → ``2``."""
    match = re.match(r"\{'([^']*)',", reply)
    assert match is not None, reply
    return match.group(1)


def server_id(reply: str) -> int:
    """The server's ``id`` in a ``get`` reply."""
    match = _SERVER_ID.search(reply)
    assert match is not None, reply
    return int(match.group(1))


def expect_dead(live: Live, op: str, args: Mapping[str, Any]) -> None:
    """Send ``op``; the node must die without answering (a crash point fired)."""
    with pytest.raises(ControlError) as info:
        live.request(op, args)
    assert info.value.reason.kind in ("connection-closed", "connection-lost"), info.value
    live.wait_dead()
