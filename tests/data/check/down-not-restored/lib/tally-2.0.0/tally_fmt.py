"""How tally shows a count (2.0.0)."""


def show(count):
    return f"tally = {count}"
