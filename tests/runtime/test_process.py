"""Processes: mailboxes, selective receive, links, monitors, exits, names, robustness."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from relup.runtime import Exit, NameTaken, Node, NoProc, ReceiveTimeout, process, timers
from relup.testing import run, run_until_idle


async def forever() -> None:
    await process.receive(lambda m: False)


class TestReceive:
    def test_selective_receive_leaves_others_queued_in_order(self) -> None:
        async def main(node: Node) -> None:
            me = process.self()
            for m in ["a", ("b", 1), "c", ("b", 2), "d"]:
                process.send(me, m)
            assert ("b", 1) == await process.receive(lambda m: isinstance(m, tuple))
            assert ("b", 2) == await process.receive(lambda m: isinstance(m, tuple))
            assert ["a", "c", "d"] == [await process.receive() for _ in range(3)]

        run(main)

    def test_match_arriving_later_wakes_the_receiver(self) -> None:
        async def main(node: Node) -> None:
            me = process.self()

            async def sender() -> None:
                process.send(me, "noise")
                process.send(me, "wanted")

            process.spawn(sender)
            assert "wanted" == await process.receive(lambda m: m == "wanted", timeout=1)
            assert "noise" == await process.receive(timeout=1)

        run(main)

    def test_timeout_keeps_unmatched_messages(self) -> None:
        async def main(node: Node) -> None:
            process.send(process.self(), "x")
            with pytest.raises(ReceiveTimeout):
                await process.receive(lambda m: m == "y", timeout=0.01)
            assert "x" == await process.receive(timeout=0)

        run(main)

    def test_send_after_and_cancel(self) -> None:
        async def main(node: Node) -> None:
            me = process.self()
            t1 = timers.send_after(0.01, me, "late")
            t2 = timers.send_after(0.01, me, "cancelled")
            assert timers.cancel_timer(t2)
            assert not timers.cancel_timer(t2)
            assert "late" == await process.receive(timeout=1)
            assert not timers.cancel_timer(t1)
            with pytest.raises(ReceiveTimeout):
                await process.receive(timeout=0.03)

        run(main)


class TestLinksAndExits:
    def test_crash_propagates_over_links_and_monitors_see_reason(self) -> None:
        async def main(node: Node) -> None:
            async def crasher() -> None:
                await process.receive()
                raise ValueError("boom")

            a = process.spawn(forever)
            b = process.spawn(crasher)
            node.link(a, b)
            ra, rb = process.monitor(a), process.monitor(b)
            process.send(b, "go")
            d1 = await process.receive(lambda m: m[1] is rb, timeout=1)
            d2 = await process.receive(lambda m: m[1] is ra, timeout=1)
            assert isinstance(d1[4], ValueError)
            assert d1[4] is d2[4]  # the linked process died with the same reason

        run(main)

    def test_trap_exit_turns_signals_into_messages(self) -> None:
        async def main(node: Node) -> None:
            process.trap_exit(True)
            child = process.spawn_link(forever)
            process.send_exit(child, "bye")
            assert ("EXIT", child, "bye") == await process.receive(timeout=1)
            other = process.spawn_link(forever)
            process.send_exit(other, "kill")  # untrappable for the target
            assert ("EXIT", other, "killed") == await process.receive(timeout=1)

        run(main)

    def test_normal_exit_does_not_kill_links(self) -> None:
        async def main(node: Node) -> None:
            async def quick() -> str:
                return "done"

            watcher = process.spawn(forever)
            quitter = process.spawn(quick)
            node.link(watcher, quitter)
            await run_until_idle(node)
            assert process.is_alive(watcher)
            assert not process.is_alive(quitter)

        run(main)

    def test_link_chain_of_many_processes(self) -> None:
        """Exit propagation uses a work list: a long chain does not hit the recursion limit."""

        async def main(node: Node) -> None:
            pids = [process.spawn(forever) for _ in range(3000)]
            for a, b in itertools.pairwise(pids):
                node.link(a, b)
            ref = process.monitor(pids[-1])
            process.send_exit(pids[0], "crash")
            assert ("DOWN", ref, "process", pids[-1], "crash") == await process.receive(timeout=2)
            assert not any(process.is_alive(p) for p in pids)

        run(main)

    def test_monitor_dead_process_and_demonitor_flush(self) -> None:
        async def main(node: Node) -> None:
            p = process.spawn(forever)
            ref = process.monitor(p)
            process.send_exit(p, "kill")
            process.demonitor(ref, flush=True)
            ref2 = process.monitor(p)
            assert ("DOWN", ref2, "process", p, "noproc") == await process.receive(timeout=1)
            with pytest.raises(NoProc):
                process.link(p)

        run(main)

    def test_exit_ends_the_caller(self) -> None:
        async def main(node: Node) -> None:
            async def quitter() -> None:
                process.exit("enough")

            ref = process.monitor(process.spawn(quitter))
            assert "enough" == (await process.receive(timeout=1))[4]
            assert ref is not None

        run(main)


class TestNoProcessTakesTheNodeDown:
    @pytest.mark.parametrize(
        "exc",
        [
            SystemExit(3),
            KeyboardInterrupt(),
            asyncio.CancelledError(),
            GeneratorExit(),
            ValueError(),
        ],
    )
    def test_base_exceptions_end_only_their_process(self, exc: BaseException) -> None:
        async def main(node: Node) -> None:
            async def bad() -> None:
                await process.receive()
                raise exc

            p = process.spawn(bad)
            bystander = process.spawn(forever)
            ref = process.monitor(p)
            process.send(p, "go")
            assert exc is (await process.receive(timeout=1))[4]
            assert ref is not None
            assert process.is_alive(bystander)

        run(main)

    def test_swallowed_cancellation_still_ends_the_process(self) -> None:
        """A kill is final: a task that swallows its CancelledError is no longer a process."""
        seen: list[Any] = []

        async def main(node: Node) -> None:
            async def stubborn() -> None:
                try:
                    await process.receive()
                except asyncio.CancelledError:
                    seen.append("swallowed")
                try:
                    await process.receive()
                except Exit as e:
                    seen.append(("exit", e.reason))

            p = process.spawn(stubborn)
            await run_until_idle(node)
            ref = process.monitor(p)
            process.send_exit(p, "kill")
            assert ("DOWN", ref, "process", p, "killed") == await process.receive(timeout=1)
            await asyncio.sleep(0.01)
            assert ["swallowed", ("exit", "killed")] == seen
            assert p not in node.processes()

        run(main)


class TestNames:
    def test_register_send_whereis_unregister_on_death(self) -> None:
        async def main(node: Node) -> None:
            p = process.spawn(forever)
            process.register("srv", p)
            assert p is process.whereis("srv")
            with pytest.raises(NameTaken):
                process.register("srv", process.self())
            with pytest.raises(NameTaken):
                process.register("other", p)
            process.send("srv", "hello")
            info = process.info(p)
            assert info is not None and "srv" == info.registered_name
            assert 1 == info.message_queue_len
            process.send_exit(p, "kill")
            assert None is process.whereis("srv")
            with pytest.raises(NoProc):
                process.send("srv", "x")
            assert None is process.info(p)

        run(main)

    def test_status_reports_waiting_running_and_suspended(self) -> None:
        async def main(node: Node) -> None:
            p = process.spawn(forever)
            await run_until_idle(node)
            info = process.info(p)
            assert info is not None and "waiting" == info.status
            node.process(p).suspended = True
            assert "suspended" == node.process(p).status
            assert "running" == (process.info(process.self()) or pytest.fail()).status

        run(main)


def test_trampoline_does_not_grow_the_stack() -> None:
    """100,000 ``then`` steps run one after another, not nested."""

    async def main(node: Node) -> None:
        async def loop(n: int) -> Any:
            if n == 0:
                return "bottom"
            return process.then(loop, n - 1)

        assert "bottom" == await node.run(loop, 100_000)

    run(main)
