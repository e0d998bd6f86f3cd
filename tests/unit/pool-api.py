#!/usr/bin/env python3
"""pool.* and guest.* on a real tarnd (ASan/UBSan build) on loopback, with its
embedded dqlite pool node on a free port: the pool, guest definitions,
refusals as faults with stable codes, and the data surviving a kill -9 and
a restart of the agent."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from ports import free_port  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault, TARND, LOGS  # noqa: E402

TOP = tarnd.TOP
PASSWORD = "correct horse battery"

WEB1 = """# a PV guest, as xl takes it
name = "web1"
memory = 256
vcpus = 2
kernel = "/var/lib/tarn/kernels/vmlinuz"
disk = [ 'phy:/dev/vg0/web1,xvda,w' ]
"""


def Agent(state, port, pool_port, pool_listen=None, extra=()):
    return tarnd.Agent(state, port, pool_listen or f"127.0.0.1:{pool_port}", PASSWORD, log="pool-api.tarnd.log",
                       extra=extra)


def pool_and_guests(a):
    api = a.api
    code, msg = fault(api.pool.info)
    report("pool: pool.info before pool.create is fault -500 saying so",
           code == -500 and "no pool yet" in msg, (code, msg))
    code, info = fault(api.pool.create, "lab")
    report("pool: pool.create makes a pool of one", code is None and info["name"] == "lab"
           and len(info["uuid"]) == 36, (code, info))
    code, msg = fault(api.pool.create, "other")
    report("pool: a second pool.create is fault -500 naming the pool",
           code == -500 and "already in pool lab" in msg, (code, msg))
    code, info = fault(api.pool.info)
    members = info.get("members", []) if code is None else []
    report("pool: pool.info names this host master and leader",
           code is None and info["master"] is True and info["leader"] == a.pool_listen, info)
    report("pool: the only member has its address and every role",
           len(members) == 1 and members[0]["address"] == a.pool_listen
           and members[0]["roles"] == ["master", "utility", "vm-server"], members)
    code, ok = fault(api.pool.setRoles, "vm-server")
    roles = fault(api.pool.members)[1][0]["roles"] if code is None else None
    report("pool: pool.setRoles keeps this host's chosen roles (the master is still shown)",
           code is None and roles == ["master", "vm-server"], (code, ok, roles))
    code, msg = fault(api.pool.setRoles, "master")
    report("pool: the master is not a role to choose: fault -500 saying why",
           code == -500 and "whichever member leads" in msg, (code, msg))
    code, msg = fault(api.pool.setRoles, "vm-server,storage")
    report("pool: an unknown role is fault -500 naming it and the roles there are",
           code == -500 and "no role storage" in msg and "utility and vm-server" in msg, (code, msg))
    code, _ = fault(api.pool.setRoles, "utility,vm-server")
    report("pool: a refused change left the roles as they were, and they can be put back",
           code is None and fault(api.pool.members)[1][0]["roles"] == ["master", "utility", "vm-server"],
           fault(api.pool.members))

    code, g = fault(api.guest.define, WEB1)
    report("guest: guest.define takes an xl.cfg and returns the guest",
           code is None and g["name"] == "web1" and len(g["uuid"]) == 36 and g["desired"] == "stopped"
           and g["actual"] == "unknown" and g["type"] == "pv" and g["memory"] == 256 and g["vcpus"] == 2,
           (code, g))
    report("place: a guest defined on a VM-server member is placed on it (its id and address)",
           code is None and members and g["host"] == members[0]["id"] and g["host_address"] == a.pool_listen,
           (g, members))
    code, msg = fault(api.guest.define, WEB1)
    report("guest: a duplicate name is fault -500", code == -500 and "named web1 is already" in msg,
           (code, msg))
    code, msg = fault(api.guest.define, 'name = "bad"\nmemory = 256 256\n')
    report("guest: a corrupt xl.cfg is fault -500 naming the line",
           code == -500 and msg.startswith("xl.cfg:2: config parsing error"), (code, msg))
    code, msg = fault(api.guest.define, 'name = "x"\ntype = "xen"\nmemory = 64\n')
    report("guest: an unknown type is fault -500 naming it", code == -500 and "type xen is not" in msg,
           (code, msg))
    code, msg = fault(api.guest.define, 'name = "x"\nmemory = 64\nkernel = "vmlinuz"\n')
    report("guest: a relative kernel path is fault -500", code == -500 and "kernel:" in msg, (code, msg))
    code, msg = fault(api.guest.define, 42)
    report("guest: a config that is not a string is fault -501", code == -501, (code, msg))

    code, lst = fault(api.guest.list)
    report("guest: guest.list shows desired beside actual state",
           code is None and [(x["name"], x["desired"], x["actual"]) for x in lst] == [("web1", "stopped", "unknown")],
           (code, lst))
    code, g = fault(api.guest.get, "web1")
    report("guest: guest.get returns the xl.cfg as given", code is None and g["xlcfg"] == WEB1, (code, g))
    code, msg = fault(api.guest.get, "nope")
    report("guest: a missing guest is fault -500 naming it", code == -500 and "no guest named nope" in msg,
           (code, msg))
    code, ok = fault(api.guest.setState, "web1", "running")
    g = api.guest.get("web1")
    report("guest: guest.setState records the desired state", ok is True and g["desired"] == "running", g)
    code, ok = fault(api.guest.setHa, "web1", True)
    report("guest: guest.setHa records the HA flag", ok is True and api.guest.get("web1")["ha"] is True, (code, ok))
    code, msg = fault(api.guest.setState, "web1", "asleep")
    report("guest: an unknown state is fault -500", code == -500 and "asleep is not a power state" in msg,
           (code, msg))
    code, msg = fault(api.guest.setState, "ghost", "paused")
    report("guest: setting a missing guest's state is fault -500", code == -500 and "ghost" in msg, (code, msg))
    code, msg = fault(api.guest.undefine, "web1")
    report("guest: a guest meant to run is not undefined", code == -500 and "stop it first" in msg,
           (code, msg))
    placing(api, members[0] if members else {})
    web2 = WEB1.replace("web1", "web2")
    code, _ = fault(api.guest.define, web2)
    code2, _ = fault(api.guest.define, WEB1.replace("web1", "tmp"))
    code3, ok = fault(api.guest.undefine, "tmp")
    names = [x["name"] for x in api.guest.list()]
    report("guest: guest.undefine removes a stopped guest", code is None and code2 is None and ok is True
           and names == ["web1", "web2"], names)
    g = api.guest.get("web2")
    code, ok = fault(api.guest.place, "web2", a.pool_listen)
    h = api.guest.get("web2")
    report("place: a stopped guest is placed by a member's pool address (a new generation)",
           ok is True and h["host"] == g["host"] and h["host_address"] == a.pool_listen and h["gen"] == g["gen"] + 1,
           (code, ok, h))
    guest_runtime_methods(api)


def placing(api, me):
    """guest.place: only a stopped guest, only to a member that is there."""
    code, msg = fault(api.guest.place, "web1", me.get("id", "?"))
    report("place: a guest meant to run is not moved", code == -500
           and "stop it first, or move it live (guest.migrate)" in msg, (code, msg))
    code, msg = fault(api.guest.place, "web1", "12345")
    report("place: a member that does not exist is refused, saying so",
           code == -500 and "no member 12345 in the pool" in msg, (code, msg))
    code, msg = fault(api.guest.place, "ghost", me.get("address", "?"))
    report("place: a missing guest is refused", code == -500 and "no guest named ghost" in msg, (code, msg))
    code, msg = fault(api.guest.place, "web1", "")
    report("place: an empty member is refused", code == -500 and "id or pool address" in msg, (code, msg))


def guest_runtime_methods(api):
    """What the API records for the engine: requests, the drift policy, pins
    (checked against the guest's vCPUs), a stop's timeout."""
    code, msg = fault(api.guest.reboot, "web2")
    report("guest: rebooting a guest meant to be stopped is fault -500", code == -500 and "start it instead" in msg,
           (code, msg))
    g = api.guest.get("web2")
    code, ok = fault(api.guest.setState, "web2", "running")
    code2, ok2 = fault(api.guest.reboot, "web2")
    h = api.guest.get("web2")
    report("guest: guest.reboot records a request and a new generation",
           ok is True and ok2 is True and h["request"] == "reboot" and h["gen"] == g["gen"] + 2, h)
    code, ok = fault(api.guest.setState, "web2", "stopped", 5)
    h = api.guest.get("web2")
    report("guest: guest.setState stopped with a timeout records it and clears the request",
           ok is True and h["desired"] == "stopped" and h["stop_timeout"] == 5 and h["request"] == "", (code, h))
    code, msg = fault(api.guest.setState, "web2", "stopped", 9999)
    report("guest: a timeout over an hour is fault -500", code == -500 and "timeout" in msg, (code, msg))
    code, ok = fault(api.guest.destroy, "web2")
    h = api.guest.get("web2")
    report("guest: guest.destroy asks for a destroy; the guest is meant to be stopped",
           ok is True and h["request"] == "destroy" and h["desired"] == "stopped", (code, h))
    code, ok = fault(api.guest.setDriftPolicy, "web2", "leave")
    code2, msg = fault(api.guest.setDriftPolicy, "web2", "shrug")
    report("guest: guest.setDriftPolicy records restore or leave, nothing else",
           ok is True and api.guest.get("web2")["drift"] == "leave" and code2 == -500 and "restore or leave" in msg,
           (code, code2, msg))
    code, ok = fault(api.guest.pin, "web2", 1, "0,1")
    code2, msg = fault(api.guest.pin, "web2", 2, "1")
    code3, msg3 = fault(api.guest.pin, "web2", 0, "nodes:0")
    report("guest: guest.pin records a pin within the guest's vCPUs, with a clear refusal otherwise",
           ok is True and api.guest.get("web2")["pins"] == "1:0-1" and code2 == -500 and "vCPUs 0 to 1" in msg
           and code3 == -500 and "NUMA" in msg3, (code, code2, msg, code3, msg3))
    g = api.guest.get("web2")
    report("guest: what the engine reports is there before it reports: unknown, no domain, no error",
           g["actual"] == "unknown" and g["domid"] == -1 and g["error"] == "" and g["affinity"] == "", g)


def main():
    open(os.path.join(LOGS, "pool-api.tarnd.log"), "w").close()
    state = tempfile.mkdtemp(prefix="pool-api-")
    port, pool_port = free_port(), free_port()
    subprocess.run([TARND, "--set-password", "--state", state], input=(PASSWORD + "\n").encode(),
                   capture_output=True)
    a = Agent(state, port, pool_port)
    try:
        report("pool: the pool node elects itself", a.wait_pool(), "pool.info kept failing with -32500")
        pool_and_guests(a)
        node_id = open(os.path.join(state, "pool", "node", "node-id")).read().strip()
        owner = os.stat(os.path.join(state, "pool")).st_uid
        report("pool: the node keeps its id and data under STATE/pool, owned by the API user",
               node_id == "1" and owner != 0, (node_id, owner))
        before = a.api.pool.info()
        code, msg = fault(a.api.pool.setAddress, "10.0.0.1")
        code2, ok = fault(a.api.pool.setAddress, a.pool_listen)
        report("pool: pool.setAddress refuses what is not IPv4:port and stores one that is",
               code == -500 and "not an IPv4 address:port" in msg and ok is True, (code, msg, code2, ok))
        a.kill9()
        # restarted without --pool-listen: the stored address
        a = tarnd.Agent(state, port, None, PASSWORD, log="pool-api.tarnd.log")
        a.pool_listen = f"127.0.0.1:{pool_port}"
        up = a.wait_pool()
        code, info = fault(a.api.pool.info)
        report("pool: after kill -9 and a restart on the stored pool address, the pool is the same",
               up and code is None and info["uuid"] == before["uuid"] and info["address"] == a.pool_listen,
               (code, info))
        code, lst = fault(a.api.guest.list)
        report("guest: after kill -9 and a restart, every guest and its desired state is there",
               code is None and [(x["name"], x["desired"]) for x in lst] == [("web1", "running"), ("web2", "stopped")],
               (code, lst))
    finally:
        rc = a.stop()
        report("pool: tarnd with its pool node stops cleanly on SIGTERM, no sanitizer report", rc == 0,
               f"exit {rc}; see pool-api.tarnd.log")

    # a pool node that cannot start: the rest of the API still serves
    b = Agent(state, free_port(), 0, pool_listen="not-an-address")
    try:
        code, msg = fault(b.api.pool.info)
        report("pool: without a pool node, pool calls are fault -32500", code == -32500 and "not running" in msg,
               (code, msg))
        code, echo = fault(b.api.system.echo, "still here")
        report("pool: without a pool node, the rest of the API serves", echo == "still here", (code, echo))
    finally:
        rc = b.stop()
    report("pool: without a pool node, tarnd still stops cleanly", rc == 0, f"exit {rc}")
    # a pool address in use
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        c = Agent(state, free_port(), taken.getsockname()[1])
        code, _ = fault(c.api.pool.info)
        rc = c.stop()
    log = open(os.path.join(LOGS, "pool-api.tarnd.log")).read()
    report("pool: a bad --pool-listen is named in the log", "not-an-address is not an IPv4 address:port" in log,
           "see pool-api.tarnd.log")
    report("pool: a pool address in use is named in the log, and the agent still serves",
           f"cannot listen on {c.pool_listen}: Address already in use" in log and code == -32500 and rc == 0,
           (code, rc))
    shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    subprocess.run(["make", "-s", "-C", TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
