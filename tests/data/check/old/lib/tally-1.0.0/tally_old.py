"""A helper tally 2.0.0 no longer has (its delete_module is what the fixtures test)."""


def plain(count):
    return str(count)
