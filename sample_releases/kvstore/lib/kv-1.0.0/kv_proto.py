"""The text protocol: one command per line, one reply line per command.

Every reply starts with the protocol version, so a client sees which release served it.
"""

VERSION = "1"


def parse(line):
    """b"SET k some value" -> ("SET", ["k", "some value"]); the last argument may hold spaces."""
    command, *args = line.decode("utf-8", "replace").strip().split(" ", 2)
    return command.upper(), args


def reply(*words):
    return " ".join((VERSION, *words)).encode() + b"\n"
