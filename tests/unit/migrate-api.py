#!/usr/bin/env python3
"""guest.migrate's refusals on two real tarnd (ASan/UBSan build) on loopback
(127.0.0.2 and .3) in one pool, off Xen: each check made before anything
moves says plainly why, through the API and tarnctl, and leaves the guest
as it was (no task queued, same host and generation). The members' engines
publish their host facts to the pool store, which the checks read. The
migration itself (libxl's stream over the pool's TLS) is tested on real Xen
by the image scenario `migrate`, and its conversation by test_migrate."""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault  # noqa: E402

spec = importlib.util.spec_from_file_location("pool_cluster", os.path.join(os.path.dirname(__file__),
                                                                           "pool-cluster.py"))
cluster = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cluster)
Host, until, PASSWORD, POOL_PASSWORD = cluster.Host, cluster.until, cluster.PASSWORD, cluster.POOL_PASSWORD
cluster.LOG = LOG = "migrate-api.tarnd.log"
GUEST = 'name = "mig"\nmemory = 64\nkernel = "/var/lib/tarn/kernels/vmlinuz"\n'


def tarnctl(h, *args):
    env = dict(os.environ, TARN_PASSWORD=PASSWORD)
    p = subprocess.run([os.path.join(tarnd.TOP, "out", "c-san", "tarnctl"), "--host", h.ip, "--port", str(h.port),
                        "--insecure", *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                       timeout=60)
    return p.returncode, p.stdout + p.stderr


def unchanged(a, before, what):
    g = a.api.guest.get("mig")
    tasks = [t for t in a.api.task.list() if t["kind"] == "guest.migrate"]
    report(f"migrate: {what}: the guest is untouched and no task is queued",
           g["host"] == before["host"] and g["gen"] == before["gen"] and g["desired"] == before["desired"]
           and tasks == [], (g, tasks))


def refusals(a, b):
    code, i = fault(a.api.pool.create, "lab", POOL_PASSWORD)
    code2, j = fault(b.api.pool.join, f"{a.ip}:{a.port}", POOL_PASSWORD, a.api.host.info()["fingerprint"])
    report("migrate: two agents form a pool", code is None and code2 is None and len(j["members"]) == 2,
           (code, i, code2, j))
    ids = {m["address"]: m["id"] for m in a.api.pool.members()}
    code, g = fault(a.api.guest.define, GUEST)
    report("migrate: a guest is defined, placed on A", code is None and g["host"] == ids[a.pool_address], (code, g))
    before = a.api.guest.get("mig")

    code, msg = fault(a.api.guest.migrate, "nosuch", b.pool_address)
    report("migrate: an unknown guest is refused", code == -500 and "nosuch" in msg, (code, msg))
    code, msg = fault(a.api.guest.migrate, "mig", "127.0.0.9:1")
    report("migrate: an unknown member is refused, naming it",
           code == -500 and "no member 127.0.0.9:1 in the pool" in msg, (code, msg))
    code, msg = fault(a.api.guest.migrate, "mig", a.pool_address)
    report("migrate: the guest's own host is refused", code == -500 and "already runs on member" in msg, (code, msg))
    code, msg = fault(b.api.guest.migrate, "mig", b.pool_address)
    report("migrate: asked of another member's agent, it says which member runs the guest",
           code == -500 and f"runs on member {ids[a.pool_address]}, not this host" in msg, (code, msg))
    fault(b.api.pool.setRoles, "utility")
    code, msg = until(15, lambda: (lambda r: r[0] == -500 and "not a VM server" in r[1] and r)(
        fault(a.api.guest.migrate, "mig", b.pool_address)))
    report("migrate: a target that is no VM server is refused, naming its roles",
           code == -500 and "is not a VM server (roles: utility)" in msg, (code, msg))
    fault(b.api.pool.setRoles, "utility,vm-server")
    # the engines publish their facts (off Xen: no Xen) within a few seconds
    code, msg = until(20, lambda: (lambda r: r[0] == -500 and "does not run Xen" in r[1] and r)(
        fault(a.api.guest.migrate, "mig", b.ip + ":" + str(b.pool_port))))
    report("migrate: a target without Xen is refused (its published facts say so)",
           code == -500 and f"member {b.pool_address} does not run Xen" in msg, (code, msg))
    rc, out = tarnctl(a, "guest", "migrate", "mig", b.pool_address)
    report("tarnctl: guest migrate exits 1 with the agent's refusal", rc == 1 and "does not run Xen" in out, (rc, out))
    rc, out = tarnctl(a, "guest", "migrate", "mig")
    report("tarnctl: guest migrate without a member is a usage error", rc == 2 and "NAME MEMBER" in out, (rc, out))
    unchanged(a, before, "after every refusal")


def offer(h, key_of, data, identity="tarn-migrate"):
    """What a member's migration service answers data with, over the pool's
    TLS (PSK, the key in key_of's pool-key file), as openssl's client."""
    key = open(os.path.join(key_of.state, "pool", "node", "pool-key")).read().strip()
    p = subprocess.run(["openssl", "s_client", "-connect", h.pool_address, "-tls1_3", "-psk", key,
                        "-psk_identity", identity, "-quiet", "-ign_eof"], input=data.encode(), capture_output=True,
                       timeout=30)
    return p.stdout.decode(errors="replace")


def carrier(a, b):
    """The migration service end to end off Xen: the pool's TLS listener in
    B's API process relays to its engine, whose child answers the offer."""
    uuid = a.api.guest.get("mig")["uuid"]
    head = f"tarn-migrate 1\nguest mig\nuuid {uuid}\nfrom 1\nto 2\nconfig 2\n{{}}"
    out = offer(b, a, head)
    report("carrier: an offer over the pool's TLS reaches the target's engine, which answers (here: no Xen)",
           out.startswith("no this host cannot run guests"), out)
    out = offer(b, a, "GET / HTTP/1.0\n\n")
    report("carrier: something else than an offer is refused by the engine", out.startswith("no not a Tarn"), out)
    stranger = type("K", (), {"state": a.state + "-stranger"})
    os.makedirs(os.path.join(stranger.state, "pool", "node"))
    with open(os.path.join(stranger.state, "pool", "node", "pool-key"), "w") as f:
        f.write("ab" * 32 + "\n")
    out = offer(b, stranger, head)
    report("carrier: another pool key gets no answer", out == "", out)


def main():
    open(os.path.join(tarnd.LOGS, LOG), "w").close()
    root = tempfile.mkdtemp(prefix="migrate-api-")
    os.chmod(root, 0o755)
    hosts = []
    try:
        hosts = [Host(n, f"127.0.0.{k}", root) for k, n in ((2, "a"), (3, "b"))]
        report("migrate: two agents start", all(h.start() for h in hosts), "")
        refusals(*hosts)
        carrier(*hosts)
    finally:
        rcs = [h.agent.stop() for h in hosts if h.agent]
    report("migrate: every agent stops cleanly, no sanitizer report", all(rc == 0 for rc in rcs), f"{rcs}; see {LOG}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
