"""Fixtures for the real-process tests of the node service (see tests/service/nodes.py)."""

from tests.service.nodes import node_root

__all__ = ["node_root"]
