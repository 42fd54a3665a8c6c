"""How tally shows a count (1.0.0)."""


def show(count):
    return f"tally: {count}"
