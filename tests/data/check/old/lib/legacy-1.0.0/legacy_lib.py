"""legacy's only module: nothing uses it any more."""


def answer():
    return 42
