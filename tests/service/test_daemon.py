"""The node service in this process (on a thread): boot hooks, extra ops, argv, reexec guard."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from relup.control import Client, Handler, RemoteError
from relup.release.ops import boot as release_boot
from relup.runtime import Node
from relup.service import NodeService, ServiceError, default_boot, reexec
from relup.service.__main__ import parser
from relup.service.daemon import DEFAULT_BOOT, boot_spec, load_boot
from tests.service import hooks
from tests.service.nodes import wait_for


class TestBootHooks:
    def test_load_by_name(self) -> None:
        """module:attribute names a callable, nested attributes included."""
        assert release_boot is load_boot(DEFAULT_BOOT)
        assert hooks.App.start is load_boot("tests.service.hooks:App.start")

    @pytest.mark.parametrize(
        "spec",
        ["no_colon", "relup.nowhere:boot", "relup.service.daemon:nothing", "relup.service:__doc__"],
    )
    def test_bad_names_are_service_errors(self, spec: str) -> None:
        """A boot hook that cannot be loaded is a clear bad-boot error."""
        with pytest.raises(ServiceError) as info:
            load_boot(spec)
        assert "bad-boot" == info.value.reason.kind

    def test_only_module_level_callables_have_a_name(self) -> None:
        """A re-exec re-imports the hook by name, which only module-level callables have."""

        def local(node: Node, root: Path) -> None:
            pass

        assert DEFAULT_BOOT == boot_spec(release_boot)
        assert "relup.service.daemon:default_boot" == boot_spec(default_boot)
        assert "tests.service.hooks:with_apps" == boot_spec(hooks.with_apps)
        assert boot_spec(local) is None
        assert boot_spec(lambda node, root: None) is None

    def test_default_boot_says_why_nothing_runs(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The default hook logs whether the root has releases at all."""
        caplog.set_level(logging.INFO, logger="relup.service")
        default_boot(None, tmp_path)  # type: ignore[arg-type]  # it never touches the node
        (tmp_path / "releases").mkdir()
        default_boot(None, tmp_path)  # type: ignore[arg-type]
        messages = [r.getMessage() for r in caplog.records]
        assert f"no releases in {tmp_path} (no releases/ directory)" in messages[0]
        assert "started without a release handler" in messages[1]


def test_argv_starts_the_same_node(tmp_path: Path) -> None:
    """The arguments a re-exec uses parse back to the same configuration."""
    svc = NodeService(
        tmp_path, name="n1", tcp_port=0, boot=hooks.with_apps, detached=True, read_timeout=2.5
    )
    args = parser().parse_args(svc.argv())
    assert (str(tmp_path), "n1", 0, "127.0.0.1", "tests.service.hooks:with_apps", True, 2.5) == (
        args.root,
        args.name,
        args.tcp,
        args.tcp_host,
        args.boot,
        args.detached,
        args.read_timeout,
    )


def test_reexec_outside_a_node_is_refused() -> None:
    """reexec() in a process that runs no node raises instead of exec-ing pytest."""
    with pytest.raises(ServiceError, match="no relup node service runs in this process"):
        reexec()


def test_boot_hook_ops_are_served_and_run_returns_zero(node_root: Path) -> None:
    """Ops returned by the boot hook are served; reexec refuses a hook without a name."""
    booted: list[Node] = []

    async def hello(args: dict[str, Any]) -> str:
        return f"hello {args['who']}"

    async def restart(args: dict[str, Any]) -> None:
        reexec()

    def boot(node: Node, root: Path) -> dict[str, Handler]:
        booted.append(node)
        return {"hello": hello, "restart": restart}

    handlers_before = list(logging.getLogger().handlers)
    svc = NodeService(node_root, boot=boot, detached=True)
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(svc.run()), daemon=True)
    thread.start()
    wait_for(svc.layout.socket.exists, what="the socket")
    with Client.for_root(node_root) as client:
        assert "hello you" == client.request("hello", {"who": "you"})
        assert ["hello", "ping", "restart", "status", "stop"] == client.status()["ops"]
        with pytest.raises(RemoteError, match="no importable name"):
            client.request("restart")  # a local boot hook cannot be re-imported by exec
        assert "pong" == client.request("ping")
        client.stop()
    thread.join(10)
    assert [0] == result
    assert 1 == len(booted)
    assert booted[0].closed
    assert handlers_before == logging.getLogger().handlers  # the log handlers are removed
