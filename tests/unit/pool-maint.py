#!/usr/bin/env python3
"""Pool maintenance on four real tarnd (ASan/UBSan build) on 127.0.0.11-14,
as pool-cluster.py runs them: designating the master by hand (and the
refusals: unknown, not a voter, down), maintenance mode (no new guests
there; running guests moved to other VM servers with memory free; a guest
that cannot move reported and left alone; tarnctl host evacuate --reboot),
and tarn-pool-recover bringing a pool back after two of its three voters
die for good: the two members left, with its data."""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault  # noqa: E402

_spec = importlib.util.spec_from_file_location("pool_cluster", os.path.join(os.path.dirname(__file__),
                                                                            "pool-cluster.py"))
pc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pc)
Host, info, until, roles, names, member_id = pc.Host, pc.info, pc.until, pc.roles, pc.names, pc.member_id
GUEST, POOL_PASSWORD, PASSWORD = pc.GUEST, pc.POOL_PASSWORD, pc.PASSWORD
pc.LOG = LOG = "pool-maint.tarnd.log"
RECOVER = os.path.join(tarnd.TOP, "out", "c-san", "tarn-pool-recover")


def member(h, of):
    """of's row in pool.members as h sees it."""
    return next((m for m in (info(h) or {}).get("members", []) if m["address"] == of.pool_address), {})


def tarnctl(h, *args):
    env = dict(os.environ, TARN_PASSWORD=PASSWORD)
    p = subprocess.run([os.path.join(tarnd.TOP, "out", "c-san", "tarnctl"), "--host", h.ip, "--port", str(h.port),
                        "--insecure", *args], capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout + p.stderr


def form(a, b, c, d):
    code, _ = fault(a.api.pool.create, "maint", POOL_PASSWORD)
    ok = code is None and all(fault(h.api.pool.join, a.master_spec, POOL_PASSWORD, a.api.host.info()["fingerprint"])[0] is None for h in (b, c))
    want = {h.pool_address: "voter" for h in (a, b, c)}
    report("setup: a pool of three voters", ok and until(10, lambda: roles(a) == want), roles(a))


def set_master(a, b, c, d):
    code, msg = fault(a.api.pool.setMaster, "127.0.0.9:8900")
    report("master: an unknown member is refused", code == -500 and "no member 127.0.0.9:8900" in msg, (code, msg))
    t = time.time()
    code, i = fault(c.api.pool.setMaster, b.pool_address)
    took = time.time() - t
    print(f"# pool.setMaster: {took:.2f} s until the new master leads")
    report("master: pool.setMaster hands the master's role to B, asked on C",
           code is None and i["leader"] == b.pool_address, (code, i))
    report("master: every member sees B as master",
           all((info(h) or {}).get("leader") == b.pool_address for h in (a, b, c))
           and member(a, b).get("master") is True, [info(h) for h in (a, b, c)])
    code, _ = fault(a.api.guest.define, GUEST.format("after-handover"))
    report("master: the pool takes writes under its new master", code is None, code)
    rc, out = tarnctl(a, "pool", "master", a.pool_address)
    report("master: tarnctl pool master makes A master again", rc == 0 and (info(b) or {}).get("leader")
           == a.pool_address, (rc, out))
    code, i = fault(b.api.pool.setMaster, member_id(b, a))
    report("master: naming the master it already is (by id) changes nothing",
           code is None and i["leader"] == a.pool_address, (code, i))
    code, _ = fault(d.api.pool.join, a.master_spec, POOL_PASSWORD, a.api.host.info()["fingerprint"])
    code2, msg = fault(a.api.pool.setMaster, d.pool_address)
    report("master: a standby is refused, saying only voters can be master",
           code is None and code2 == -500 and "is a standby, not a voter" in msg, (code, code2, msg))
    c.agent.kill9()
    code, msg = fault(a.api.pool.setMaster, c.pool_address)
    report("master: a voter that is down is refused", code == -500 and "is down" in msg, (code, msg))
    rc, out = tarnctl(a, "pool", "master", "nobody")
    report("tarnctl: pool master of an unknown member exits 1, saying why", rc == 1 and "no member nobody" in out,
           (rc, out))
    c.start()
    report("master: (C back, D took its vote)", until(20, lambda: member(a, c).get("up")
                                                       and roles(a).get(c.pool_address) in ("standby", "voter")),
           roles(a))


def maintenance(a, b, c, d):
    report("maintenance: each member's free memory comes with its heartbeat",
           until(25, lambda: all(m.get("free_mib", -1) > 0 for m in info(a)["members"])),
           [(m["address"], m.get("free_mib")) for m in info(a)["members"]])
    for g in ("mv1", "mv2", "held"):
        fault(b.api.guest.define, GUEST.format(g))
    ok = [fault(b.api.guest.setState, g, s)[1] for g, s in (("mv1", "running"), ("mv2", "running"),
                                                            ("held", "paused"))]
    bid = member_id(a, b)
    report("maintenance: (three guests on B: two meant to run, one paused)",
           ok == [True] * 3 and all(fault(a.api.guest.get, g)[1]["host"] == bid for g in ("mv1", "mv2", "held")),
           ok)
    code, msg = fault(a.api.pool.setMaintenance, "nobody", True)
    report("maintenance: an unknown member is refused", code == -500 and "no member nobody" in msg, (code, msg))
    code, ok = fault(a.api.pool.setMaintenance, b.pool_address, True)
    report("maintenance: pool.setMaintenance puts B in maintenance, shown in pool.members",
           ok is True and member(c, b).get("maintenance") is True, (code, ok, member(c, b)))
    status = until(20, lambda: (lambda s: s if "cannot move" in s and "moving" not in s else None)(
        member(a, b).get("evacuation", "")), 0.3)
    hosts = {g: fault(a.api.guest.get, g)[1] for g in ("mv1", "mv2", "held")}
    report("maintenance: B's running guests are moved to other members, meant to run there",
           all(hosts[g]["host"] not in ("", bid) and hosts[g]["desired"] == "running" for g in ("mv1", "mv2")),
           hosts)
    report("maintenance: a guest that cannot move (paused) is reported, and left on B as it was",
           status and "1 guest(s) cannot move" in status and "held (paused" in status
           and hosts["held"]["host"] == bid and hosts["held"]["desired"] == "paused", (status, hosts["held"]))
    code, g = fault(b.api.guest.define, GUEST.format("new-on-b"))
    report("maintenance: a guest defined through B's own API is placed elsewhere",
           code is None and g["host"] not in ("", bid), (code, g))
    code, msg = fault(a.api.guest.place, "new-on-b", b.pool_address)
    report("maintenance: guest.place onto a member in maintenance is refused",
           code == -500 and "in maintenance" in msg, (code, msg))
    rc, out = tarnctl(a, "pool", "members")
    report("tarnctl: pool members marks the member in maintenance and how its evacuation goes",
           rc == 0 and "MAINTENANCE: 1 guest(s) cannot move" in out, out)
    rc, out = tarnctl(a, "pool", "maintenance", b.pool_address, "off")
    report("maintenance: tarnctl pool maintenance MEMBER off takes B out of it",
           rc == 0 and member(a, b).get("maintenance") is False and member(a, b).get("evacuation") == "",
           (rc, out, member(a, b)))
    code, ok = fault(b.api.guest.setState, "held", "stopped")
    report("maintenance: (the paused guest stopped)", ok is True, (code, ok))


def evacuate(a, b, c, d, power_log):
    """tarnctl host evacuate --reboot on C: its guests go, then the reboot."""
    cid = member_id(a, c)
    for g in ("on-c1", "on-c2"):
        fault(c.api.guest.define, GUEST.format(g))
        fault(c.api.guest.setState, g, "running")
    placed = [fault(a.api.guest.get, g)[1]["host"] for g in ("on-c1", "on-c2")]
    t = time.time()
    rc, out = tarnctl(c, "host", "evacuate", "--reboot", "--timeout", "60")
    print(f"# tarnctl host evacuate: {time.time() - t:.1f} s for two guests (no Xen: no shutdown to wait for)")
    after = [fault(a.api.guest.get, g)[1] for g in ("on-c1", "on-c2")]
    report("evacuate: tarnctl host evacuate --reboot moves this host's guests away, then reboots it",
           placed == [cid, cid] and rc == 0 and all(g["host"] not in ("", cid) and g["desired"] == "running"
                                                    for g in after)
           and until(10, lambda: os.path.exists(power_log) and "reboot" in open(power_log).read()),
           (placed, rc, out, after))
    report("evacuate: C stays in maintenance, its evacuation done", member(a, c).get("maintenance") is True
           and member(a, c).get("evacuation") == "done", member(a, c))
    fault(c.api.guest.define, GUEST.format("stuck-on-c"))
    fault(a.api.guest.place, "stuck-on-c", c.pool_address)  # refused: C is in maintenance
    fault(a.api.pool.setMaintenance, c.pool_address, False)
    fault(a.api.guest.place, "stuck-on-c", c.pool_address)
    fault(c.api.guest.setState, "stuck-on-c", "paused")
    os.remove(power_log)
    rc, out = tarnctl(c, "host", "evacuate", "--shutdown", "--timeout", "30")
    time.sleep(2)
    report("evacuate: with a guest that cannot leave, the host is not powered off, saying why",
           rc == 1 and "cannot leave" in out and not os.path.exists(power_log), (rc, out))
    fault(c.api.guest.setState, "stuck-on-c", "stopped")
    fault(a.api.pool.setMaintenance, c.pool_address, False)


def recover(a, b, c, d):
    """Two of the three voters die for good; the two members left (A, a
    voter, and another) are made the pool: the recovery on A naming the
    other, which then takes A's Raft data."""
    voters = [h for h in (b, c, d) if roles(a).get(h.pool_address) == "voter"]
    other = next(h for h in (b, c, d) if h not in voters[:2])
    lost = voters[:2]
    node, node_o = (os.path.join(h.state, "pool", "node") for h in (a, other))
    report("recover: the agents record the pool's nodes for a recovery",
           until(15, lambda: all(h.pool_address in open(os.path.join(n, "cluster")).read()
                                 for h in (a, b, c, d) for n in (node, node_o))), "no cluster file")
    before = names(a)
    for h in lost:
        h.agent.kill9()
    # a master that lost its majority says "not leader" until it steps down
    seen = []
    code, msg = until(15, lambda: (lambda r: seen.append(r) or (r if r[0] == -32500 and "majority" in r[1]
                                                                    else None))(
        fault(a.api.guest.define, GUEST.format("lost"))), 0.3) or (None, "")
    report("recover: the survivors refuse writes (no majority)", code == -32500 and "majority" in msg
           and all(c == -32500 for c, _ in seen), (code, msg, seen[:3]))
    p = subprocess.run([RECOVER, "--dir", node, "--yes"], capture_output=True, text=True)
    report("recover: tarn-pool-recover refuses while the agent runs",
           p.returncode == 1 and "stop the agent first" in p.stderr, (p.returncode, p.stderr))
    rcs = [a.agent.stop(), other.agent.stop()]
    p = subprocess.run([RECOVER, "--dir", node, "127.0.0.9:1"], capture_output=True, text=True)
    report("recover: a survivor it does not know is refused", p.returncode == 1 and "not a member" in p.stderr,
           (p.returncode, p.stderr))
    cluster = open(os.path.join(node, "cluster")).read()
    p = subprocess.run([RECOVER, "--dir", node, other.pool_address], capture_output=True, text=True)
    report("recover: without --yes it shows the plan and changes nothing",
           p.returncode == 0 and "run again with --yes" in p.stdout and lost[0].pool_address in p.stdout
           and open(os.path.join(node, "cluster")).read() == cluster, (p.returncode, p.stdout, p.stderr))
    p = subprocess.run([RECOVER, "--dir", node, "--yes", other.pool_address], capture_output=True, text=True)
    report("recover: tarn-pool-recover --yes rewrites the configuration to the two survivors",
           rcs == [0, 0] and p.returncode == 0 and all(f"tarnctl pool eject {h.pool_address}" in p.stdout
                                                      for h in lost), (rcs, p.returncode, p.stdout, p.stderr))
    p = subprocess.run([RECOVER, "--dir", node_o, "--take", node_o], capture_output=True, text=True)
    report("recover: --take of a node's own data is refused", p.returncode == 1 and "not another member" in p.stderr,
           (p.returncode, p.stderr))
    copy = os.path.join(os.path.dirname(a.state), "recovered")
    shutil.copytree(node, copy)
    p = subprocess.run([RECOVER, "--dir", node_o, "--take", copy, "--yes"], capture_output=True, text=True)
    report("recover: the other survivor takes the recovered data (--take), keeping its identity",
           p.returncode == 0 and open(os.path.join(node_o, "address")).read().strip() == other.pool_address,
           (p.returncode, p.stdout, p.stderr))
    t = time.time()
    a.start(wait=False)  # neither has a majority without the other
    other.start(wait=False)
    code = until(20, lambda: fault(other.api.guest.define, GUEST.format("after-recovery"))[0] is None)
    print(f"# recovery: the pool takes writes {time.time() - t:.1f} s after the agents start")
    report("recover: the survivors, restarted, take writes again", code, fault(a.api.pool.info))
    report("recover: nothing committed before the loss is lost, seen alike on both",
           names(a) == names(other) == sorted(before + ["after-recovery"]), (before, names(a), names(other)))
    want = {a.pool_address: "voter", other.pool_address: "voter", lost[0].pool_address: "none",
            lost[1].pool_address: "none"}
    report("recover: two voters; the dead members are listed with no Raft role", roles(a) == want, roles(a))
    ok = [fault(a.api.pool.eject, h.pool_address)[1] for h in lost]
    report("recover: the dead members are ejected (their rows go)",
           ok == [True, True] and sorted(m["address"] for m in info(a)["members"])
           == sorted([a.pool_address, other.pool_address]), (ok, info(a)))
    return other


def main():
    open(os.path.join(tarnd.LOGS, LOG), "w").close()
    root = tempfile.mkdtemp(prefix="pool-maint-")
    os.chmod(root, 0o755)
    hosts = [Host(n, f"127.0.0.{k}", root) for k, n in enumerate("abcd", start=11)]
    a, b, c, d = hosts
    power = os.path.join(root, "power.sh")
    power_log = os.path.join(root, "power.log")
    with open(power, "w") as f:
        f.write(f"#!/bin/sh\necho \"$1\" >> {power_log}\n")
    os.chmod(power, 0o755)
    c_start = c.start

    def start_c(wait=True):  # C's power commands are recorded, not run
        c.agent = tarnd.Agent(c.state, c.port, c.pool_address, PASSWORD, log=LOG, host=c.ip,
                              extra=("--power-cmd", power))
        c.api = c.agent.api
        return c.agent.wait_pool() if wait else True
    c.start = start_c
    other = d  # the second survivor, once recover() chose it
    try:
        report("setup: four agents start", all([h.start() for h in hosts]))
        form(*hosts)
        set_master(*hosts)
        maintenance(*hosts)
        evacuate(*hosts, power_log)
        other = recover(*hosts)
    finally:
        c.start = c_start
        rcs = {h.name: h.agent.stop() for h in hosts if h.agent}
    report("the agents not killed stop cleanly, no sanitizer report",
           all(rcs[h.name] == 0 for h in (a, other)), f"{rcs}; see {LOG}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
