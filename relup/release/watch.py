"""The development loop: reload a module when its file changes (the shell's ``c(Mod)``).

``relup node start --watch`` runs a :class:`Watcher` in the node. Every ``interval``
seconds it looks at the files of the modules the node runs (the current version of
each); when one changed, it loads the file as the new current version:

* gen_servers pick the new version up at their next message (their callbacks go
  through the module's handle); a raw loop moves at its next fully qualified call;
* the version it replaces becomes old and is dropped at once if no process runs it;
* if a process still runs the *old* version already there (from an earlier reload),
  loading would have to kill it (a third version): the reload is **skipped**, never
  a kill, and the message names the processes; it is tried again at the next change;
* a file that fails to load (a syntax error, an exception at import) changes
  nothing; the error is reported.

Each reload is reported (``report``, the node's log by default) with the module and
what happened. Reloaded modules are marked as loaded by hand (``on_load``), so an
install over them is refused unless forced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from relup.runtime._errors import LoadError

if TYPE_CHECKING:
    from relup.runtime.node import Node

log = logging.getLogger("relup.watch")


class Watcher:
    """Polls the current versions' files and reloads the changed ones."""

    def __init__(
        self,
        node: Node,
        *,
        interval: float = 0.5,
        report: Callable[[str], None] = log.info,
        on_load: Callable[[str, str], None] = lambda _m, _p: None,
    ) -> None:
        self.node = node
        self.interval = interval
        self.report = report
        self.on_load = on_load
        self._seen: dict[str, tuple[str, float, int]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.scan()  # remember what is there now: only later changes reload
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.poll()
            except Exception:
                log.exception("watch: a poll failed")

    def _stamp(self, path: str) -> tuple[float, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_mtime, st.st_size

    def scan(self) -> list[str]:
        """Modules whose current version's file changed since the last scan."""
        code = self.node.code
        changed = []
        for name in code.loaded():
            path = code.current(name).path
            stamp = self._stamp(path)
            if stamp is None:
                continue
            before = self._seen.get(name)
            self._seen[name] = (path, *stamp)
            if before is not None and before[0] == path and before[1:] != stamp:
                changed.append(name)
        return changed

    def poll(self) -> list[str]:
        """Reload every changed module; returns what was reported."""
        return [self.reload(name) for name in self.scan()]

    def reload(self, name: str) -> str:
        code = self.node.code
        path = code.current(name).path
        lingering = code.old_processes(name)
        if lingering:
            pids = ", ".join(repr(p) for p in lingering)
            return self._say(
                f"{name}: not reloaded: {pids} still run its old version "
                "(loading a third would kill them)"
            )
        code.discard_old(name)
        try:
            version = code.load(name, path)
        except LoadError as e:
            return self._say(f"{name}: not reloaded: {e.__cause__!r}")
        self.on_load(name, path)
        still = code.old_processes(name)
        if still:
            tail = f"; {len(still)} process(es) still on the previous version"
        else:
            code.discard_old(name)
            tail = ""
        return self._say(f"{name}: reloaded (vsn {version.vsn!r}){tail}")

    def _say(self, message: str) -> str:
        self.report(f"watch: {message}")
        return message
