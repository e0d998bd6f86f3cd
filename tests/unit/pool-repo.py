#!/usr/bin/env python3
"""The pool's repositories on a pool of three real tarnd (ASan/UBSan build),
each on its own loopback address with its own dqlite node, each in a mount
namespace of its own (what it mounts is its alone and goes with it), with a
stand-in mount(8) whose NFS "exports" are directories of this test (the
test machines' kernel may have no NFS client). A pool NFS repository added
on one member is mounted by the VM-server members and not by the member
with no role; iscsi and local are refused pool-wide; a host repository of
the same name keeps it on that host, the pool's reported failed there; a
pool that cannot be read (the other two members stopped) leaves it mounted,
and repo.list, tarnctl repo list and the console's Storage screen say the
pool's repositories cannot be read now, the host's own listed still;
a remove unmounts it everywhere, a busy mount being retried."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from console import Console  # noqa: E402
from ports import free_port  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault, until  # noqa: E402

PASSWORD = "correct horse battery"
POOL_PASSWORD = "pool secret repo"
LOG = "pool-repo.tarnd.log"
EXPORT = "192.0.2.5:/pool/shared"


class Host:
    """One tarnd at ip, mounting under its own repos/ in its own mount namespace."""

    def __init__(self, name, ip, root):
        self.name, self.ip = name, ip
        self.state = os.path.join(root, name)
        self.repos = os.path.join(self.state, "repos")
        os.makedirs(os.path.join(self.state, "etc"))
        tarnd.set_password(self.state, PASSWORD)
        self.port, self.pool_address = free_port(), f"{ip}:{free_port()}"
        self.master_spec = f"{ip}:{self.port}"
        self.agent = None
        self.root = root

    def start(self):
        self.agent = tarnd.Agent(
            self.state, self.port, self.pool_address, PASSWORD, log=LOG, host=self.ip, reconcile=True,
            extra=["--sysconf", os.path.join(self.state, "etc"), "--repo-root", self.repos],
            command=["unshare", "-m", "--propagation", "private", tarnd.TARND],
            env={"PATH": os.path.join(self.root, "bin") + ":" + os.environ["PATH"]})
        return self.agent.wait_pool()

    @property
    def api(self):
        self.agent.api("close")()  # a new connection: the test waits longer than one is kept idle
        return self.agent.api

    def signal(self, sig):
        """To the agent's processes: the engine and its children (the API, which runs the pool node)."""
        kids = subprocess.run(["pgrep", "-P", str(self.agent.proc.pid)], capture_output=True, text=True).stdout
        for pid in [self.agent.proc.pid, *map(int, kids.split())]:
            os.kill(pid, sig)

    def mounted(self, name):
        with open(f"/proc/{self.agent.proc.pid}/mountinfo") as f:
            return f" {self.repos}/{name} " in f.read()

    def entry(self, name, scope="pool"):
        code, lst = fault(self.api.repo.list)
        return next((r for r in lst if r["name"] == name and r["scope"] == scope), None) if code is None else None

    def state_of(self, name, scope="pool"):
        e = self.entry(name, scope)
        return e and e["state"]

    def events(self, like):
        db = sqlite3.connect(os.path.join(self.state, "db", "node.db"))
        try:
            return [r[0] for r in db.execute("SELECT message FROM events WHERE message LIKE ?", (like,))]
        finally:
            db.close()


def stand_in_mount(root):
    """mount -t nfs SERVER:/pool/X DIR bind-mounts root/exports/X; the rest is the real mount."""
    os.makedirs(os.path.join(root, "bin"))
    path = os.path.join(root, "bin", "mount")
    with open(path, "w") as f:
        f.write(f"""#!/bin/bash
if [ "$1 $2" = "-t nfs" ]; then
	src="${{@: -2:1}}" dir="{root}/exports/${{src##*/}}"
	mkdir -p "$dir"
	exec {shutil.which("mount")} --bind "$dir" "${{@: -1}}"
fi
exec {shutil.which("mount")} "$@"
""")
    os.chmod(path, 0o755)


def form_pool(a, b, c):
    code, _ = fault(a.api.pool.create, "lab", POOL_PASSWORD)
    fingerprint = a.api.host.info()["fingerprint"]  # the joiners check A's certificate
    joined = [fault(h.api.pool.join, a.master_spec, POOL_PASSWORD, fingerprint)[0] for h in (b, c)]
    voters = until(30, lambda: len([m for m in fault(a.api.pool.info)[1].get("members", [])
                                    if m["raft"] == "voter"]) == 3)
    roles = fault(c.api.pool.setRoles, "")
    report("pool-repo: three members, C with no role", code is None and joined == [None, None] and voters
           and roles == (None, True), (code, joined, roles))


def added(a, b, c):
    code, uuid = fault(b.api.repo.add, {"name": "shared", "kind": "nfs", "source": EXPORT, "scope": "pool"})
    report("pool-repo: an NFS repository is added to the pool on B", code is None and len(uuid) == 36, (code, uuid))
    ok = until(20, lambda: a.mounted("shared") and b.mounted("shared") and
               a.state_of("shared") == "mounted" and b.state_of("shared") == "mounted")
    report("pool-repo: A and B (VM servers) mount it at the same place, repo.list says so",
           ok, (a.entry("shared"), b.entry("shared")))
    code, task = fault(a.api.disk.create, "shared", "vm", 2, "1M")
    made = code is None and until(20, lambda: fault(a.api.task.get, task)[1].get("state") == "done")
    code, disks = fault(b.api.disk.list, "shared")
    report("pool-repo: disks made in it on A are seen on B (the same export)", made and code is None and
           sorted(d["name"] for d in disks) == ["vm-001.img", "vm-002.img"], (made, code, disks))
    not_needed = until(10, lambda: c.state_of("shared") == "not needed")
    report("pool-repo: C (no role) does not mount it, and says why",
           not_needed and not c.mounted("shared") and "neither a VM server nor a utility" in c.entry("shared")["message"],
           c.entry("shared"))
    members = {m["address"]: m["state"] for m in (c.entry("shared") or {}).get("members", [])}
    report("pool-repo: any member shows every member's state",
           members == {a.pool_address: "mounted", b.pool_address: "mounted", c.pool_address: "not needed"}, members)
    code, msg = fault(a.api.repo.add, {"name": "lun", "kind": "iscsi", "source": "192.0.2.20:3260",
                                       "target": "iqn.2003-01.org.example:lun", "scope": "pool"})
    report("pool-repo: a pool-wide iscsi repository is refused, saying why",
           code == -500 and "one host at a time" in msg and "use NFS" in msg, (code, msg))
    code, msg = fault(a.api.repo.add, {"name": "disk", "kind": "local", "source": "/dev/sdb", "scope": "pool"})
    report("pool-repo: a pool-wide local repository is refused, saying why",
           code == -500 and "its disk is in one host" in msg, (code, msg))
    code, msg = fault(a.api.repo.add, {"name": "shared", "kind": "nfs", "source": "192.0.2.5:/pool/other",
                                       "scope": "pool"})
    report("pool-repo: a name the pool has is refused", code == -500 and "already has a repository shared" in msg,
           (code, msg))


def clash(a, b):
    code, _ = fault(b.api.repo.add, {"name": "twin", "kind": "nfs", "source": "192.0.2.5:/pool/b-own"})
    code2, _ = fault(a.api.repo.add, {"name": "twin", "kind": "nfs", "source": "192.0.2.5:/pool/twin",
                                      "scope": "pool"})
    failed = until(20, lambda: b.state_of("twin") == "failed" and a.state_of("twin") == "mounted")
    e = b.entry("twin") or {}
    report("pool-repo: a host repository of the same name keeps it: the pool's is failed on that host, saying why",
           code is None and code2 is None and failed and "has a repository of its own named twin" in e.get("message", ""),
           (code, code2, e))
    own = b.entry("twin", "host") or {}
    exports = os.path.join(a.root, "exports")
    marker = open(os.path.join(exports, "b-own", ".tarn-repository")).read()
    report("pool-repo: ... the host's own is untouched (mounted, its export its own)",
           own.get("state") == "mounted" and "scope=pool" not in marker, (own, marker))
    fault(a.api.repo.remove, "twin")
    gone = until(20, lambda: not a.mounted("twin"))
    report("pool-repo: the pool's removed, the host's own stays", gone and b.mounted("twin") and
           (b.entry("twin", "host") or {}).get("state") == "mounted", b.entry("twin", "host"))
    fault(b.api.repo.remove, "twin")


def pool_down(a, b, c):
    """The member that mounts it and does not lead loses the other two (a
    leader cut off keeps answering reads from its own copy)."""
    leader = fault(a.api.pool.info)[1].get("leader")
    x = next(h for h in (a, b) if h.pool_address != leader)
    others = [h for h in (a, b, c) if h is not x]
    log = os.path.join(tarnd.LOGS, LOG)
    said = f"tarnd[{x.agent.proc.pid}]: repositories: the pool's cannot be read"
    before = open(log).read().count(said)
    fault(x.api.repo.add, {"name": "own", "kind": "nfs", "source": "192.0.2.5:/pool/x-own"})  # a host one of its own
    until(20, lambda: x.state_of("own", "host") == "mounted")
    for h in others:
        h.signal(signal.SIGSTOP)
    try:
        noticed = until(40, lambda: open(log).read().count(said) > before, step=0.5)
        time.sleep(4)  # and its next polls fail too
        report(f"pool-repo: with the pool unreadable (the others stopped) {x.name.upper()}'s engine says so and "
               "keeps it mounted", noticed and x.mounted("shared"),
               (noticed, open(f"/proc/{x.agent.proc.pid}/mountinfo").read()[-300:]))
        unreadable(x)
    finally:
        for h in others:
            h.signal(signal.SIGCONT)
    back = until(30, lambda: x.state_of("shared") == "mounted")
    report("pool-repo: the pool answers again, still mounted", back and x.mounted("shared"), x.entry("shared"))
    code, lst = fault(x.api.repo.list)
    report("pool-repo: ... and repo.list no longer says the pool's cannot be read",
           code is None and all(r["name"] for r in lst), (code, lst))
    fault(x.api.repo.remove, "own")


def unreadable(x):
    """repo.list while x's pool cannot be read: the host's own, then an entry
    saying the pool's cannot be read and why; tarnctl repo list prints it."""
    t = time.time()
    code, lst = fault(x.api.repo.list)
    took = time.time() - t
    last = lst[-1] if code is None and lst else {}
    report("pool-repo: ... repo.list keeps the host's own and ends with an entry saying the pool's cannot be "
           "read now, and why (no name, scope pool, state unknown)",
           code is None and [(r["name"], r["scope"], r["state"]) for r in lst[:-1]] == [("own", "host", "mounted")]
           and last.get("name") == "" and last.get("scope") == "pool" and last.get("state") == "unknown"
           and last.get("message", "").startswith("the pool's repositories cannot be read now: the pool is "
                                                  "unavailable"), (code, lst, f"{took:.1f} s"))
    t = time.time()
    code2, lst2 = fault(x.api.repo.list)
    again = time.time() - t
    report("pool-repo: ... and at once when asked again within 10 s (the failed read is kept, not waited for again)",
           code2 is None and lst2 and lst2[-1] == last and again < 3, (f"{took:.1f} s, then {again:.1f} s", lst2))
    p = subprocess.run([os.path.join(tarnd.TOP, "out", "c-san", "tarnctl"), "--host", x.ip, "--port", str(x.port),
                        "--insecure", "repo", "list"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, TARN_PASSWORD=PASSWORD), stdin=subprocess.DEVNULL)
    lines = p.stdout.splitlines()
    report("pool-repo: ... tarnctl repo list shows the host's own, then a line saying the pool's cannot be read now",
           p.returncode == 0 and len(lines) == 3 and lines[1].startswith("own ") and
           lines[2].startswith("the pool's repositories cannot be read now: the pool is unavailable"),
           p.stdout + p.stderr)
    console_storage(x)


def console_storage(x):
    """The console (tarn-tui under tmux, 80x24) on x's store and local socket: its Storage screen."""
    if Console.missing():
        print(f"SKIP pool-repo: the console's Storage screen: {Console.missing()}")
        return
    c = Console(x.state, x.port)
    try:
        c.keys("r")
        said = c.wait_for("the pool's repositories cannot be read now: the pool is", 40)
        s = c.screen()
        report("pool-repo: ... the console's Storage screen lists the host's own and says the pool's cannot be "
               "read now", c.started and said and any(ln.split()[:3] == ["own", "nfs", "mounted"]
                                                       for ln in s.splitlines()), s)
    finally:
        c.close()


def removed(a, b, c):
    busy = subprocess.Popen(["nsenter", "-t", str(b.agent.proc.pid), "-m", "sh", "-c",
                             f"exec sleep 120 < {b.repos}/shared/.tarn-repository"])
    time.sleep(0.5)
    code, ok = fault(c.api.repo.remove, "shared")
    report("pool-repo: removed pool-wide from C", code is None and ok is True and a.entry("shared") is None,
           (code, ok))
    unmounted = until(20, lambda: not a.mounted("shared"))
    report("pool-repo: A unmounts it", unmounted, open(f"/proc/{a.agent.proc.pid}/mountinfo").read()[-300:])
    said = until(20, lambda: b.events("%cannot unmount%"))
    report("pool-repo: B, where it is busy, keeps it and says why", said and b.mounted("shared"), said)
    busy.kill()
    busy.wait()
    later = until(45, lambda: not b.mounted("shared"), step=0.5)
    report("pool-repo: ... and unmounts it once it is free (tried again)", later, b.events("%shared%"))


def main():
    open(os.path.join(tarnd.LOGS, LOG), "w").close()
    root = tempfile.mkdtemp(prefix="pool-repo-")
    os.chmod(root, 0o755)  # the API user passes through to each state directory
    stand_in_mount(root)
    hosts = [Host(n, f"127.0.0.{k}", root) for k, n in enumerate("abc", start=2)]
    try:
        started = [h.start() for h in hosts]
        report("pool-repo: three agents start", all(started), started)
        form_pool(*hosts)
        added(*hosts)
        clash(hosts[0], hosts[1])
        pool_down(*hosts)
        removed(*hosts)
    finally:
        for h in hosts:
            if h.agent and h.agent.proc.poll() is None:
                h.signal(signal.SIGCONT)
        rcs = {h.name: h.agent.stop() for h in hosts if h.agent}
    report("pool-repo: every agent stops cleanly, no sanitizer report", all(rc == 0 for rc in rcs.values()),
           f"{rcs}; see {LOG}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True).returncode:
        print("SKIP pool-repo: cannot make mount namespaces here")
        sys.exit(0)
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
