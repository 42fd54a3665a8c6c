"""Formats counts for people (new in counter 2.0.0)."""


def render(count, prefix="count: "):
    return f"{prefix}{count}"
