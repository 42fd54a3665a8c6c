"""relup's node runtime: Erlang-style processes, gen_servers and hot code loading on asyncio.

Code inside a process uses :mod:`relup.runtime.process` (``self``, ``send``,
``receive``, ``spawn``, ``then``...), :mod:`relup.runtime.gen_server` and
:mod:`relup.runtime.sys_ops`; the :class:`Node` owns the registries, the code server
(``node.code``) and the application controller (``node.apps``). Converting between
Erlang term text and the Python values processes exchange is the release layer's job
(:mod:`relup.release.term_mapping`): the runtime knows nothing of term text.
"""

from relup.runtime import gen_server, process, supervisor, sys_ops, tcp, timers
from relup.runtime._errors import (
    ApplicationError,
    CallError,
    CallTimeout,
    CodeChangeError,
    CodeError,
    Exit,
    GetModulesFailed,
    LoadError,
    NameTaken,
    NodeError,
    NoProc,
    NotLoaded,
    NotPurged,
    OldProcesses,
    ReceiveTimeout,
    StartError,
    SupervisorError,
    SuspendedSupervisor,
    TermMappingError,
)
from relup.runtime._process import Pid, Process, Ref
from relup.runtime.application import ApplicationController, AppSpec, supervised_processes
from relup.runtime.code_server import CodeServer
from relup.runtime.handles import ModuleHandle, ModuleVersion
from relup.runtime.node import Node, ProcessInfo, current_node
from relup.runtime.supervisor import ChildSpec

__all__ = [
    "AppSpec",
    "ApplicationController",
    "ApplicationError",
    "CallError",
    "CallTimeout",
    "ChildSpec",
    "CodeChangeError",
    "CodeError",
    "CodeServer",
    "Exit",
    "GetModulesFailed",
    "LoadError",
    "ModuleHandle",
    "ModuleVersion",
    "NameTaken",
    "NoProc",
    "Node",
    "NodeError",
    "NotLoaded",
    "NotPurged",
    "OldProcesses",
    "Pid",
    "Process",
    "ProcessInfo",
    "ReceiveTimeout",
    "Ref",
    "StartError",
    "SupervisorError",
    "SuspendedSupervisor",
    "TermMappingError",
    "current_node",
    "gen_server",
    "process",
    "supervised_processes",
    "supervisor",
    "sys_ops",
    "tcp",
    "timers",
]
