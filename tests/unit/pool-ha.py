#!/usr/bin/env python3
"""HA for guests: three real tarnd (the ASan/UBSan build with libxl's test
double, tests/double/libxl.c: a domain is a file in the host's own
directory) in network namespaces of their own, joined by veth pairs to a
bridge in a fourth namespace, where this test runs; real dqlite over real
TCP. The master's link is cut: it refuses writes saying the pool has no
quorum, fences (destroys) its HA guest, and the new master restarts that
guest once on another member, after the fence; the old master, back,
follows and runs nothing twice. Then the member running the guest dies
(agent killed, its domains gone): the guest is restarted once more.
Timings are printed (from the cut or kill to the restart). Throughout, the
pool's virtual IP is held by the master alone, and by none once the agents
stop."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault, until  # noqa: E402

PASSWORD = "correct horse battery"
POOL_PASSWORD = "pool secret ha"
GUEST = 'name = "{}"\nmemory = {}\nkernel = "/var/lib/tarn/kernels/vmlinuz"\n'
LOG = "pool-ha.tarnd.log"
TAG = f"tha{os.getpid() % 100000}"
SWITCH = f"{TAG}-sw"
PORT, POOL_PORT = 18899, 18900  # each host has a network namespace of its own
VIP = "10.77.0.100/24"
DOUBLE = os.path.join(tarnd.TOP, "out", "c-san", "tarnd-double")
TARNCTL = os.path.join(tarnd.TOP, "out", "c-san", "tarnctl")


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Host:
    """One tarnd in namespace TAG-NAME at 10.77.0.K, its domains in xen/."""

    def __init__(self, name, k, root):
        self.name, self.ns, self.ip = name, f"{TAG}-{name}", f"10.77.0.{k}"
        self.link = f"{TAG}{name}"  # the switch's end of its cable
        self.state = os.path.join(root, name)
        self.xen = os.path.join(root, name + "-xen")
        os.makedirs(self.state)
        os.makedirs(self.xen)
        tarnd.set_password(self.state, PASSWORD)
        self.pool_address = f"{self.ip}:{POOL_PORT}"
        self.master_spec = f"{self.ip}:{PORT}"
        self.agent = None
        ip("netns", "add", self.ns)
        ip("link", "add", "eth0", "netns", self.ns, "type", "veth", "peer", "name", self.link, "netns", SWITCH)
        ip("-n", self.ns, "addr", "add", f"{self.ip}/24", "dev", "eth0")
        for dev in ("lo", "eth0"):
            ip("-n", self.ns, "link", "set", dev, "up")
        ip("-n", SWITCH, "link", "set", self.link, "master", "br0", "up")

    def start(self):
        self.agent = tarnd.Agent(self.state, PORT, self.pool_address, PASSWORD, log=LOG, host=self.ip,
                                 extra=["--run-guests"], command=["ip", "netns", "exec", self.ns, DOUBLE],
                                 env={"TARN_XEN_DOUBLE": self.xen})
        return self.agent.wait_pool()

    @property
    def api(self):
        """The agent's API on a new connection: the test waits longer than the server keeps one idle."""
        self.agent.api("close")()
        return self.agent.api

    def holds_vip(self):
        out = subprocess.run(["ip", "-n", self.ns, "-4", "-o", "addr", "show", "dev", "eth0"],
                             capture_output=True, text=True).stdout
        return f" {VIP} " in out

    def cable(self, up):
        ip("-n", SWITCH, "link", "set", self.link, "up" if up else "down")

    def domains(self, name):
        """This host's domains named name, as the double keeps them."""
        found = []
        for f in os.listdir(self.xen):
            try:
                words = open(os.path.join(self.xen, f)).read().split()
            except OSError:  # destroyed meanwhile
                continue
            if f.isdigit() and words and words[0] == name:
                found.append(words[1])
        return found

    def ctl(self, *args):
        """tarnctl from inside the host's namespace: it reaches its own agent when cut off."""
        p = subprocess.run(["ip", "netns", "exec", self.ns, TARNCTL, "--host", self.ip, "--port", str(PORT),
                            "--insecure", *args], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, TARN_PASSWORD=PASSWORD), stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout + p.stderr


def watchdog(h, since=0):
    """Xen's watchdog calls on h as the double logs them (watchdog.h): [time, op, id...] from since."""
    try:
        lines = open(os.path.join(h.xen, "watchdog.log")).read().split("\n")
    except OSError:
        return []
    return [[float(w[0]), *w[1:]] for w in (ln.split() for ln in lines) if w and float(w[0]) >= since]


def info(h):
    code, i = fault(h.api.pool.info)
    return i if code is None else None


class Watch:
    """Where guest name runs, sampled; the most domains ever seen at once."""

    def __init__(self, hosts, name):
        self.hosts, self.name, self.most, self.seen = hosts, name, 0, []

    def __call__(self):
        where = [h.name for h in self.hosts for _ in h.domains(self.name)]
        self.most = max(self.most, len(where))
        self.seen.append((round(time.time(), 1), where))
        return where


def vip_holders(hosts):
    return [h.name for h in hosts if h.holds_vip()]


def vip_on_master(hosts, what, master=None):
    """Within 10 s the master (or the given one) alone holds the virtual IP."""
    def settled():
        m = master or next((h for h in hosts if (info(h) or {}).get("master")), None)
        return m and vip_holders(hosts) == [m.name] and m
    m = until(10, settled)
    report(f"vip: {what}", m, (vip_holders(hosts), [(h.name, (info(h) or {}).get("master")) for h in hosts]))
    return m


def form_pool(a, b, c):
    code, i = fault(a.api.pool.create, "ha", POOL_PASSWORD)
    fingerprint = a.api.host.info()["fingerprint"]
    joined = [fault(h.api.pool.join, a.master_spec, POOL_PASSWORD, fingerprint)[0] for h in (b, c)]
    voters = until(30, lambda: len([m for m in (info(a) or {}).get("members", []) if m["raft"] == "voter"]) == 3)
    report("ha: three agents in network namespaces form a pool of three voters, A the master",
           code is None and joined == [None, None] and voters and (info(a) or {}).get("master"), (code, joined, info(a)))
    for name, ha in (("web", True), ("plain", False)):
        fault(a.api.guest.define, GUEST.format(name, 256))
        if ha:
            fault(a.api.guest.setHa, name, True)
        fault(a.api.guest.setState, name, "running")
    g = a.api.guest.get("web")
    running = until(20, lambda: a.domains("web") == ["r"] and a.domains("plain") == ["r"])
    report("ha: guest web (HA) and plain (not HA) run on A, shown with their HA flag",
           running and g["ha"] is True and a.api.guest.get("plain")["ha"] is False and g["host_address"] == a.pool_address,
           (g, os.listdir(a.xen)))
    rc, out = a.ctl("guest", "list")
    report("ha: tarnctl guest list shows the HA column", rc == 0 and "HA" in out and "yes" in out, out)
    time.sleep(3)  # every engine has recorded its free memory
    until(10, lambda: "kick" in [c[1] for c in watchdog(a)])
    ops = {h.name: [c[1] for c in watchdog(h)] for h in (a, b, c)}
    report("ha: A, running the HA guest, armed Xen's watchdog and kicks it; B and C, running none, did not",
           ops["a"][:1] == ["arm"] and "kick" in ops["a"] and not ops["b"] and not ops["c"], ops)
    for h in (a, b, c):
        fault(h.api.net.setManagementInterface, "eth0")  # the namespace's one link: where the address goes
    rc, out = a.ctl("pool", "vip", "10.77.0.300/24")
    report("vip: a virtual IP that is no address is refused, naming it", rc == 1 and "10.77.0.300" in out
           and not (info(a) or {}).get("vip"), (rc, out))
    rc, out = a.ctl("pool", "vip", VIP)
    report("vip: tarnctl pool vip sets it; every member's pool.info shows it", rc == 0 and all(
        (info(h) or {}).get("vip") == VIP for h in (a, b, c)), (rc, out))
    vip_on_master((a, b, c), "the master (A) holds it, on its management interface; no other member", a)


def partition(hosts):
    """A, the master, is cut off: fenced, then its HA guest restarted once."""
    a, b, c = hosts
    watch = Watch(hosts, "web")
    t0 = time.time()
    a.cable(False)
    code, msg = until(20, lambda: (lambda r: r if r[0] != 0 else None)(a.ctl("guest", "ha", "web", "off")), 1) \
        or (0, "")
    report("ha: the cut-off master refuses a write, saying the pool has no quorum",
           code == 1 and "no quorum" in msg, (code, msg))
    fenced = until(40, lambda: not a.domains("web"), each=watch)
    t_fence = time.time() - t0
    report(f"ha: the cut-off host fences its HA guest (destroyed {t_fence:.1f} s after the cut), "
           "and leaves the one that is not HA", fenced and a.domains("plain") == ["r"], watch.seen[-3:])
    moved = until(90, lambda: [h for h in (b, c) if h.domains("web") == ["r"]], each=watch)
    t_restart = time.time() - t0
    print(f"# partition: fenced after {t_fence:.1f} s, restarted on {moved[0].name if moved else '-'} "
          f"after {t_restart:.1f} s (fence {tarnd_const('FENCE')} s, restart {tarnd_const('RESTART')} s)")
    report(f"ha: the new master restarts it on another member ({t_restart:.1f} s after the cut), after the fence",
           moved and fenced and t_fence < t_restart, (t_fence, t_restart))
    calls = watchdog(a, t0)
    ops = [c[1] for c in calls]
    short = [i for i, c in enumerate(calls) if c[1] == "kick" and c[3] == "8"]
    report("ha: the fenced host gave its watchdog 8 s when the pool fell silent, then disarmed it once its HA guest "
           "was gone, before it fired", short and "disarm" in ops[short[0]:] and "fired" not in ops and
           "arm" not in ops, calls)
    report("ha: the member that restarted it armed its own",
           moved and "arm" in [c[1] for c in watchdog(moved[0], t0)], moved and watchdog(moved[0], t0))
    until(10, lambda: False, each=watch)  # a while longer: never a second start
    survivors = [h for h in (b, c)]
    views = [fault(h.api.guest.get, "web")[1] for h in survivors]
    report("ha: the guest ran once at a time, and the pool places it where it runs",
           watch.most == 1 and moved and len(moved) == 1 and all(
               v["host_address"] == moved[0].pool_address and v["actual"] == "running" for v in views),
           (watch.most, views))
    report("ha: the guest that is not HA stays with its host", all(
        fault(h.api.guest.get, "plain")[1]["host_address"] == a.pool_address for h in survivors))
    vip_on_master(survivors, "the cut-off master gave it up, the new master holds it")
    report("vip: ... and the cut-off one holds it no more", not a.holds_vip(), vip_holders(hosts))
    a.cable(True)
    back = until(30, lambda: (info(a) or {}).get("master") is False, each=watch)
    until(12, lambda: False, each=watch)
    report("ha: the old master, back, follows the new one and does not start the moved guest",
           back and watch.most == 1 and not a.domains("web") and a.domains("plain") == ["r"],
           (info(a), watch.seen[-3:]))
    code, ok = fault(a.api.guest.setHa, "plain", False)
    report("ha: with its link back it takes writes again", code is None and ok is True, (code, ok))
    vip_on_master(hosts, "with the old master back, still the master alone holds it")
    return moved[0] if moved else None


def death(hosts, victim):
    """The member running the guest dies: agent killed, its domains gone."""
    if not victim:
        return report("ha: a dead member's HA guest restarts elsewhere", False, "no member ran it")
    others = [h for h in hosts if h is not victim]
    watch = Watch(hosts, "web")
    was_master = (info(victim) or {}).get("master")
    master_at = []

    def each():
        watch()
        if was_master and not master_at and any((info(h) or {}).get("master") for h in others):
            master_at.append(time.time() - t0)
    t0 = time.time()
    victim.agent.kill9()
    for f in os.listdir(victim.xen):  # the server is gone, and its guests with it
        os.unlink(os.path.join(victim.xen, f))
    moved = until(120, lambda: [h for h in others if h.domains("web") == ["r"]], each=each)
    took = time.time() - t0
    print(f"# death: kill of the member running it{' (the master: a new one after %.1f s)' % master_at[0] if master_at else ''}; "
          f"restarted on {moved[0].name if moved else '-'} after {took:.1f} s")
    until(6, lambda: False, each=watch)
    report(f"ha: a dead member's HA guest is restarted once on another ({took:.1f} s after the kill)",
           moved and len(moved) == 1 and watch.most == 1, watch.seen[-3:])
    if was_master:
        vip_on_master(others, "the master killed, the new master holds it")
    # a copy of the guest that is not HA (placed on A) left paused here, as
    # a migration's target whose engine died mid-restore would leave it
    with open(os.path.join(victim.xen, "77"), "w") as f:
        f.write("plain p 64\n")
    victim.start()
    gone = until(30, lambda: not victim.domains("plain"))
    report("guests: a copy of a guest placed on another member, left while the agent was stopped, is destroyed "
           "when it starts", gone and a_runs_plain(hosts), (victim.domains("plain"), [h.domains("plain") for h in hosts]))
    until(15, lambda: (info(victim) or {}).get("master") is False)
    if was_master:  # the kill left its address in place, as an agent's crash would on a live host
        gone = until(30, lambda: not victim.holds_vip())
        report("vip: the killed master's agent, started again, removes the copy it left",
               gone and len(vip_holders(hosts)) == 1, vip_holders(hosts))


def a_runs_plain(hosts):
    """The guest that is not HA still runs on A, its host, alone."""
    return [h.name for h in hosts if h.domains("plain")] == ["a"] and hosts[0].domains("plain") == ["r"]


def tarnd_const(which):
    for line in open(os.path.join(tarnd.TOP, "lib", "pool-ha.h")):
        if line.startswith(f"#define TARN_HA_{which}_S"):
            return line.split()[2]
    return "?"


def main():
    open(os.path.join(tarnd.LOGS, LOG), "w").close()
    root = tempfile.mkdtemp(prefix="pool-ha-")
    os.chmod(root, 0o755)  # the API user passes through to each state directory
    hosts = []
    try:
        hosts = [Host(n, k, root) for k, n in enumerate("abc", start=2)]
        started = [h.start() for h in hosts]
        report("ha: three agents start in their namespaces", all(started), started)
        form_pool(*hosts)
        victim = partition(hosts)
        death(hosts, victim)
    finally:
        rcs = {h.name: h.agent.stop() for h in hosts if h.agent}
        left = vip_holders(hosts)
        for h in hosts:
            subprocess.run(["ip", "netns", "del", h.ns], capture_output=True)
    report("ha: every agent stops cleanly, no sanitizer report", all(rc == 0 for rc in rcs.values()),
           f"{rcs}; see {LOG}")
    report("vip: with every agent stopped no member holds it", hosts and not left, left)
    shutil.rmtree(root, ignore_errors=True)


def inside_switch():
    """Runs this test again inside the switch's namespace, with the bridge."""
    try:
        ip("netns", "add", SWITCH)
    except subprocess.CalledProcessError:
        print("SKIP ha: network namespaces: cannot create them here")
        return 0
    try:
        ip("-n", SWITCH, "link", "add", "br0", "type", "bridge")
        ip("-n", SWITCH, "addr", "add", "10.77.0.1/24", "dev", "br0")
        for dev in ("lo", "br0"):
            ip("-n", SWITCH, "link", "set", dev, "up")
        return subprocess.run(["ip", "netns", "exec", SWITCH, sys.executable, __file__, "--inside", SWITCH],
                              env=dict(os.environ, TOP=tarnd.TOP)).returncode
    finally:
        subprocess.run(["ip", "netns", "del", SWITCH], capture_output=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        SWITCH = sys.argv[2]
        TAG = SWITCH[:-3]
        main()
        exit_status()
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    sys.exit(inside_switch())
