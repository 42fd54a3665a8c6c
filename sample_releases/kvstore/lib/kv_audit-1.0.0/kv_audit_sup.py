"""kv_audit's top supervisor: just the log."""


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 5, "period": 10}
    log = {
        "id": "kv_audit_log",
        "start": ("kv_audit_log", "start_link", ()),
        "modules": ("kv_audit_log",),
    }
    return (flags, [log])
