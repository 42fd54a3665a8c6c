"""tally's top supervisor (2.0.0): one tally_srv, now at most 5 restarts in 5 seconds."""

from relup.runtime.supervisor import ChildSpec


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 5, "period": 5}
    counter = ChildSpec("tally_srv", ("tally_srv", "start_link", ()), modules=("tally_srv",))
    return (flags, [counter])
