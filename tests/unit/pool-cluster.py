#!/usr/bin/env python3
"""A pool of several hosts: four real tarnd (ASan/UBSan build), each on its
own loopback address (127.0.0.2-5) with its own API port and dqlite pool
node, real dqlite over real TCP. Joining with the pool password (and the
refusals that leave the joiner as it was), a change on any member visible
on all, a standby promoted when a voter is lost, kill -9 of the master (a
new master within seconds, measured; nothing committed lost), the old
master rejoining as a follower, a minority refusing writes, leave and
eject, and guest placement."""
import base64
import os
import pty
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import xmlrpc.client
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from ports import free_port  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault  # noqa: E402
from tls_mitm import Mitm  # noqa: E402

PASSWORD = "correct horse battery"
POOL_PASSWORD = "pool secret one"
GUEST = 'name = "{}"\nmemory = 64\nkernel = "/var/lib/tarn/kernels/vmlinuz"\n'
LOG = "pool-cluster.tarnd.log"


class Host:
    """One tarnd with fixed address and ports, restartable on its data."""

    def __init__(self, name, ip, root):
        self.name, self.ip = name, ip
        self.state = os.path.join(root, name)
        os.makedirs(self.state)
        tarnd.set_password(self.state, PASSWORD)
        self.port, self.pool_port = free_port(), free_port()
        self.pool_address = f"{ip}:{self.pool_port}"
        self.agent = None

    def start(self, wait=True):
        self.agent = tarnd.Agent(self.state, self.port, self.pool_address, PASSWORD, log=LOG, host=self.ip)
        self.api = self.agent.api
        return self.agent.wait_pool() if wait else True

    @property
    def master_spec(self):
        return f"{self.ip}:{self.port}"

    @property
    def fingerprint(self):
        return tarnd.fingerprint(self.state)


def info(h):
    code, i = fault(h.api.pool.info)
    return i if code is None else None


def until(seconds, fn, step=0.1):
    end = time.time() + seconds
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def raft_leader(address):
    """Who the dqlite node at address says leads ("" if it does not know),
    asked in the clear on dqlite's wire protocol (version 1, LEADER); None
    when it does not answer so."""
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), 0.5) as sk:
            sk.settimeout(0.5)
            sk.sendall(struct.pack("<Q", 1) + struct.pack("<IBBH", 1, 0, 0, 0) + struct.pack("<Q", 0))
            head = sk.recv(8, socket.MSG_WAITALL)
            words, kind = struct.unpack("<IB", head[:5])
            body = sk.recv(words * 8, socket.MSG_WAITALL)
            return body[8:].split(b"\0")[0].decode() if kind == 1 else None
    except OSError:
        return None


def names(h):
    code, lst = fault(h.api.guest.list)
    return sorted(g["name"] for g in lst) if code is None else (code, lst)


def roles(h):
    """{pool address: raft role} as h sees it."""
    i = info(h)
    return {m["address"]: m["raft"] for m in i["members"]} if i else {}


def member_id(h, of):
    """The member id of host of, as h sees it."""
    return next((m["id"] for m in (info(h) or {}).get("members", []) if m["address"] == of.pool_address), None)


def placement(a, b, c):
    """Guests go where they were defined and started; guest.place moves a
    stopped one, only to a member that is there."""
    code, ok = fault(b.api.guest.setState, "made-on-b", "running")
    bid = member_id(a, b)
    views = [fault(h.api.guest.get, "made-on-b")[1] for h in (a, b, c)]
    report("place: a guest defined and started through B is placed on B, seen alike from A and C",
           ok is True and bid and all(g["host"] == bid and g["host_address"] == b.pool_address for g in views),
           (code, ok, bid, views))
    code, msg = fault(a.api.guest.place, "made-on-b", member_id(a, c))
    report("place: a guest meant to run is not moved (guest.migrate is for that)",
           code == -500 and "stop it first, or move it live (guest.migrate)" in msg, (code, msg))
    code, msg = fault(a.api.guest.place, "made-on-c", "127.0.0.9:8900")
    report("place: guest.place to a member that does not exist is refused",
           code == -500 and "no member 127.0.0.9:8900 in the pool" in msg, (code, msg))
    code, ok = fault(a.api.guest.place, "made-on-c", b.pool_address)
    report("place: a stopped guest is moved to another member (by its pool address)",
           ok is True and fault(c.api.guest.get, "made-on-c")[1]["host"] == bid, (code, ok))
    code, ok = fault(b.api.guest.setState, "made-on-b", "stopped")
    report("place: and the guest on B is stopped again", ok is True, (code, ok))


def standalone_as_it_was(h):
    """h is in no pool, on its own node, with no join's leftovers."""
    code, msg = fault(h.api.pool.info)
    pooldir = os.path.join(h.state, "pool")
    node_id = open(os.path.join(pooldir, "node", "node-id")).read().strip()
    left = sorted(set(os.listdir(pooldir)) - {"node"})
    return code == -500 and "no pool yet" in msg and node_id == "1" and not left, (code, msg, node_id, left)


def pinning(a, b, c):
    """The joiner checks the master's certificate against the fingerprint
    the admin gives, before the pool password goes anywhere."""
    code, hi = fault(a.api.host.info)
    report("pin: host.info shows the agent's certificate fingerprint, SHA-256 of its DER certificate",
           code is None and hi["fingerprint"] == a.fingerprint != b.fingerprint, (code, hi, a.fingerprint))
    code, msg = fault(b.api.pool.join, a.master_spec, POOL_PASSWORD)
    ok, why = standalone_as_it_was(b)
    report("pin: a join without a fingerprint is refused (fault -32501), naming the master's, the joiner as it "
           "was", code == -32501 and f"presents certificate {a.fingerprint};" in msg
           and "check it on the master's console" in msg and ok, (code, msg, why))
    code, msg = fault(b.api.pool.join, a.master_spec, POOL_PASSWORD, "")
    report("pin: an empty fingerprint is none", code == -32501 and a.fingerprint in msg, (code, msg))
    code, msg = fault(b.api.pool.join, a.master_spec, POOL_PASSWORD, c.fingerprint)
    ok, why = standalone_as_it_was(b)
    report("pin: a join with another certificate's fingerprint is refused, naming both; the joiner as it was",
           code == -500 and f"presents certificate {a.fingerprint[7:]}, not the {c.fingerprint[7:]} you gave: "
           "not joining" in msg and ok, (code, msg, why))
    code, msg = fault(b.api.pool.join, a.master_spec, POOL_PASSWORD, "SHA256:12:34")
    report("pin: a fingerprint that is not one is refused, saying so",
           code == -500 and "not a SHA-256 fingerprint" in msg and standalone_as_it_was(b)[0], (code, msg))

    keys = (os.path.join(c.state, "tls", "cert.pem"), os.path.join(c.state, "tls", "key.pem"))
    mitm = Mitm("127.0.0.6", (a.ip, a.port), *keys)
    try:
        snoop = xmlrpc.client.ServerProxy(
            f"https://admin:{PASSWORD.replace(' ', '%20')}@{mitm.address}/RPC2",
            context=ssl._create_unverified_context())
        code, hi = fault(snoop.host.info)
        report("pin: (the man in the middle relays calls and reads them: an unchecking client is fooled)",
               code is None and hi["fingerprint"] == a.fingerprint and b"host.info" in mitm.seen, (code, hi))
        mitm.seen = b""
        code, msg = fault(b.api.pool.join, mitm.address, POOL_PASSWORD, a.fingerprint)
        ok, why = standalone_as_it_was(b)
        report("pin: a man in the middle with another certificate is refused though the master's fingerprint "
               "is given; it reads nothing; the joiner as it was",
               code == -500 and f"presents certificate {c.fingerprint[7:]}, not the {a.fingerprint[7:]}" in msg
               and mitm.seen == b"" and ok, (code, msg, mitm.seen[:200], why))
    finally:
        mitm.close()
    mitm = Mitm("127.0.0.6", (a.ip, a.port), *keys, switch_after=1)
    try:
        code, msg = fault(b.api.pool.join, mitm.address, POOL_PASSWORD, a.fingerprint)
        ok, why = standalone_as_it_was(b)
        secret = base64.b64encode(f"pool:{POOL_PASSWORD}".encode())
        report("pin: a man in the middle that lets the first handshake through, then shows its own certificate, "
               "is refused; the pool password never reaches it; the joiner as it was",
               code is not None and "no longer presents the certificate" in msg and mitm.connections >= 2
               and secret not in mitm.seen and ok, (code, msg, mitm.connections, why))
    finally:
        mitm.close()
    report("pin: the master admitted nobody", len(info(a)["members"]) == 1, info(a))


def joining(a, b, c, d):
    code, g = fault(a.api.guest.define, GUEST.format("before-pool"))
    report("place: a guest defined on a host in no pool is unplaced (its engine runs it alone)",
           code is None and g["host"] == "", (code, g))
    code, i = fault(a.api.pool.create, "lab", POOL_PASSWORD)
    report("cluster: pool.create with a pool password", code is None and i["name"] == "lab", (code, i))
    pinning(a, b, c)
    code, msg = fault(b.api.pool.join, a.master_spec, "not the pool password", a.fingerprint)
    report("cluster: a wrong pool password is refused with a clear message",
           code is not None and "refused the pool password" in msg, (code, msg))
    code, msg = fault(b.api.pool.info)
    node_id = open(os.path.join(b.state, "pool", "node", "node-id")).read().strip()
    report("cluster: after the refusal the joiner is as it was (no pool, its own node)",
           code == -500 and "no pool yet" in msg and node_id == "1", (code, msg, node_id))
    code, msg = fault(d.api.pool.join, "127.0.0.9:1", POOL_PASSWORD)
    report("cluster: an unreachable master is a clear error", code is not None and "cannot reach" in msg,
           (code, msg))
    code, msg = fault(b.api.pool.join, a.master_spec, "", a.fingerprint)
    report("cluster: an empty pool password is refused", code == -500 and "password is required" in msg,
           (code, msg))

    t = time.time()
    code, i = fault(b.api.pool.join, a.master_spec, POOL_PASSWORD, a.fingerprint[7:].replace(":", "").lower())
    report("cluster: B joins A's pool (the fingerprint in lower case, without prefix and colons)", code is None and i["name"] == "lab" and len(i["members"]) == 2,
           (code, i))
    print(f"# join took {time.time() - t:.2f} s")
    code, g = fault(b.api.guest.get, "before-pool")
    report("place: when a second member joins, the unplaced guest is placed on the one that ran it",
           code is None and g["host"] == member_id(b, a) and g["host_address"] == a.pool_address, (code, g))
    code, ok = fault(a.api.guest.undefine, "before-pool")
    report("place: (that guest undefined again)", ok is True, (code, ok))
    code, i = fault(c.api.pool.join, a.master_spec, POOL_PASSWORD, a.fingerprint)
    report("cluster: C joins", code is None and len(i["members"]) == 3, (code, i))
    code, msg = fault(c.api.pool.setAddress, "127.0.0.9:8900")
    report("cluster: a member of a pool of several cannot change its pool address",
           code == -500 and "cannot change" in msg, (code, msg))
    want = {a.pool_address: "voter", b.pool_address: "voter", c.pool_address: "voter"}
    report("cluster: three voters, seen alike from every member",
           all(roles(h) == want for h in (a, b, c)), [roles(h) for h in (a, b, c)])
    i = info(c)
    report("cluster: the master is A, the creator, and every member is up",
           i and i["leader"] == a.pool_address and all(m["up"] for m in i["members"])
           and [m["address"] for m in i["members"] if m["master"]] == [a.pool_address], i)
    report("cluster: the pool port speaks TLS only: a plain dqlite client is not answered",
           raft_leader(a.pool_address) is None, raft_leader(a.pool_address))
    report("cluster: every member holds the pool's key",
           len({open(os.path.join(h.state, "pool", "node", "pool-key")).read() for h in (a, b, c)}) == 1,
           "the keys differ")
    report("cluster: B's standalone data is gone once it joined",
           not os.path.exists(os.path.join(b.state, "pool", "standalone")), "standalone/ is still there")

    code, _ = fault(b.api.guest.define, GUEST.format("made-on-b"))
    code2, _ = fault(c.api.guest.define, GUEST.format("made-on-c"))
    report("cluster: a guest defined on any member is visible on all",
           code is None and code2 is None and all(names(h) == ["made-on-b", "made-on-c"] for h in (a, b, c)),
           [names(h) for h in (a, b, c)])
    placement(a, b, c)

    code, i = fault(d.api.pool.join, b.master_spec, POOL_PASSWORD, b.fingerprint)
    report("cluster: a fourth host joins through a member that is not master, as a standby",
           code is None and roles(a).get(d.pool_address) == "standby", (code, roles(a)))


def failover(hosts):
    a = hosts[0]
    survivors = hosts[1:]
    t = time.time()
    a.agent.kill9()

    def new_master():
        for h in survivors:
            i = info(h)
            if i and i["leader"] and i["leader"] != a.pool_address:
                return i["leader"]
        return None
    leader = until(20, new_master, 0.05)
    took = time.time() - t
    print(f"# failover: kill -9 of the master; the API names a new master after {took:.2f} s")
    report(f"cluster: kill -9 of the master: a new master within 5 s ({took:.2f} s)", leader and took < 5,
           (leader, took))
    report("cluster: nothing committed is lost", all(names(h) == ["made-on-b", "made-on-c"] for h in survivors),
           [names(h) for h in survivors])
    code, _ = fault(survivors[0].api.guest.define, GUEST.format("after-failover"))
    report("cluster: the new master takes writes", code is None, code)
    d = hosts[3]
    promoted = until(20, lambda: roles(d).get(d.pool_address) == "voter"
                     and roles(d).get(a.pool_address) == "standby")
    report("cluster: the standby is promoted to voter and the lost voter made a standby", promoted, roles(d))

    stale = os.path.join(a.state, "pool", "master-cert-x1y2z3")  # as a join killed mid-way leaves it
    open(stale, "w").close()
    up = a.start()
    report("pin: a pinned certificate a killed join left is removed at the next start", not os.path.exists(stale),
           os.listdir(os.path.join(a.state, "pool")))
    back = until(20, lambda: (info(a) or {}).get("master") is False
                 and roles(a).get(a.pool_address) in ("standby", "voter"))
    report("cluster: the old master, restarted, rejoins as a follower", up and back, info(a))
    report("cluster: and sees every change made while it was down",
           names(a) == ["after-failover", "made-on-b", "made-on-c"], names(a))


def leaving(hosts):
    """D leaves; A, back as a standby, is made a voter in its place."""
    a, b, c, d = hosts
    code, ok = fault(d.api.pool.leave)
    code2, msg = fault(d.api.pool.info)
    report("cluster: a member leaves; it is then on its own, in no pool",
           code is None and ok is True and code2 == -500 and "no pool yet" in msg, (code, ok, code2, msg))
    want = {h.pool_address: "voter" for h in (a, b, c)}
    report("cluster: the others no longer list it, and the standby takes its vote",
           until(15, lambda: roles(a) == want), roles(a))
    report("cluster: the host that left is unaffected", names(d) == [], names(d))


def minority(hosts):
    """Two of the three voters killed: what is left refuses writes, and a
    host cannot join through it."""
    voters, d = hosts[:3], hosts[3]
    left = voters[2]
    for h in voters[:2]:
        h.agent.kill9()
    t = time.time()
    code, msg = until(15, lambda: (lambda c, m: (c, m) if c == -32500 and "majority" in m else None)(
        *fault(left.api.guest.define, GUEST.format("in-minority"))), 0.5) or (None, "")
    report("cluster: a minority refuses writes, saying a majority is needed",
           code == -32500 and "majority" in msg, (code, msg, f"{time.time() - t:.1f} s"))
    code, msg = fault(d.api.pool.join, left.master_spec, POOL_PASSWORD, left.fingerprint)
    code2, msg2 = fault(d.api.pool.info)
    report("cluster: a join while the pool has no majority is refused, saying so; the joiner stays as it was",
           code is not None and "majority" in msg and code2 == -500 and "no pool yet" in msg2, (code, msg, msg2))
    for h in voters[:2]:
        h.start()
    ok = until(20, lambda: names(left) == ["after-failover", "made-on-b", "made-on-c"])
    report("cluster: with the majority back the pool serves again, and the refused write never landed",
           ok, names(left))


def ejecting(hosts):
    """A member that dies for good is ejected."""
    a = hosts[0]
    stayers = hosts[:3]
    victim = next(h for h in stayers if h is not a and not (info(h) or {}).get("master"))
    code, msg = fault(a.api.pool.eject, victim.pool_address)
    report("cluster: a member that is up is not ejected", code == -500 and "is up" in msg, (code, msg))
    victim.agent.kill9()
    rest = [h for h in stayers if h is not victim]
    code, ok = until(10, lambda: (lambda r: r if r[0] is None else None)(
        fault(rest[0].api.pool.eject, victim.pool_address))) or (None, None)
    report("cluster: a dead member is ejected", ok is True and victim.pool_address not in roles(rest[1])
           and len(roles(rest[1])) == 2, (code, ok, roles(rest[1])))
    code, _ = fault(rest[1].api.guest.define, GUEST.format("two-left"))
    report("cluster: the two left make a majority and take writes", code is None, code)
    return victim


def tarnctl(h, *args, pool_password=None, answer=None):
    """tarnctl pool ARGS against h; with answer, its standard input is a
    terminal that is given that line."""
    env = dict(os.environ, TARN_PASSWORD=PASSWORD)
    env.pop("TARN_POOL_PASSWORD", None)
    if pool_password:
        env["TARN_POOL_PASSWORD"] = pool_password
    tty = pty.openpty() if answer is not None else None
    if tty:
        os.write(tty[0], (answer + "\n").encode())
    p = subprocess.run([os.path.join(tarnd.TOP, "out", "c-san", "tarnctl"), "--host", h.ip, "--port", str(h.port),
                        "--insecure", "pool", *args], capture_output=True, text=True, env=env,
                       stdin=tty[1] if tty else subprocess.DEVNULL, timeout=60)
    if tty:
        os.close(tty[0]), os.close(tty[1])
    return p.returncode, p.stdout + p.stderr


def with_tarnctl(hosts, victim):
    """tarnctl pool members, and the host that left joining again with tarnctl."""
    d = hosts[3]
    rest = [h for h in hosts[:3] if h is not victim]
    rc, out = tarnctl(rest[0], "members")
    report("tarnctl: pool members lists each member's Raft role, state and heartbeat",
           rc == 0 and out.count(" voter ") == 2 and "(leader)" in out and " up " in out, out)
    m = rest[1]
    rc, out = tarnctl(d, "join", m.master_spec, pool_password=POOL_PASSWORD)
    report("tarnctl: pool join without --fingerprint, not on a terminal: exits 1 with the refusal naming the "
           "master's certificate", rc == 1 and m.fingerprint in out and "(fault -32501)" in out
           and standalone_as_it_was(d)[0], (rc, out))
    rc, out = tarnctl(d, "join", m.master_spec, "--fingerprint", rest[0].fingerprint, pool_password=POOL_PASSWORD)
    report("tarnctl: pool join with another certificate's --fingerprint exits 1, saying so",
           rc == 1 and "you gave: not joining" in out and standalone_as_it_was(d)[0], (rc, out))
    rc, out = tarnctl(d, "join", m.master_spec, pool_password=POOL_PASSWORD, answer="n")
    report("tarnctl: on a terminal it shows the master's fingerprint and asks; n joins nothing",
           rc == 1 and f"presents the certificate\n  {m.fingerprint}\n" in out and "Trust it? [y/N]" in out
           and standalone_as_it_was(d)[0], (rc, out))
    rc, out = tarnctl(d, "join", rest[0].master_spec, "--fingerprint", rest[0].fingerprint,
                      pool_password="wrong pool password")
    report("tarnctl: pool join with a wrong pool password exits 1, saying so",
           rc == 1 and "refused the pool password" in out, (rc, out))
    rc, out = tarnctl(d, "join", rest[0].master_spec)
    report("tarnctl: pool join without a pool password is a usage error", rc == 2 and "required" in out, (rc, out))
    rc, out = tarnctl(d, "join", m.master_spec, pool_password=POOL_PASSWORD, answer="y")
    report("tarnctl: the host that left joins again once y trusts the fingerprint shown, the pool password "
           "from the environment", rc == 0 and m.fingerprint in out and "lab" in out and out.count(" voter ") == 3,
           out)
    master = next((h for h in rest + [d] if (info(h) or {}).get("master")), None)
    others = [h for h in rest + [d] if h is not master]
    rc, out = tarnctl(master, "leave") if master else (None, "no master")
    new = until(10, lambda: (lambda i: i and i["leader"] not in ("", master.pool_address) and i)(info(others[0])))
    report("tarnctl: the master leaves; it hands the master's role over first",
           rc == 0 and new and len(new["members"]) == 2, (rc, out, new))
    code, msg = fault(others[1].api.guest.define, GUEST.format("after-master-left"))
    report("cluster: the two left take writes", code is None, (code, msg, info(others[0]), info(others[1])))


def gone_pool(hosts, victim):
    """The ejected host comes back after every other member is gone: it
    cannot tell the pool it leaves, and leaves by force."""
    for h in hosts:
        if h is not victim:
            h.agent.kill9()
    victim.start(wait=False)  # its pool never answers again
    code, msg = fault(victim.api.pool.leave)
    report("cluster: a host whose pool is gone cannot leave it, and is told to force it",
           code == -32500 and "leave with force" in msg, (code, msg))
    code, ok = fault(victim.api.pool.leave, True)
    code2, msg2 = fault(victim.api.pool.info)
    report("cluster: with force it leaves: on its own, in no pool", ok is True and code2 == -500
           and "no pool yet" in msg2, (code, ok, code2, msg2))
    code, g = fault(victim.api.pool.create, "again")
    report("cluster: and can make a new pool", code is None and g["name"] == "again" and len(g["members"]) == 1,
           (code, g))
    for h in hosts:
        if h is not victim:
            h.start(wait=False)  # each stops cleanly at the end


def main():
    open(os.path.join(tarnd.LOGS, LOG), "w").close()
    root = tempfile.mkdtemp(prefix="pool-cluster-")
    os.chmod(root, 0o755)  # the API user passes through to each state directory
    hosts = [Host(n, f"127.0.0.{k}", root) for k, n in enumerate("abcd", start=2)]
    victim = None
    try:
        started = [h.start() for h in hosts]
        report("cluster: four agents start, each with its own pool node", all(started), started)
        joining(*hosts)
        failover(hosts)
        leaving(hosts)
        minority(hosts)
        victim = ejecting(hosts)
        with_tarnctl(hosts, victim)
        gone_pool(hosts, victim)
    finally:
        rcs = {h.name: h.agent.stop() for h in hosts if h.agent}
    report("cluster: every agent stops cleanly, no sanitizer report", all(rc == 0 for rc in rcs.values()),
           f"{rcs}; see {LOG}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
