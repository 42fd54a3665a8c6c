"""New in tally 2.0.0: logs what the counter does."""

import logging

log = logging.getLogger("tally")


def note(event, count):
    log.info("%s -> %d", event, count)
