"""Exit statuses of the ``relup`` command, in one place.

=====  ==================  ===================================================
code   name                when
=====  ==================  ===================================================
0      OK                  the command did what it was asked
1      FAILED              a RelupError: bad input, refused plan, bad status,
                           a check that failed, an install rolled back; for the
                           commands that talk to a node: refused (bad cookie,
                           permission denied, already running) or its op failed
2      USAGE               bad command-line usage (typer's own status)
3      NODE_NOT_RUNNING    no node runs at the release root (commands that talk to one)
4      NO_ANSWER           a node runs but did not answer in time
70     INTERNAL            a bug in relup: the traceback is shown; please report it
=====  ==================  ===================================================
"""

OK = 0
FAILED = 1  # a RelupError: bad input, refused plan, bad status
USAGE = 2  # bad command-line usage (typer's own status)
NODE_NOT_RUNNING = 3  # no node answers at the release root
NO_ANSWER = 4  # the node did not answer within the timeout
INTERNAL = 70  # a bug in relup: the traceback is shown; please report it
