"""``python -m relup.service --root ROOT``: run a node in this process until it is stopped.

``relup node start`` runs this detached; run it directly to keep a node in the
foreground (logging to stdout as well as to ``<root>/log/node.log``). Exit status:
0 after a graceful stop, 1 if the node could not start or failed, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys

from relup.control.errors import ControlError
from relup.control.server import DEFAULT_READ_TIMEOUT
from relup.runtime.gc_policy import tune_gc
from relup.service.daemon import DEFAULT_BOOT, NodeService


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m relup.service",
        description="Run a relup node for a release root until SIGTERM, SIGINT "
        "or `relup node stop`.",
    )
    p.add_argument(
        "--root",
        default=os.environ.get("RELUP_ROOT"),
        help="the release root (default: $RELUP_ROOT)",
    )
    p.add_argument("--name", help="the node's name (default: the root directory's name)")
    p.add_argument(
        "--tcp",
        type=int,
        metavar="PORT",
        help="also listen on loopback TCP PORT (0: any free port)",
    )
    p.add_argument(
        "--tcp-host",
        default="127.0.0.1",
        help="loopback address of the TCP listener: 127.0.0.1 (default) or ::1",
    )
    p.add_argument(
        "--boot",
        default=DEFAULT_BOOT,
        metavar="MODULE:CALLABLE",
        help=f"the boot hook, called as boot(node, root) (default: {DEFAULT_BOOT})",
    )
    p.add_argument(
        "--read-timeout",
        type=float,
        default=DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help="close a control connection whose next frame takes longer than this",
    )
    p.add_argument(
        "--detached",
        action="store_true",
        help="log to the log file only (stdout and stderr already go there)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.root:
        parser().error("no release root: pass --root ROOT or set RELUP_ROOT")
    tune_gc()  # this process is a node: relup.runtime.gc_policy
    try:
        service = NodeService(
            args.root,
            name=args.name,
            tcp_port=args.tcp,
            tcp_host=args.tcp_host,
            boot=args.boot,
            detached=args.detached,
            read_timeout=args.read_timeout,
        )
        return service.run()
    except ControlError as e:
        print(f"error: {e}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
