"""Exit statuses of the ``relup`` command, in one place."""

OK = 0
FAILED = 1  # a RelupError: bad input, refused plan, bad status
USAGE = 2  # bad command-line usage (typer's own status)
INTERNAL = 70  # a bug in relup: the traceback is shown; please report it
