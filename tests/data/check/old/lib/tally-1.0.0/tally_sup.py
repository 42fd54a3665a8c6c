"""tally's top supervisor (1.0.0): one tally_srv, at most 3 restarts in 5 seconds."""

from relup.runtime.supervisor import ChildSpec


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 3, "period": 5}
    counter = ChildSpec("tally_srv", ("tally_srv", "start_link", ()), modules=("tally_srv",))
    return (flags, [counter])
