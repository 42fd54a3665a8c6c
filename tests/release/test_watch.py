"""The --watch development loop: reload on change, never kill, report what happened."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from relup.release.watch import Watcher
from relup.runtime import Node, gen_server
from relup.testing import run

SRV = """
    from relup.runtime import process

    def init(_):
        return ("ok", 0)

    def handle_call(request, from_, state):
        return ("reply", {reply!r}, state)

    async def loop():
        await process.receive()
        return process.then(loop)
"""


def write(path: Path, reply: str, *, broken: bool = False) -> None:
    text = textwrap.dedent(SRV.format(reply=reply)) + ("def (:\n" if broken else "")
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a distinct mtime


def test_reload_on_change_skip_instead_of_kill_and_report(tmp_path: Path) -> None:
    """Changed file → new current version; a lingering raw loop blocks the next reload."""
    src = tmp_path / "dev.py"
    write(src, "one")
    said: list[str] = []
    loaded: list[str] = []

    async def main(node: Node) -> None:
        node.code.load("dev", src)
        import dev  # type: ignore[import-not-found]

        server = await gen_server.start("dev")
        assert server is not None
        w = Watcher(node, report=said.append, on_load=lambda m, _p: loaded.append(m))
        w.scan()
        assert [] == w.poll()  # nothing changed yet
        looping = node.spawn(dev.loop)  # a raw loop on the first version
        write(src, "two")
        assert ["dev: reloaded (vsn " in m for m in w.poll()] == [True]
        assert "two" == await gen_server.call(server, "x")
        write(src, "three")  # the loop still runs version one, which is old now
        [skipped] = w.poll()
        assert "not reloaded" in skipped and "still run its old version" in skipped
        assert "two" == await gen_server.call(server, "x")
        node.exit(looping, "kill")
        write(src, "four", broken=True)
        [failed] = w.poll()
        assert "not reloaded" in failed and "SyntaxError" in failed
        assert ["dev"] == loaded
        assert all(m.startswith("watch: dev: ") for m in said)

    run(main)
