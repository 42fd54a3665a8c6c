"""`python -m relup` runs the command-line interface."""

from relup.cli import main

main()
