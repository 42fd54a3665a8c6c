#!/usr/bin/env python3
"""Write the OTP golden cases of this directory, and let real OTP produce their expectations.

Every case is described compactly below (`CASES`). This script

1. deletes the case directories it generated before (`NNN-*`),
2. writes each case's inputs (case.txt, releases/*.rel, lib/<app>-<vsn>/ebin/*.app and
   *.appup) in the layout of shared/otp-vectors,
3. runs `run_make_relup.escript` inside each case directory, which calls
   `systools:make_relup/4` and writes expected.relup / expected.error /
   expected.warnings,
4. reruns every case in VMs whose atom tables were prepared differently and reports any
   case whose result changes (OTP's order among DepMods-unrelated modules is a hash-table
   artifact; such cases must not be in the corpus),
5. rewrites README.md (the case list comes from the descriptions below).

Only regeneration needs Erlang (`erl`/`escript` on PATH, OTP 25 / sasl 4.2 to reproduce the
recorded files); the tests read the files written here.

    python3 tests/data/otp_cases/make_cases.py            # everything
    python3 tests/data/otp_cases/make_cases.py --inputs-only
    python3 tests/data/otp_cases/make_cases.py --only 100-update-2-default
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ESCRIPT = HERE / "run_make_relup.escript"
#: Atom-table preparations of the stability reruns (number of dummy atoms created first).
PERTURBATIONS = ["1", "2", "3", "7", "1000"]

KERNEL, STDLIB, SASL, ERTS = "8.5.3", "4.2", "4.2", "13.1.5"
CORE = [f'{{kernel,"{KERNEL}"}}', f'{{stdlib,"{STDLIB}"}}', f'{{sasl,"{SASL}"}}']


# --------------------------------------------------------------------------------------
# Description language
# --------------------------------------------------------------------------------------


@dataclass
class App:
    """One application version: a lib/<dir>/ebin directory with .app and maybe .appup."""

    name: str
    vsn: str
    mods: list[str]
    uses: list[str] = field(default_factory=lambda: ["kernel", "stdlib"])
    incl: list[str] | None = None
    optional: list[str] | None = None
    appup: str | None = None  # the whole .appup text
    raw_app: str | None = None  # replaces the generated .app text
    dirname: str | None = None  # default <name>-<vsn>

    def files(self) -> dict[str, str]:
        ebin = f"lib/{self.dirname or f'{self.name}-{self.vsn}'}/ebin"
        if self.raw_app is not None:
            app_text = self.raw_app
        else:
            keys = [
                f'{{description,"{self.name} {self.vsn}"}}',
                f'{{vsn,"{self.vsn}"}}',
                f"{{modules,[{','.join(self.mods)}]}}",
                "{registered,[]}",
                f"{{applications,[{','.join(self.uses)}]}}",
            ]
            if self.incl is not None:
                keys.append(f"{{included_applications,[{','.join(self.incl)}]}}")
            if self.optional is not None:
                keys.append(f"{{optional_applications,[{','.join(self.optional)}]}}")
            body = ",\n  ".join(keys)
            app_text = f"%% {self.name}.app {self.vsn}\n{{application,{self.name},\n [{body}]}}.\n"
        files = {f"{ebin}/{self.name}.app": app_text}
        if self.appup is not None:
            files[f"{ebin}/{self.name}.appup"] = self.appup
        return files


def stub(name: str, vsn: str, uses: list[str]) -> App:
    """A stand-in for an OTP application (kernel, stdlib, sasl): right name and version."""
    return App(name, vsn, [], uses)


STUBS = [
    stub("kernel", KERNEL, []),
    stub("stdlib", STDLIB, ["kernel"]),
    stub("sasl", SASL, ["kernel", "stdlib"]),
]


def rel(vsn: str, apps: list[str], *, erts: str = ERTS, core: list[str] | None = None) -> str:
    """A .rel file: `core` (default kernel, stdlib, sasl) followed by `apps` (Erlang text)."""
    entries = (CORE if core is None else core) + apps
    body = ",\n  ".join(entries)
    return f'%% release sys {vsn}\n{{release,{{"sys","{vsn}"}},{{erts,"{erts}"}},\n [{body}]}}.\n'


def appup(vsn: str, up: list[tuple[str, str]], dn: list[tuple[str, str]]) -> str:
    """An .appup file; entries are (version key as Erlang text, instruction list text)."""

    def entries(pairs: list[tuple[str, str]]) -> str:
        return ",\n  ".join(f"{{{key},\n   {instrs}}}" for key, instrs in pairs)

    vsn_term = vsn if vsn.startswith(("'", "<")) else f'"{vsn}"'  # an atom or binary on purpose
    return f"%% appup\n{{{vsn_term},\n [{entries(up)}],\n [{entries(dn)}]}}.\n"


@dataclass
class Case:
    name: str
    doc: str
    apps: list[App]
    rels: dict[str, str]
    new: str = "r2"
    up: list[str] = field(default_factory=lambda: ["r1"])
    down: list[str] = field(default_factory=lambda: ["r1"])
    options: list[str] = field(default_factory=list)
    stubs: list[App] = field(default_factory=lambda: list(STUBS))
    extra: dict[str, str | bytes] = field(default_factory=dict)  # more raw files (override)

    def files(self) -> dict[str, str | bytes]:
        files: dict[str, str | bytes] = {
            "case.txt": "".join(
                f"{key}:{''.join(' ' + v for v in values)}\n"
                for key, values in [
                    ("new", [self.new]),
                    ("up_from", self.up),
                    ("down_to", self.down),
                    ("path", ["lib/*/ebin"]),
                    ("options", self.options),
                ]
            )
        }
        for a in self.stubs + self.apps:
            files.update(a.files())
        for r, text in self.rels.items():
            files[f"releases/{r}.rel"] = text
        files.update(self.extra)
        return files


MODS1 = ["ma", "mb", "mc", "md", "me", "sup1", "mold"]
MODS2 = ["ma", "mb", "mc", "md", "me", "sup1", "mnew"]


def one(
    name: str,
    doc: str,
    up: str,
    dn: str | None = None,
    *,
    options: list[str] | None = None,
    apps: list[App] | None = None,
    r1: list[str] | None = None,
    r2: list[str] | None = None,
    appup_vsn: str = "2.0",
) -> Case:
    """The common shape: application myapp 1.0 -> 2.0, its appup has one up and one down
    entry for "1.0"; r1 = myapp 1.0 (+ r1), r2 = myapp 2.0 (+ r2)."""
    text = appup(appup_vsn, [('"1.0"', up)], [('"1.0"', up if dn is None else dn)])
    return Case(
        name,
        doc,
        [App("myapp", "1.0", MODS1), App("myapp", "2.0", MODS2, appup=text), *(apps or [])],
        {
            "r1": rel("1", ['{myapp,"1.0"}', *(r1 or [])]),
            "r2": rel("2", ['{myapp,"2.0"}', *(r2 or [])]),
        },
        options=options or [],
    )


def changed(
    name: str, old: str, new: str, mods: list[str], up: str, dn: str, **kw: object
) -> list[App]:
    """Both versions of an application that changes, with an appup for old -> new."""
    return [
        App(name, old, mods, **kw),  # type: ignore[arg-type]
        App(name, new, mods, appup=appup(new, [(f'"{old}"', up)], [(f'"{old}"', dn)]), **kw),  # type: ignore[arg-type]
    ]


# --------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------

OK = "[{load_module,ma}]"  # a harmless script for the direction a case does not test

CASES: list[Case] = [
    # ---- update forms -----------------------------------------------------------------
    one(
        "100-update-2-default",
        "{update,M}: soft change, brutal purges, suspend/load/resume",
        "[{update,ma}]",
    ),
    one("101-update-3-soft", "{update,M,soft}", "[{update,ma,soft}]"),
    one(
        "102-update-3-advanced",
        "{update,M,{advanced,Extra}}: code_change up after load, down before load",
        "[{update,ma,{advanced,{add_field,reserved,[1,2,3]}}}]",
        "[{update,ma,{advanced,{drop_field,reserved}}}]",
    ),
    one(
        "103-update-3-supervisor",
        "{update,M,supervisor}: static, {advanced,[]}; down code_change after load",
        "[{update,sup1,supervisor}]",
    ),
    one(
        "104-update-3-depmods",
        "{update,M,DepMods}: chain ma->mb, written in either order",
        "[{update,ma,[mb]},{update,mb,soft}]",
        "[{update,mb},{update,ma,[mb]}]",
    ),
    one(
        "105-update-4-soft-depmods",
        "{update,M,soft,DepMods} depending on a load_module",
        "[{update,ma,soft,[mb]},{load_module,mb}]",
    ),
    one(
        "106-update-4-advanced-depmods",
        "{update,M,{advanced,X},DepMods} written after its dependency",
        "[{update,mb,{advanced,xb}},{update,ma,{advanced,xa},[mb]}]",
    ),
    one(
        "107-update-6-purge-methods",
        "6-tuple update: PrePurge/PostPurge passed to load",
        "[{update,ma,{advanced,x},soft_purge,brutal_purge,[]},"
        "{update,mb,soft,brutal_purge,soft_purge,[]}]",
    ),
    one(
        "108-update-7-timeout-integer",
        "7-tuple update with an integer Timeout: suspend [{M,T}]",
        "[{update,ma,5000,{advanced,x},brutal_purge,brutal_purge,[]}]",
    ),
    one(
        "109-update-7-timeout-infinity",
        "7-tuple update with Timeout infinity",
        "[{update,ma,infinity,soft,soft_purge,soft_purge,[]}]",
    ),
    one(
        "110-update-7-timeout-default",
        "7-tuple update with Timeout default: plain M in suspend",
        "[{update,ma,default,{advanced,y},brutal_purge,brutal_purge,[]}]",
    ),
    one(
        "111-update-8-static",
        "8-tuple update, static: down code_change after load",
        "[{update,ma,static,default,{advanced,s},brutal_purge,brutal_purge,[]}]",
    ),
    one(
        "112-update-8-dynamic",
        "8-tuple update, dynamic with timeout: down code_change before load",
        "[{update,ma,dynamic,2000,{advanced,d},soft_purge,brutal_purge,[]}]",
    ),
    one(
        "113-update-8-static-dynamic-chain",
        "8-tuple updates, dynamic and static in one DepMods chain: two down code_changes",
        "[{update,ma,dynamic,default,{advanced,xa},brutal_purge,brutal_purge,[mb]},"
        "{update,mb,static,infinity,{advanced,xb},brutal_purge,brutal_purge,[mc]},"
        "{update,mc,static,default,soft,brutal_purge,brutal_purge,[]}]",
    ),
    # ---- load_module / add_module / delete_module ----------------------------------
    one("114-load-module-2", "{load_module,M}", "[{load_module,ma}]"),
    one(
        "115-load-module-3-depmods",
        "{load_module,M,DepMods} written after its dependency",
        "[{load_module,mb},{load_module,ma,[mb]}]",
    ),
    one(
        "116-load-module-5-purge",
        "{load_module,M,Pre,Post,DepMods} with soft purges",
        "[{load_module,ma,soft_purge,soft_purge,[]},{load_module,mb,brutal_purge,soft_purge,[ma]}]",
    ),
    one(
        "117-add-module-2",
        "{add_module,M} up, {delete_module,M} down",
        "[{add_module,mnew}]",
        "[{delete_module,mnew}]",
    ),
    one(
        "118-add-module-3-depmods",
        "{add_module,M,DepMods} up, {delete_module,M,DepMods} down",
        "[{add_module,mnew,[ma]},{update,ma}]",
        "[{delete_module,mnew,[ma]},{update,ma}]",
    ),
    one(
        "119-delete-module-2",
        "{delete_module,M} up: remove + purge; {add_module,M} down",
        "[{delete_module,mold}]",
        "[{add_module,mold}]",
    ),
    one(
        "120-delete-module-3-depmods",
        "{delete_module,M,DepMods}: the chunk remove+purge moves as a whole",
        "[{load_module,ma},{delete_module,mold,[ma]}]",
        "[{add_module,mold,[ma]},{load_module,ma}]",
    ),
    one(
        "121-delete-module-of-no-app",
        "delete_module of a module in no application is accepted",
        "[{delete_module,ghost},{load_module,ma}]",
        "[{load_module,ma},{delete_module,ghost}]",
    ),
    # ---- apply and pass-through terms ----------------------------------------------
    one(
        "122-apply-args-terms",
        "apply before and after the PONR with varied argument terms; 'after' quoted",
        '[{apply,{myapp_hooks,before,["text",<<"bin">>,#{k => v},1.5,-3,'
        "18446744073709551616,'Upper','a b']}},point_of_no_return,"
        "{apply,{myapp_hooks,'after',[{nested,{deep,[{x}]}}]}}]",
        "[{apply,{myapp_hooks,back,[]}}]",
    ),
    one(
        "123-extra-term-string-binary",
        'Extra as strings and binaries ("" prints as [])',
        '[{update,ma,{advanced,"text with spaces"}},{update,mb,{advanced,<<"bin",0,255>>}}]',
        '[{update,ma,{advanced,""}},{update,mb,{advanced,<<>>}}]',
    ),
    one(
        "124-extra-term-map-nested",
        "Extra as a map and as deeply nested tuples",
        '[{update,ma,{advanced,#{key => [1,{2,3}], "s" => <<"v">>, {t} => #{}}}}]',
        "[{update,ma,{advanced,{a,{b,{c,{d,[e,{f}]}}}}}}]",
    ),
    one(
        "125-extra-term-numbers",
        "Extra with floats, big and negative integers, based and char literals",
        "[{update,ma,{advanced,{1.5,-2.25e-3,123456789012345678901234567890,-7,16#ff,$a}}}]",
        "[{update,ma,{advanced,[0.0,-0.5,1.0e10,-99999999999999999999]}}]",
    ),
    one(
        "126-extra-term-quoted-atoms",
        "Extra with atoms that need quotes ('Upper', 'a b', 'end', '', ...)",
        r"[{update,ma,{advanced,['Upper','a b','a-b','end','it\'s','a\\b',ok,'ok','é']}}]",
        "[{update,ma,{advanced,{'Upper',''}}}]",
    ),
    # ---- application instructions -----------------------------------------------------
    *[
        Case(
            f"{127 + i}-add-application-{t}",
            f"application added in the .rel with start type {t}"
            + (" (no type in the .rel)" if t == "permanent" else ""),
            [App("myapp", "1.0", MODS1), App("newapp", "1.0", ["n1", "n2"])],
            {
                "r1": rel("1", ['{myapp,"1.0"}']),
                "r2": rel(
                    "2",
                    [
                        '{myapp,"1.0"}',
                        '{newapp,"1.0"}' if t == "permanent" else f'{{newapp,"1.0",{t}}}',
                    ],
                ),
            },
        )
        for i, t in enumerate(["none", "load", "temporary", "transient", "permanent"])
    ],
    one(
        "132-add-application-explicit",
        "add_application/2 (permanent) and /3 (none, load) written in an appup",
        "[{add_application,other},{add_application,other2,none},{load_module,ma}]",
        "[{add_application,other2,load}]",
        apps=[App("other", "1.0", ["o1"]), App("other2", "1.0", ["p1", "p2"])],
        r1=['{other,"1.0"}', '{other2,"1.0"}'],
        r2=['{other,"1.0"}', '{other2,"1.0"}'],
    ),
    Case(
        "133-remove-application-types",
        "two applications removed (base .rel order); downgrade re-adds them with the base's types",
        [
            App("myapp", "1.0", MODS1),
            App("gone_b", "1.0", ["gb1"]),
            App("gone_a", "1.0", ["ga1", "ga2"]),
        ],
        {
            "r1": rel("1", ['{myapp,"1.0"}', '{gone_b,"1.0",load}', '{gone_a,"1.0",transient}']),
            "r2": rel("2", ['{myapp,"1.0"}']),
        },
    ),
    Case(
        "134-restart-application-types",
        "restart_application: target type load (up) / none (down), module lists differ",
        [
            App("other", "1.0", ["o1", "o2"]),
            App(
                "other",
                "1.1",
                ["o1", "o3"],
                appup=appup(
                    "1.1",
                    [('"1.0"', "[{restart_application,other}]")],
                    [('"1.0"', "[{restart_application,other}]")],
                ),
            ),
        ],
        {"r1": rel("1", ['{other,"1.0",none}']), "r2": rel("2", ['{other,"1.1",load}'])},
    ),
    one(
        "135-restart-new-emulator-in-appup",
        "restart_new_emulator in an ordinary appup: first on upgrade, "
        "restart_emulator last on downgrade",
        "[{load_module,ma},restart_new_emulator]",
        "[restart_new_emulator,{load_module,ma}]",
    ),
    one(
        "136-restart-emulator-in-appup",
        "restart_emulator written twice and mid-script: one, at the end",
        "[restart_emulator,{load_module,ma},restart_emulator,{apply,{myapp,f,[]}}]",
        "[{load_module,ma},restart_emulator]",
    ),
    one(
        "137-restart-and-reboot-atoms",
        "legacy atoms restart and reboot pass through in place",
        "[restart,{load_module,ma},reboot]",
        "[reboot]",
    ),
    one(
        "138-nested-lists-spliced",
        "nested lists of full-form instructions (and a nested PONR) are spliced in",
        "[{load_module,ma,brutal_purge,brutal_purge,[]},"
        "[{update,mb,soft,brutal_purge,brutal_purge,[]},{apply,{myapp,hook,[]}}],[],{update,mc}]",
        "[[{apply,{myapp,pre,[]}},point_of_no_return],{load_module,ma}]",
    ),
    # ---- hand-written low-level instructions -----------------------------------------
    one(
        "139-ll-load-object-code-hoisted",
        "hand-written load_object_code after the PONR moves before it; hand-written load",
        "[point_of_no_return,{load,{ma,brutal_purge,brutal_purge}},"
        '{load_object_code,{myapp,"2.0",[ma]}},{apply,{myapp,after_load,[]}}]',
        '[{load_object_code,{myapp,"1.0",[ma]}},point_of_no_return,'
        "{load,{ma,soft_purge,soft_purge}}]",
    ),
    one(
        "140-ll-suspend-timeouts",
        "hand-written suspend with {M,T}, {M,default} and M",
        '[{load_object_code,{myapp,"2.0",[ma,mb,mc]}},point_of_no_return,'
        "{suspend,[{ma,1000},{mb,default},mc]},{load,{ma,brutal_purge,brutal_purge}},"
        "{load,{mb,brutal_purge,brutal_purge}},{load,{mc,brutal_purge,brutal_purge}},"
        "{resume,[mc,mb,ma]}]",
        "[{suspend,[{ma,infinity}]},{resume,[ma]}]",
    ),
    one(
        "141-ll-code-change-2-and-3",
        "hand-written code_change/2 and code_change/3 (up and down)",
        "[{suspend,[ma,mb]},{code_change,[{ma,x}]},{code_change,up,[{mb,{y,1}}]},"
        "{code_change,down,[{ma,z}]},{resume,[mb,ma]}]",
        '[{suspend,[ma]},{code_change,down,[{ma,"s"}]},{resume,[ma]}]',
    ),
    one(
        "142-ll-stop-start",
        "hand-written stop/start around an update",
        "[{stop,[ma,mb]},{update,mc},{start,[mb,ma]}]",
        "[{stop,[ma]},{start,[ma]}]",
    ),
    one(
        "143-ll-sync-nodes",
        "sync_nodes with a node list and with an MFA; non-atom ids",
        "[{sync_nodes,upgrade_sync,[node_a@host,'node-b@host']},{load_module,ma},"
        '{sync_nodes,{phase,"two",2},{myapp_cluster,nodes,[all]}}]',
        '[{sync_nodes,<<"id">>,[]}]',
    ),
    one(
        "144-ll-purge-remove-load",
        "hand-written remove, purge and load with purge methods",
        '[{load_object_code,{myapp,"2.0",[mb]}},point_of_no_return,'
        "{remove,{ma,soft_purge,brutal_purge}},{purge,[ma,mold]},{load,{mb,soft_purge,soft_purge}}]",
        '[{load_object_code,{myapp,"1.0",[mb]}},point_of_no_return,'
        "{load,{mb,brutal_purge,soft_purge}},{purge,[]}]",
    ),
    Case(
        "145-ll-load-object-code-other-script",
        "a hand-written load is satisfied by a load_object_code hoisted from another app's script",
        [
            *changed(
                "alpha",
                "1.0",
                "1.1",
                ["a1"],
                '[point_of_no_return,{load_object_code,{beta,"1.1",[b1]}}]',
                '[{load_object_code,{beta,"1.0",[b1]}}]',
            ),
            *changed(
                "beta",
                "1.0",
                "1.1",
                ["b1"],
                "[{load,{b1,brutal_purge,brutal_purge}}]",
                "[{load,{b1,brutal_purge,brutal_purge}}]",
            ),
        ],
        {
            "r1": rel("1", ['{alpha,"1.0"}', '{beta,"1.0"}']),
            "r2": rel("2", ['{alpha,"1.1"}', '{beta,"1.1"}']),
        },
    ),
    # ---- DepMods ----------------------------------------------------------------------
    one(
        "146-depmods-chain-scrambled",
        "DepMods chain ma->mb->mc->md written in scrambled order",
        "[{update,mc,[md]},{update,ma,[mb]},{load_module,md},{update,mb,{advanced,b},[mc]}]",
    ),
    one(
        "147-depmods-cycle-2",
        "DepMods 2-cycle: members keep instruction order",
        "[{update,mb,{advanced,xb},[ma]},{update,ma,[mb]}]",
    ),
    one(
        "148-depmods-cycle-3",
        "DepMods 3-cycle written starting mid-cycle",
        "[{update,mc,[ma]},{update,ma,[mb]},{load_module,mb,[mc]}]",
    ),
    one(
        "149-depmods-cycle-with-tails",
        "a 2-cycle with a dependent before it and a dependency after it",
        "[{update,md},{update,mb,[ma,md]},{update,mc,[ma]},{update,ma,[mb]}]",
    ),
    one(
        "150-depmods-self",
        "a module depending on itself",
        "[{update,ma,[ma]},{load_module,mb,[mb]}]",
    ),
    Case(
        "151-depmods-cross-app-pull-forward",
        "cross-application DepMods pull beta's instructions forward "
        "past alpha's and beta's applies",
        [
            *changed(
                "alpha",
                "1.0",
                "1.1",
                ["a1", "a2"],
                '[{update,a1,soft},{apply,{io,format,["alpha~n"]}},{load_module,a2}]',
                '[{apply,{io,format,["alpha~n"]}},{load_module,a2},{update,a1}]',
            ),
            *changed(
                "beta",
                "1.0",
                "1.1",
                ["b1", "b2"],
                '[{apply,{io,format,["beta~n"]}},{update,b1,[a1]},{load_module,b2,[a2]}]',
                '[{update,b1,[a1]},{apply,{io,format,["beta~n"]}},{load_module,b2,[a2]}]',
                uses=["kernel", "stdlib", "alpha"],
            ),
        ],
        {
            "r1": rel("1", ['{alpha,"1.0"}', '{beta,"1.0"}']),
            "r2": rel("2", ['{alpha,"1.1"}', '{beta,"1.1"}']),
        },
    ),
    one(
        "152-depmods-mixed-kinds",
        "one DepMods chain over update, delete_module and load_module",
        "[{update,ma,{advanced,x},[mold]},{delete_module,mold,[mb]},{load_module,mb}]",
        "[{update,ma,{advanced,y},[mnew]},{delete_module,mnew,[mb]},{load_module,mb}]",
    ),
    one(
        "153-depmods-interleaved-components",
        "a group emitted at its first member's position, before an apply and an unrelated update",
        "[{update,ma,[mb]},{apply,{myapp,between,[]}},{update,mc},{update,mb}]",
    ),
    one(
        "154-depmods-on-added-application",
        "DepMods on a module of an added application: the update joins the generated loads",
        "[{apply,{myapp,first,[]}},{update,ma,[n1]}]",
        "[{update,ma}]",
        apps=[App("newapp", "1.0", ["n1", "n2"])],
        r2=['{newapp,"1.0",temporary}'],
    ),
    # ---- load_object_code merging -----------------------------------------------------
    Case(
        "155-loc-merge-several-libs",
        "generated load_object_code merged per library, libraries in order of first appearance",
        [
            *changed(
                "gamma",
                "1.0",
                "1.1",
                ["g1", "g2"],
                "[{load_module,g1},{load_module,g2}]",
                "[{load_module,g2},{load_module,g1}]",
            ),
            *changed(
                "alpha",
                "1.0",
                "1.1",
                ["a1", "a2"],
                "[{update,a2,[g2]},{load_module,a1}]",
                "[{load_module,a1},{update,a2,[g2]}]",
            ),
            *changed("beta", "1.0", "1.1", ["b1"], "[{load_module,b1,[a1]}]", "[{load_module,b1}]"),
        ],
        {
            "r1": rel("1", ['{gamma,"1.0"}', '{alpha,"1.0"}', '{beta,"1.0"}']),
            "r2": rel("2", ['{gamma,"1.1"}', '{alpha,"1.1"}', '{beta,"1.1"}']),
        },
    ),
    one(
        "156-loc-duplicates-union",
        "hand-written load_object_code with duplicates, plus a hoisted one, plus a generated one",
        '[{load_object_code,{myapp,"2.0",[mb,ma,mb]}},{load_object_code,{myapp,"2.0",[mc]}},'
        'point_of_no_return,{load_object_code,{myapp,"2.0",[ma]}},'
        "{load,{ma,brutal_purge,brutal_purge}},{update,md}]",
        '[{load_object_code,{myapp,"1.0",[md,md]}},{update,md},{load_module,mb}]',
    ),
    one(
        "157-loc-hand-written-other-lib-first",
        "a hand-written load_object_code of another (unchanged, or unknown) lib comes first",
        '[{load_module,ma},{load_object_code,{other,"1.0",[o1]}},{load,{o1,brutal_purge,brutal_purge}}]',
        '[{load_module,ma},{load_object_code,{phantom,"0.1",[p1]}}]',
        apps=[App("other", "1.0", ["o1"])],
        r1=['{other,"1.0"}'],
        r2=['{other,"1.0"}'],
    ),
    # ---- application order ------------------------------------------------------------
    Case(
        "158-boot-order-dependencies",
        "three changed apps in .rel order web, db, cache; web uses cache and db, cache uses db",
        [
            *changed(
                "web",
                "1.0",
                "1.1",
                ["w1"],
                "[{apply,{web,up,[]}},{load_module,w1}]",
                "[{apply,{web,dn,[]}},{load_module,w1}]",
                uses=["kernel", "stdlib", "cache", "db"],
            ),
            *changed(
                "db",
                "1.0",
                "1.1",
                ["d1"],
                "[{apply,{db,up,[]}},{load_module,d1}]",
                "[{apply,{db,dn,[]}},{load_module,d1}]",
            ),
            *changed(
                "cache",
                "1.0",
                "1.1",
                ["c1"],
                "[{apply,{cache,up,[]}},{load_module,c1}]",
                "[{apply,{cache,dn,[]}},{load_module,c1}]",
                uses=["kernel", "stdlib", "db"],
            ),
        ],
        {
            "r1": rel("1", ['{web,"1.0"}', '{db,"1.0"}', '{cache,"1.0"}']),
            "r2": rel("2", ['{web,"1.1"}', '{db,"1.1"}', '{cache,"1.1"}']),
        },
    ),
    Case(
        "159-boot-order-included-apps",
        "included applications (from the .app) boot before the including app, in .rel order",
        [
            *changed(
                "top",
                "1.0",
                "1.1",
                ["t1"],
                "[{apply,{top,up,[]}}]",
                "[{apply,{top,dn,[]}}]",
                incl=["inc_b", "inc_a"],
            ),
            *changed(
                "inc_a", "1.0", "1.1", ["ia1"], "[{apply,{inc_a,up,[]}}]", "[{apply,{inc_a,dn,[]}}]"
            ),
            *changed(
                "inc_b", "1.0", "1.1", ["ib1"], "[{apply,{inc_b,up,[]}}]", "[{apply,{inc_b,dn,[]}}]"
            ),
        ],
        {
            "r1": rel("1", ['{top,"1.0"}', '{inc_a,"1.0"}', '{inc_b,"1.0"}']),
            "r2": rel("2", ['{top,"1.1"}', '{inc_a,"1.1"}', '{inc_b,"1.1"}']),
        },
    ),
    Case(
        "160-boot-order-rel-include-list",
        "a .rel include list overrides the .app's included_applications (top includes only inc_b)",
        [
            *changed(
                "top",
                "1.0",
                "1.1",
                ["t1"],
                "[{apply,{top,up,[]}}]",
                "[{apply,{top,dn,[]}}]",
                incl=["inc_a", "inc_b"],
            ),
            *changed(
                "inc_a",
                "1.0",
                "1.1",
                ["ia1"],
                "[{apply,{inc_a,up,[]}}]",
                "[{apply,{inc_a,dn,[]}}]",
                uses=["kernel", "stdlib", "top"],
            ),
            *changed(
                "inc_b", "1.0", "1.1", ["ib1"], "[{apply,{inc_b,up,[]}}]", "[{apply,{inc_b,dn,[]}}]"
            ),
        ],
        {
            "r1": rel("1", ['{inc_a,"1.0"}', '{top,"1.0",[inc_b]}', '{inc_b,"1.0"}']),
            "r2": rel("2", ['{inc_a,"1.1"}', '{top,"1.1",permanent,[inc_b]}', '{inc_b,"1.1"}']),
        },
    ),
    Case(
        "161-boot-order-optional-apps",
        "optional_applications: a present optional dependency orders, a missing one is ignored",
        [
            *changed(
                "web",
                "1.0",
                "1.1",
                ["w1"],
                "[{apply,{web,up,[]}}]",
                "[{apply,{web,dn,[]}}]",
                uses=["kernel", "stdlib", "cache", "nowhere"],
                optional=["nowhere", "cache"],
            ),
            *changed(
                "cache", "1.0", "1.1", ["c1"], "[{apply,{cache,up,[]}}]", "[{apply,{cache,dn,[]}}]"
            ),
        ],
        {
            "r1": rel("1", ['{web,"1.0"}', '{cache,"1.0"}']),
            "r2": rel("2", ['{web,"1.1"}', '{cache,"1.1"}']),
        },
    ),
    Case(
        "162-added-removed-apps-rel-order",
        "apps added (top .rel order) and removed (base .rel order) around a changed app's script",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0", [('"1.0"', "[{load_module,ma}]")], [('"1.0"', "[{load_module,ma}]")]
                ),
            ),
            App("new_b", "1.0", ["nb1"]),
            App("new_a", "1.0", ["na1"]),
            App("gone_b", "1.0", ["gb1"]),
            App("gone_a", "1.0", ["ga1"]),
        ],
        {
            "r1": rel("1", ['{gone_b,"1.0"}', '{myapp,"1.0"}', '{gone_a,"1.0",temporary}']),
            "r2": rel("2", ['{new_b,"1.0",load}', '{myapp,"2.0"}', '{new_a,"1.0"}']),
        },
    ),
    # ---- base releases, version keys, warnings and options ------------------------
    Case(
        "163-multi-base-added-since-oldest",
        "two up and two down bases (entries reversed); newapp exists only since r1",
        [
            App("myapp", "0.9", MODS1),
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0",
                    [('"0.9"', "[{update,ma}]"), ('"1.0"', "[{load_module,mb}]")],
                    [('"0.9"', "[{update,ma}]"), ('"1.0"', "[{load_module,mb}]")],
                ),
            ),
            App("newapp", "1.0", ["n1"]),
        ],
        {
            "r0": rel("0", ['{myapp,"0.9"}']),
            "r1": rel("1", ['{myapp,"1.0"}', '{newapp,"1.0"}']),
            "r2": rel("2", ['{myapp,"2.0"}', '{newapp,"1.0"}']),
        },
        up=["r0", "r1"],
        down=["r1", "r0"],
    ),
    Case(
        "164-regex-before-exact-key",
        "a regex key listed before an exact key wins; a non-string (atom) key is skipped",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0",
                    [(r'<<"1\\..*">>', "[{update,ma}]"), ('"1.0"', "[{update,mb}]")],
                    [("'1.0'", "[{update,mc}]"), ('"1.0"', "[{update,md}]")],
                ),
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    Case(
        "165-regex-unanchored",
        "unanchored regex keys: '.' matches any char; a first match shorter than the version fails",
        [
            App("myapp", "1x0", MODS1),
            App("myapp", "1.0.1", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0",
                    [
                        (r'<<"1\\.0">>', "[{update,ma}]"),
                        ('<<"1.0">>', "[{update,mb}]"),
                        (r'<<"1\\.0\\.1|1">>', "[{update,mc}]"),
                    ],
                    [
                        (r'<<"1\\.0|1\\.0\\.1">>', "[{update,ma}]"),
                        ('<<"1.0">>', "[{update,mb}]"),
                        ('<<"">>', "[{update,me}]"),
                        ('<<"1">>', "[{update,md}]"),
                        ('<<".*">>', "[{update,mc}]"),
                    ],
                ),
            ),
        ],
        {
            "r1a": rel("1a", ['{myapp,"1x0"}']),
            "r1b": rel("1b", ['{myapp,"1.0.1"}']),
            "r2": rel("2", ['{myapp,"2.0"}']),
        },
        up=["r1a", "r1b"],
        down=["r1a", "r1b"],
    ),
    Case(
        "166-regex-escapes-and-classes",
        "regex keys with anchors, \\d, character classes, groups and alternation",
        [
            App("myapp", "1.5", MODS1),
            App("myapp", "1.2.3", MODS1),
            App("myapp", "1.10", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0",
                    [
                        (r'<<"^1\\.[0-4]$">>', "[{update,ma}]"),
                        (r'<<"^1\\.\\d$">>', "[{update,mb}]"),
                        (r'<<"1\\.\\d\\.(?:2|3)">>', "[{update,mc}]"),
                        (r'<<"1\\.[1-9][0-9]*">>', "[{update,md}]"),
                    ],
                    [
                        (r'<<"1\\.(5|10)">>', "[{update,me}]"),
                        (r'<<"[0-9]+(\\.[0-9]+)*">>', "[{update,ma}]"),
                    ],
                ),
            ),
        ],
        {
            "r15": rel("1.5", ['{myapp,"1.5"}']),
            "r123": rel("1.2.3", ['{myapp,"1.2.3"}']),
            "r110": rel("1.10", ['{myapp,"1.10"}']),
            "r2": rel("2", ['{myapp,"2.0"}']),
        },
        up=["r15", "r123", "r110"],
        down=["r15", "r123", "r110"],
    ),
    Case(
        "167-bad-vsn-warning-two-apps",
        "two changed apps whose appup version differs from the .app: warnings in TopApps order",
        [
            *changed("alpha", "1.0", "1.1", ["a1"], "[{load_module,a1}]", "[{load_module,a1}]"),
            *changed("beta", "1.0", "1.1", ["b1"], "[{load_module,b1}]", "[{load_module,b1}]"),
        ],
        {
            "r1": rel("1", ['{beta,"1.0"}', '{alpha,"1.0"}']),
            "r2": rel("2", ['{beta,"1.1"}', '{alpha,"1.1"}']),
        },
        extra={
            "lib/alpha-1.1/ebin/alpha.appup": appup(
                "1.1-alpha", [('"1.0"', "[{load_module,a1}]")], [('"1.0"', "[{load_module,a1}]")]
            ),
            "lib/beta-1.1/ebin/beta.appup": appup(
                "0.0", [('"1.0"', "[{load_module,b1}]")], [('"1.0"', "[{load_module,b1}]")]
            ),
        },
    ),
    Case(
        "168-erts-change-only",
        "erts changes and nothing else: restart_new_emulator / restart_emulator",
        [App("myapp", "1.0", MODS1)],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}'], erts="13.2")},
    ),
    one(
        "169-restart-emulator-option",
        "option restart_emulator without an erts change",
        "[{load_module,ma}]",
        options=["restart_emulator"],
    ),
    one(
        "170-warnings-as-errors-with-warning",
        "warnings_as_errors with a bad_vsn warning: error",
        "[{load_module,ma}]",
        options=["warnings_as_errors"],
        appup_vsn="2.0.0",
    ),
    one(
        "171-warnings-as-errors-clean",
        "warnings_as_errors without warnings: relup written",
        "[{load_module,ma}]",
        options=["warnings_as_errors"],
    ),
    Case(
        "172-warning-order-multi-bases",
        "warnings from two up and two down bases (erts change, bad_vsn): newest first",
        [
            App("myapp", "1.0", MODS1),
            App("myapp", "1.1", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0x",
                    [('"1.0"', "[{load_module,ma}]"), ('"1.1"', "[{load_module,mb}]")],
                    [('"1.0"', "[{load_module,ma}]"), ('"1.1"', "[{load_module,mb}]")],
                ),
            ),
        ],
        {
            "r1": rel("1", ['{myapp,"1.0"}'], erts="13.1.4"),
            "r1b": rel("1b", ['{myapp,"1.1"}']),
            "r2": rel("2", ['{myapp,"2.0"}']),
        },
        up=["r1", "r1b"],
        down=["r1b", "r1"],
    ),
    Case(
        "173-no-changes",
        "no application differs: both scripts are [point_of_no_return]",
        [App("myapp", "1.0", MODS1)],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}'])},
    ),
    Case(
        "174-pre-r15-sasl-restart-option",
        "base with sasl < 2.2, erts change and option restart_emulator: restart_new_emulator last",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup("2.0", [('"1.0"', "[{update,ma}]")], [('"1.0"', "[{update,ma}]")]),
            ),
            stub("sasl", "2.1.5", ["kernel", "stdlib"]),
        ],
        {
            "r1": rel(
                "1",
                ['{myapp,"1.0"}'],
                erts="5.9",
                core=[f'{{kernel,"{KERNEL}"}}', f'{{stdlib,"{STDLIB}"}}', '{sasl,"2.1.5"}'],
            ),
            "r2": rel("2", ['{myapp,"2.0"}']),
        },
        options=["restart_emulator"],
        extra={
            "lib/sasl-4.2/ebin/sasl.appup": appup("4.2", [('"2.1.5"', "[]")], [('"2.1.5"', "[]")])
        },
    ),
    Case(
        "175-up-only",
        "only an up base, no down base: empty down list",
        [
            App("myapp", "1.0", MODS1),
            App("myapp", "2.0", MODS2, appup=appup("2.0", [('"1.0"', "[{load_module,ma}]")], [])),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
        down=[],
    ),
    # ---- systools_rc errors -----------------------------------------------------------
    one(
        "176-err-bad-instruction",
        "ERROR: {update,M,brutal} is no instruction (bad_instruction)",
        "[{update,ma,brutal}]",
        OK,
    ),
    one(
        "177-err-bad-instruction-nested-short-form",
        "ERROR: a short form inside a nested list is not expanded (bad_instruction)",
        "[[{load_module,ma}]]",
        OK,
    ),
    one("178-err-bad-module", "ERROR: module name is a string (bad_module)", '[{update,"ma"}]', OK),
    one(
        "179-err-bad-change",
        "ERROR: {update,M,{soft}}: tuple Change that is not advanced (bad_change)",
        "[{update,ma,{soft}}]",
        OK,
    ),
    one(
        "180-err-bad-mod-type",
        "ERROR: 8-tuple update with ModType hot (bad_mod_type)",
        "[{update,ma,hot,default,soft,brutal_purge,brutal_purge,[]}]",
        OK,
    ),
    one(
        "181-err-bad-purge-method",
        "ERROR: load_module with PostPurge gentle_purge (bad_purge_method)",
        "[{load_module,ma,soft_purge,gentle_purge,[]}]",
        OK,
    ),
    one(
        "182-err-bad-list",
        "ERROR: DepMods is an atom (bad_list)",
        "[{update,ma,soft,brutal_purge,brutal_purge,mb}]",
        OK,
    ),
    one(
        "183-err-bad-args-list",
        "ERROR: apply with an atom as argument list (bad_args_list)",
        "[{apply,{myapp,f,a}}]",
        OK,
    ),
    one(
        "184-err-bad-node",
        "ERROR: sync_nodes node list with a string (bad_node)",
        '[{sync_nodes,id,[n1@host,"n2@host"]}]',
        OK,
    ),
    one(
        "185-err-bad-application",
        "ERROR: remove_application of a string (bad_application)",
        '[{remove_application,"myapp"}]',
        OK,
    ),
    one(
        "186-err-bad-func",
        "ERROR: apply with a string function name (bad_func)",
        '[{apply,{myapp,"f",[]}}]',
        OK,
    ),
    one(
        "187-err-bad-lib",
        "ERROR: load_object_code with a string lib (bad_lib)",
        '[{load_object_code,{"myapp","2.0",[ma]}}]',
        OK,
    ),
    one(
        "188-err-bad-lib-vsn",
        "ERROR: load_object_code with an atom lib version (bad_lib_vsn)",
        "[{load_object_code,{myapp,'2.0',[ma]}}]",
        OK,
    ),
    one(
        "189-err-bad-timeout-zero",
        "ERROR: 7-tuple update with Timeout 0 (bad_timeout)",
        "[{update,ma,0,soft,brutal_purge,brutal_purge,[]}]",
        OK,
    ),
    one(
        "190-err-bad-timeout-atom",
        "ERROR: 8-tuple update with Timeout never (bad_timeout)",
        "[{update,ma,dynamic,never,soft,brutal_purge,brutal_purge,[]}]",
        OK,
    ),
    one(
        "191-err-bad-mode",
        "ERROR: code_change with mode sideways (bad_mode)",
        "[{suspend,[ma]},{code_change,sideways,[{ma,1}]},{resume,[ma]}]",
        OK,
    ),
    one(
        "192-err-bad-code-change",
        "ERROR: code_change list element not {M,Extra} (bad_code_change)",
        "[{suspend,[ma]},{code_change,up,[ma]},{resume,[ma]}]",
        OK,
    ),
    one(
        "193-err-bad-start-type",
        "ERROR: add_application with start type forever (bad_start_type)",
        "[{add_application,other,forever}]",
        OK,
        apps=[App("other", "1.0", ["o1"])],
        r1=['{other,"1.0"}'],
        r2=['{other,"1.0"}'],
    ),
    one(
        "194-err-mnesia-backup",
        "ERROR: mnesia_backup (not_yet_implemented)",
        "[{load_module,ma},mnesia_backup]",
        OK,
    ),
    one(
        "195-err-too-many-ponr",
        "ERROR: two point_of_no_return in one appup script",
        "[point_of_no_return,{load_module,ma},point_of_no_return]",
        OK,
    ),
    one(
        "196-err-bad-op-before-ponr",
        "ERROR: add_module before the PONR (stage-E form in the error)",
        "[{add_module,mnew},point_of_no_return]",
        OK,
    ),
    one(
        "197-err-no-object-code",
        "ERROR: hand-written load without load_object_code for that module",
        '[{load_object_code,{myapp,"2.0",[mb]}},point_of_no_return,'
        "{load,{mb,brutal_purge,brutal_purge}},{load,{ma,brutal_purge,brutal_purge}}]",
        OK,
    ),
    one(
        "198-err-suspended-not-resumed",
        "ERROR: suspend [ma,{mb,100},mc], resume [ma]",
        "[{suspend,[ma,{mb,100},mc]},{resume,[ma]}]",
        OK,
    ),
    one(
        "199-err-resumed-not-suspended",
        "ERROR: suspend [ma], resume [mb,ma,mc]",
        "[{suspend,[ma]},{resume,[mb,ma,mc]}]",
        OK,
    ),
    one(
        "200-err-start-not-stop",
        "ERROR: stop [ma], start [ma,mb]",
        "[{stop,[ma]},{start,[ma,mb]}]",
        OK,
    ),
    one(
        "201-err-stop-not-start",
        "ERROR: stop [ma,mb], start [ma]",
        "[{stop,[ma,mb]},{start,[ma]}]",
        OK,
    ),
    one(
        "202-err-no-such-application-add",
        "ERROR: add_application of an app not in the target release",
        "[{add_application,nosuch}]",
        OK,
    ),
    one(
        "203-err-no-such-application-remove",
        "ERROR: remove_application of an app in neither release",
        "[{remove_application,nosuch}]",
        OK,
    ),
    one(
        "204-err-no-such-application-restart",
        "ERROR: restart_application of an app only in the new release",
        "[{restart_application,newapp}]",
        OK,
        apps=[App("newapp", "1.0", ["n1"])],
        r2=['{newapp,"1.0"}'],
    ),
    one(
        "205-err-removed-application-present",
        "ERROR: remove_application of an app still in the target",
        "[{remove_application,myapp}]",
        OK,
    ),
    one(
        "206-err-muldef-module",
        "ERROR: two dependent instructions for ma (muldef_module)",
        "[{update,ma},{load_module,mb},{delete_module,ma}]",
        OK,
    ),
    one(
        "207-err-muldef-with-added-app",
        "ERROR: appup loads a module of an added app (muldef_module)",
        "[{load_module,n2}]",
        OK,
        apps=[App("newapp", "1.0", ["n1", "n2"])],
        r2=['{newapp,"1.0"}'],
    ),
    one(
        "208-err-undef-module",
        "ERROR: first undefined DepMods entry by instruction then list order",
        "[{update,ma,soft,[mb,mc]},{update,md,soft,[me]},{load_module,mb}]",
        OK,
    ),
    one(
        "209-err-no-such-module",
        "ERROR: load_module of a module in no application",
        "[{load_module,nosuch}]",
        OK,
    ),
    one(
        "210-err-no-such-module-downgrade",
        "ERROR: downgrade adds a module the base version does not have (no_such_module, dn)",
        "[{add_module,mnew}]",
        "[{add_module,mnew}]",
    ),
    one(
        "211-err-conflicting-versions-generated",
        "ERROR: hand-written load_object_code version differs from the generated one",
        '[{load_object_code,{myapp,"1.9",[ma]}},{load_module,mb}]',
        OK,
    ),
    one(
        "212-err-conflicting-versions-hand-written",
        "ERROR: two hand-written load_object_code (one hoisted) with different versions",
        '[{load_object_code,{other,"1.0",[o1]}},point_of_no_return,'
        '{load_object_code,{other,"1.1",[o2]}}]',
        OK,
    ),
    # ---- systools_relup errors --------------------------------------------------------
    Case(
        "213-err-appup-missing-second-app",
        "ERROR: the second changed app (boot order) has no .appup",
        [
            *changed("alpha", "1.0", "1.1", ["a1"], "[{load_module,a1}]", "[{load_module,a1}]"),
            App("beta", "1.0", ["b1"]),
            App("beta", "1.1", ["b1"], uses=["kernel", "stdlib", "alpha"]),
        ],
        {
            "r1": rel("1", ['{beta,"1.0"}', '{alpha,"1.0"}']),
            "r2": rel("2", ['{beta,"1.1"}', '{alpha,"1.1"}']),
        },
    ),
    one(
        "214-err-appup-parse-error",
        "ERROR: .appup contains a variable (file_problem, parse)",
        "[{load_module,X}]",
        OK,
    ),
    Case(
        "215-err-appup-empty",
        "ERROR: empty .appup file (file_problem, read)",
        [App("myapp", "1.0", MODS1), App("myapp", "2.0", MODS2, appup="")],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    Case(
        "216-err-appup-wrong-shape",
        "ERROR: .appup term is a 2-tuple (file_problem, {ok, Term})",
        [
            App("myapp", "1.0", MODS1),
            App("myapp", "2.0", MODS2, appup='{"2.0",[{"1.0",[{load_module,ma}]}]}.\n'),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    Case(
        "217-err-no-relup-down",
        "ERROR: appup has an up entry but no down entry for the base",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0", [('"1.0"', "[{load_module,ma}]")], [('"0.9"', "[{load_module,ma}]")]
                ),
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    Case(
        "218-err-missing-sasl-top",
        "ERROR: the new release has no sasl (missing_sasl)",
        [App("myapp", "1.0", MODS1)],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}'], core=CORE[:2])},
    ),
    Case(
        "219-err-missing-sasl-base",
        "ERROR: the base release has no sasl (missing_sasl)",
        [App("myapp", "1.0", MODS1)],
        {"r1": rel("1", ['{myapp,"1.0"}'], core=CORE[:2]), "r2": rel("2", ['{myapp,"1.0"}'])},
    ),
    # ---- systools_make errors ---------------------------------------------------------
    one(
        "220-err-app-file-missing",
        "ERROR: the new release names an app with no .app anywhere",
        OK,
        r2=['{newapp,"1.0"}'],
    ),
    Case(
        "221-err-app-only-other-version",
        "ERROR: only another version's .app exists (no_valid_version)",
        [App("myapp", "1.0", MODS1)],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    one(
        "222-err-duplicate-modules",
        "ERROR: two apps of the new release both list module ma",
        OK,
        apps=[App("other", "1.0", ["o1", "ma"])],
        r2=['{other,"1.0"}'],
    ),
    Case(
        "223-err-undefined-application-dependency",
        "ERROR: a new-release app depends on an app not in the release",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                uses=["kernel", "stdlib", "nosuch"],
                appup=appup("2.0", [('"1.0"', OK)], [('"1.0"', OK)]),
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    Case(
        "224-err-circular-dependency",
        "ERROR: two apps depend on each other",
        [
            App("myapp", "1.0", MODS1),
            App("ping", "1.0", ["p1"], uses=["kernel", "stdlib", "pong"]),
            App("pong", "1.0", ["q1"], uses=["kernel", "stdlib", "ping"]),
        ],
        {
            "r1": rel("1", ['{myapp,"1.0"}']),
            "r2": rel("2", ['{myapp,"1.0"}', '{ping,"1.0"}', '{pong,"1.0"}']),
        },
    ),
    Case(
        "225-err-kernel-missing",
        "ERROR: the new release has no kernel (missing_mandatory_app)",
        [App("myapp", "1.0", MODS1, uses=["stdlib"])],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}'], core=CORE[1:])},
    ),
    Case(
        "226-err-stdlib-not-permanent",
        "ERROR: stdlib is temporary in the new release (mandatory_app)",
        [App("myapp", "1.0", MODS1)],
        {
            "r1": rel("1", ['{myapp,"1.0"}']),
            "r2": rel(
                "2", ['{myapp,"1.0"}'], core=[CORE[0], f'{{stdlib,"{STDLIB}",temporary}}', CORE[2]]
            ),
        },
    ),
    Case(
        "227-err-app-parse-error",
        "ERROR: an added app's .app does not parse (error_reading, parse_error)",
        [
            App("myapp", "1.0", MODS1),
            App("bad", "1.0", [], raw_app='{application,bad,[{vsn,"1.0"},{modules,[b1}]}.\n'),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}', '{bad,"1.0"}'])},
    ),
    Case(
        "228-err-base-rel-missing",
        "ERROR: an up base .rel file that does not exist",
        [App("myapp", "1.0", MODS1)],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}'])},
        up=["r1", "r9"],
    ),
    # ---- more reading, version-key and warning corner cases ----------------------
    one(
        "229-err-appup-scan-error",
        "ERROR: .appup with an unterminated string (file_problem, read)",
        '[{apply,{io,format,["oops]}}]',
        OK,
    ),
    Case(
        "230-appup-trailing-terms-ignored",
        "only the first term of an .appup is read",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup("2.0", [('"1.0"', "[{update,ma}]")], [('"1.0"', "[{update,ma}]")])
                + '{"2.0",[{"1.0",[{update,mb}]}],[]}.\nnot even a term\n',
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    Case(
        "231-appup-odd-entries-skipped",
        "entries that are not {Key,Script} pairs, and non-string keys, are skipped",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup='{"2.0",\n [garbage,{"1.0",[{update,mb}],extra},{1.0,[{update,mc}]},42,\n'
                '  {"1.0",[{update,ma}]}],\n [{["1.0"],[]},"1.0",{"1.0",[{update,md}]}]}.\n',
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    one(
        "232-bad-vsn-atom-appup-version",
        "appup version is an atom: bad_vsn warning carries it",
        "[{load_module,ma}]",
        appup_vsn="'2.0'",
    ),
    Case(
        "233-erts-change-plus-appup-restart-new-emulator",
        "erts change and a restart_new_emulator in an appup: one restart_new_emulator",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0",
                    [('"1.0"', "[{load_module,ma},restart_new_emulator]")],
                    [('"1.0"', "[restart_new_emulator,restart_emulator,{load_module,ma}]")],
                ),
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'], erts="13.2")},
    ),
    Case(
        "234-erts-change-release-names-differ",
        "erts_vsn_changed names both releases: top name first, base name second",
        [App("myapp", "1.0", MODS1)],
        {
            "r1": rel("1", ['{myapp,"1.0"}'], erts="13.1.4").replace('"sys"', '"oldsys"'),
            "r2": rel("2", ['{myapp,"1.0"}']),
        },
    ),
    Case(
        "235-pre-r15-sasl-string-compare",
        'base sasl "2.10" compares < "2.2" as a string: treated as pre-R15',
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0", [('"1.0"', "[{load_module,ma}]")], [('"1.0"', "[{load_module,ma}]")]
                ),
            ),
            stub("sasl", "2.10", ["kernel", "stdlib"]),
        ],
        {
            "r1": rel(
                "1",
                ['{myapp,"1.0"}'],
                erts="5.10",
                core=[f'{{kernel,"{KERNEL}"}}', f'{{stdlib,"{STDLIB}"}}', '{sasl,"2.10"}'],
            ),
            "r2": rel("2", ['{myapp,"2.0"}']),
        },
        extra={
            "lib/sasl-4.2/ebin/sasl.appup": appup("4.2", [('"2.10"', "[]")], [('"2.10"', "[]")])
        },
    ),
    Case(
        "236-appup-latin1-encoding",
        "an .appup declared %% coding: latin-1 with a latin-1 string and atom in Extra",
        [App("myapp", "1.0", MODS1), App("myapp", "2.0", MODS2, appup="")],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
        extra={
            "lib/myapp-2.0/ebin/myapp.appup": (
                '%% coding: latin-1\n{"2.0",'
                '[{"1.0",[{update,ma,{advanced,{"caf\xe9",\'\xe9t\xe9\'}}}]}],'
                '[{"1.0",[{update,ma}]}]}.\n'
            ).encode("latin-1")
        },
    ),
    # ---- more instruction errors -------------------------------------------------------
    one(
        "237-err-update-supervisor-depmods",
        "ERROR: {update,M,supervisor,DepMods} does not exist",
        "[{update,sup1,supervisor,[ma]},{update,ma}]",
        OK,
    ),
    one(
        "238-err-load-module-4",
        "ERROR: {load_module,M,Pre,Post} does not exist",
        "[{load_module,ma,soft_purge,soft_purge}]",
        OK,
    ),
    one(
        "239-err-suspend-bad-timeout",
        "ERROR: hand-written suspend with {M,0} (bad_timeout)",
        "[{suspend,[ma,{mb,0}]},{resume,[mb,ma]}]",
        OK,
    ),
    one(
        "240-err-sync-nodes-bad-func",
        "ERROR: sync_nodes MFA with a string function (bad_func)",
        '[{sync_nodes,id,{myapp,"nodes",[]}}]',
        OK,
    ),
    one(
        "241-err-sync-nodes-bad-list",
        "ERROR: sync_nodes with an atom for the node list (bad_list)",
        "[{sync_nodes,id,all_nodes}]",
        OK,
    ),
    one(
        "242-err-apply-bad-module",
        "ERROR: apply with a string module (bad_module)",
        '[{apply,{"myapp",f,[]}}]',
        OK,
    ),
    one(
        "243-err-bad-op-before-ponr-nested",
        "ERROR: a nested short form before the PONR is shown unexpanded",
        "[[{load_module,ma}],point_of_no_return]",
        OK,
    ),
    # ---- error precedence --------------------------------------------------------------
    one(
        "244-err-precedence-merge-before-syntax",
        "ERROR: too_many_point_of_no_return wins over a syntax error",
        "[{apply,{myapp,f,a}},point_of_no_return,point_of_no_return]",
        OK,
    ),
    one(
        "245-err-precedence-syntax-before-pairing",
        "ERROR: a later syntax error wins over an unpaired suspend",
        "[{suspend,[ma]},{apply,{myapp,f,a}}]",
        OK,
    ),
    one(
        "246-err-precedence-load-before-suspend",
        "ERROR: no_object_code wins over suspended_not_resumed",
        "[{suspend,[ma]},{load,{ma,brutal_purge,brutal_purge}}]",
        OK,
    ),
    one(
        "247-err-precedence-application-before-muldef",
        "ERROR: an application error wins over an earlier muldef_module",
        "[{update,ma},{update,ma},{add_application,nosuch}]",
        OK,
    ),
    one(
        "248-err-precedence-undef-before-no-such-module",
        "ERROR: undef_module wins over an earlier no_such_module",
        "[{load_module,nosuch},{update,ma,[zz]}]",
        OK,
    ),
    one(
        "249-err-precedence-no-such-module-before-conflicting",
        "ERROR: no_such_module wins over conflicting_versions",
        '[{load_object_code,{myapp,"1.9",[ma]}},{load_module,mb},{load_module,nosuch}]',
        OK,
    ),
    one(
        "250-err-muldef-with-restart-application",
        "ERROR: appup loads a module that a restart_application also loads (muldef_module)",
        "[{restart_application,other},{load_module,o1}]",
        OK,
        apps=[App("other", "1.0", ["o1"])],
        r1=['{other,"1.0"}'],
        r2=['{other,"1.0"}'],
    ),
    Case(
        "251-err-muldef-across-apps",
        "ERROR: two applications' appups both load b1 (muldef_module)",
        [
            *changed("alpha", "1.0", "1.1", ["a1"], "[{load_module,b1}]", "[{load_module,a1}]"),
            *changed("beta", "1.0", "1.1", ["b1"], "[{load_module,b1}]", "[{load_module,b1}]"),
        ],
        {
            "r1": rel("1", ['{alpha,"1.0"}', '{beta,"1.0"}']),
            "r2": rel("2", ['{alpha,"1.1"}', '{beta,"1.1"}']),
        },
    ),
    Case(
        "252-err-undef-module-one-base-only",
        "ERROR: DepMods valid for the first up base, undefined for the second (undef_module)",
        [
            App("myapp", "1.0", MODS1),
            App("myapp", "1.1", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0",
                    [
                        ('"1.0"', "[{update,ma,[mb]},{load_module,mb}]"),
                        ('"1.1"', "[{update,ma,[mb]}]"),
                    ],
                    [('"1.0"', OK), ('"1.1"', OK)],
                ),
            ),
        ],
        {
            "r1": rel("1", ['{myapp,"1.0"}']),
            "r1b": rel("1b", ['{myapp,"1.1"}']),
            "r2": rel("2", ['{myapp,"2.0"}']),
        },
        up=["r1", "r1b"],
        down=["r1"],
    ),
    # ---- more systools_make errors -----------------------------------------------------
    Case(
        "253-err-override-include",
        "ERROR: a .rel include list names an app the .app does not include",
        [
            App("myapp", "1.0", MODS1),
            App("top", "1.0", ["t1"], incl=["inc_a"]),
            App("inc_a", "1.0", ["ia1"]),
            App("inc_b", "1.0", ["ib1"]),
        ],
        {
            "r1": rel("1", ['{myapp,"1.0"}']),
            "r2": rel(
                "2", ['{myapp,"1.0"}', '{top,"1.0",[inc_b]}', '{inc_a,"1.0"}', '{inc_b,"1.0"}']
            ),
        },
    ),
    Case(
        "254-err-duplicate-include",
        "ERROR: two applications include the same application",
        [
            App("myapp", "1.0", MODS1),
            App("top_a", "1.0", ["ta1"], incl=["shared"]),
            App("top_b", "1.0", ["tb1"], incl=["shared"]),
            App("shared", "1.0", ["s1"]),
        ],
        {
            "r1": rel("1", ['{myapp,"1.0"}']),
            "r2": rel("2", ['{myapp,"1.0"}', '{top_a,"1.0"}', '{top_b,"1.0"}', '{shared,"1.0"}']),
        },
    ),
    Case(
        "255-err-included-app-not-in-release",
        "ERROR: an included application is missing from the release (undefined_applications)",
        [App("myapp", "1.0", MODS1), App("top", "1.0", ["t1"], incl=["inc_gone"])],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"1.0"}', '{top,"1.0"}'])},
    ),
    # ---- reading and pass-through details ------------------------------------------
    Case(
        "256-err-appup-no-final-dot",
        "ERROR: .appup term without its final dot (file_problem, read)",
        [
            App("myapp", "1.0", MODS1),
            App("myapp", "2.0", MODS2, appup='{"2.0",[{"1.0",[{load_module,ma}]}],[{"1.0",[]}]}\n'),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    one(
        "257-bad-vsn-binary-appup-version",
        "appup version is a binary: bad_vsn warning (binary is no string)",
        "[{load_module,ma}]",
        appup_vsn='<<"2.0">>',
    ),
    Case(
        "258-appup-key-char-list-and-adjacent-strings",
        "version keys written as a list of character codes and as adjacent strings match",
        [
            App("myapp", "1.0", MODS1),
            App(
                "myapp",
                "2.0",
                MODS2,
                appup=appup(
                    "2.0", [("[49,46,48]", "[{update,ma}]")], [('"1." "0"', "[{update,mb}]")]
                ),
            ),
        ],
        {"r1": rel("1", ['{myapp,"1.0"}']), "r2": rel("2", ['{myapp,"2.0"}'])},
    ),
    one(
        "259-apply-improper-args-list",
        "apply with an improper argument list is accepted and kept",
        "[{apply,{myapp,f,[a|b]}}]",
        "[{apply,{myapp,g,[1,2|[3]]}}]",
    ),
    one(
        "260-err-purge-string",
        'ERROR: {purge,"ab"}: a string is a list of integers (bad_module 97)',
        '[{purge,"ab"}]',
        OK,
    ),
    one(
        "261-ll-code-change-not-suspended-accepted",
        "code_change of a module never suspended is accepted (OTP's check is dead code)",
        "[{suspend,[ma]},{code_change,up,[{mb,x}]},{resume,[ma]},{code_change,[{mc,y}]}]",
    ),
    Case(
        "262-boot-order-include-quirks",
        "an included app depending on its includer boots first; a dependency on an included app "
        "counts as one on its includer",
        [
            *changed(
                "user",
                "1.0",
                "1.1",
                ["u1"],
                "[{apply,{user,up,[]}}]",
                "[{apply,{user,dn,[]}}]",
                uses=["kernel", "stdlib", "inc"],
            ),
            *changed(
                "top",
                "1.0",
                "1.1",
                ["t1"],
                "[{apply,{top,up,[]}}]",
                "[{apply,{top,dn,[]}}]",
                incl=["inc"],
            ),
            *changed(
                "inc",
                "1.0",
                "1.1",
                ["i1"],
                "[{apply,{inc,up,[]}}]",
                "[{apply,{inc,dn,[]}}]",
                uses=["kernel", "stdlib", "top"],
            ),
        ],
        {
            "r1": rel("1", ['{user,"1.0"}', '{top,"1.0"}', '{inc,"1.0"}']),
            "r2": rel("2", ['{user,"1.1"}', '{top,"1.1"}', '{inc,"1.1"}']),
        },
    ),
]


# --------------------------------------------------------------------------------------
# Writing and running
# --------------------------------------------------------------------------------------

CASE_DIR = re.compile(r"^\d{3}-[a-z0-9-]+$")


def write_inputs(case: Case) -> Path:
    directory = HERE / case.name
    if directory.exists():
        shutil.rmtree(directory)
    for rel_path, text in case.files().items():
        path = directory / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return directory


def run_otp(directory: Path, out: Path, *perturb: str) -> dict[str, bytes]:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["escript", str(ESCRIPT), str(out.resolve()), *perturb],
        cwd=directory,
        check=True,
        capture_output=True,
    )
    return {p.name: p.read_bytes() for p in sorted(out.glob("expected.*"))}


def produce(case: Case, check: bool) -> str | None:
    """Write one case and its expectations; return a problem description or None."""
    directory = write_inputs(case)
    recorded = run_otp(directory, directory)
    if not recorded:
        return f"{case.name}: OTP wrote nothing"
    if check:
        for count in PERTURBATIONS:
            with tempfile.TemporaryDirectory() as tmp:
                other = run_otp(directory, Path(tmp), "perturb", count)
            if other != recorded:
                return f"{case.name}: result depends on the atom table (perturbation {count})"
    return None


README_HEAD = """\
# Golden relup cases produced by OTP (relup's own corpus)

More cases in the layout of `shared/otp-vectors` (see its README for the layout, the
`case.txt` keys and how to compare). `tests/plan/test_otp_vectors.py` runs them next to
the shared vectors. Each case is small and aims at one instruction form, option, ordering
rule or error, so that a failing case names what is wrong.

Produced with: Erlang/OTP 25, erts 13.1.5, sasl 4.2 (`systools:make_relup/4` with
options `{path, ["lib/*/ebin"]}`, `{outdir, Tmp}`, `silent` and the case's options),
by `make_cases.py` in this directory: it writes every case's inputs from the compact
descriptions in that file, then runs `run_make_relup.escript` in the case directory,
which writes `expected.relup` (the file systools wrote, unchanged), `expected.error`
(`~p` of `{error, Module, Reason}`) and, when the list is not empty, `expected.warnings`
(`~p` of the warnings). The tests never need Erlang; only regeneration does:

    python3 tests/data/otp_cases/make_cases.py

Stub `kernel` (8.5.3), `stdlib` (4.2) and `sasl` (4.2) `.app` files are included in
every case, as in the shared vectors. Descriptions of base releases (which `case.txt`
cannot express) are always `[]`.

No case depends on OTP's order among DepMods-unrelated modules (a hash-table artifact):
`make_cases.py` reruns every case in five differently prepared VMs (dummy atoms created
first, the case's own words created in reverse order) and rejects any case whose output
changes. All cases here gave identical output in every run.

## Cases

"""


def write_readme() -> None:
    lines = [f"* `{c.name}`: {c.doc}\n" for c in CASES]
    (HERE / "README.md").write_text(README_HEAD + "".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs-only", action="store_true", help="do not run OTP")
    parser.add_argument("--no-check", action="store_true", help="skip the stability reruns")
    parser.add_argument("--only", nargs="*", help="case names to (re)generate")
    args = parser.parse_args()

    names = [c.name for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    assert all(CASE_DIR.match(n) for n in names), "bad case name"
    selected = [c for c in CASES if not args.only or c.name in args.only]
    if not args.only:
        for old in HERE.iterdir():
            if old.is_dir() and CASE_DIR.match(old.name):
                shutil.rmtree(old)
    write_readme()
    if args.inputs_only:
        for case in selected:
            write_inputs(case)
        return 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        problems = [p for p in pool.map(lambda c: produce(c, not args.no_check), selected) if p]
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(selected)} cases written, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
