"""greeter's top supervisor: the one greeter process."""


def init(args):
    flags = {"strategy": "one_for_one", "intensity": 5, "period": 10}
    greeter = {"id": "greeter", "start": ("greeter", "start_link", ()), "modules": ("greeter",)}
    return (flags, [greeter])
