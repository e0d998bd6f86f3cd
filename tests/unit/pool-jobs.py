#!/usr/bin/env python3
"""The pool's I/O work on three real tarnd (ASan/UBSan build), each in a mount
namespace of its own with pool-repo.py's stand-in NFS mount: A is a VM server
only, B and C are utility servers. Work asked of A on a pool repository runs
on a utility server, the least loaded, never on A; A's task follows it to its
end; one in maintenance is skipped; a cancel asked on A stops the import on
the utility server; a job queued on a utility server that stops answering is
moved to the other by the master and done there."""
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from ports import free_port  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault, until  # noqa: E402

spec = importlib.util.spec_from_file_location("pool_repo", os.path.join(os.path.dirname(__file__), "pool-repo.py"))
pool_repo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pool_repo)
pool_repo.LOG = LOG = "pool-jobs.tarnd.log"
Host = pool_repo.Host


def jobs(h):
    code, lst = fault(h.api.pool.jobs)
    return lst if code is None else []


def task_of(h, task):
    code, t = fault(h.api.task.get, task)
    return t if code is None else {}


def ended(h, task, timeout=40):
    until(timeout, lambda: task_of(h, task).get("state") in ("done", "failed", "cancelled"))
    return task_of(h, task)


def form(a, b, c):
    code, _ = fault(a.api.pool.create, "lab", pool_repo.POOL_PASSWORD)
    fingerprint = a.api.host.info()["fingerprint"]
    joined = [fault(h.api.pool.join, a.master_spec, pool_repo.POOL_PASSWORD, fingerprint)[0] for h in (b, c)]
    roles = [fault(a.api.pool.setRoles, "vm-server"), fault(c.api.pool.setRoles, "utility")]
    code2, _ = fault(a.api.repo.add, {"name": "shared", "kind": "nfs", "source": "192.0.2.5:/pool/jobs",
                                      "scope": "pool"})
    mounted = until(30, lambda: all(h.state_of("shared") == "mounted" for h in (a, b, c)))
    report("pool-jobs: a pool of three, A a VM server only, a pool repository mounted on all",
           code is None and joined == [None, None] and roles == [(None, True)] * 2 and code2 is None and mounted,
           (code, joined, roles, code2, [h.entry("shared") for h in (a, b, c)]))


def handed_over(a, b, c, export):
    code, task = fault(a.api.disk.create, "shared", "one", 1, "1M")
    t = ended(a, task) if code is None else {}
    job = next((j for j in jobs(a) if j["kind"] == "disk.create"), {})
    utility = {b.pool_address: b, c.pool_address: c}.get(job.get("host"))
    report("pool-jobs: a disk asked of A (no utility role) is made by a utility server, A's task follows it to done",
           code is None and t.get("state") == "done" and utility is not None and job.get("state") == "done" and
           t.get("message", "").startswith(f"on {job.get('host')}: made running_pool/one-001.img") and
           os.path.exists(os.path.join(export, "running_pool", "one-001.img")), (code, t, job))
    theirs = utility and fault(utility.api.task.get, job.get("task"))[1]
    report("pool-jobs: ... as a task of the utility server's own, which records the job it runs",
           bool(theirs) and theirs.get("state") == "done" and theirs.get("args", "").startswith(f"for_job={job['id']}\n"),
           theirs)
    code, lst = fault(b.api.pool.jobs)
    report("pool-jobs: every member lists the job", code is None and any(j["id"] == job.get("id") for j in lst), lst)


def ctl(h, *args):
    r = subprocess.run([os.path.join(tarnd.TOP, "out", "c-san", "tarnctl"), "--host", h.ip, "--port", str(h.port),
                        "--cacert", os.path.join(h.state, "tls", "cert.pem"), *args], capture_output=True, text=True,
                       env=dict(os.environ, TARN_PASSWORD=pool_repo.PASSWORD), timeout=120)
    return r.returncode, r.stdout + r.stderr


def with_tarnctl(a, b, export):
    rc, out = ctl(a, "disk", "create", "--count", "1", "--size", "1M", "--prefix", "cli", "--wait", "shared")
    rc2, table = ctl(b, "pool", "jobs")
    row = next((line for line in table.splitlines() if "made running_pool/cli-001.img" in line), "")
    report("pool-jobs: tarnctl disk create --wait on A waits for the utility server's work; pool jobs on B shows "
           "where it ran", rc == 0 and os.path.exists(os.path.join(export, "running_pool", "cli-001.img")) and
           rc2 == 0 and table.startswith("JOB") and " done " in row and " 100%" in row and
           ("127.0.0.3:" in row or "127.0.0.4:" in row), (rc, out, rc2, table))


TEMPLATE = """# the test template
name = "tiny"
kernel = "vmlinuz"
memory = 64
vcpus = 1
disk = [ 'file:disk.img,xvda,w' ]
"""


def template_copy(a, b, c, export):
    tpl = os.path.join(export, "seed_pool", "tiny")
    os.makedirs(tpl)
    with open(os.path.join(tpl, "vm.cfg"), "w") as f:
        f.write(TEMPLATE)
    with open(os.path.join(tpl, "vmlinuz"), "wb") as f:
        f.write(os.urandom(4096))
    with open(os.path.join(tpl, "disk.img"), "wb") as f:
        f.write(b"TEMPLATE-DISK")
        f.truncate(8 << 20)
    code, task = fault(a.api.guest.createFromTemplate, "shared", "tiny", "web1")
    t = ended(a, task) if code is None else {}
    job = next((j for j in jobs(a) if j["kind"] == "guest.fromtemplate"), {})
    disk = os.path.join(export, "running_pool", "web1", "disk.img")
    copied = os.path.exists(disk) and open(disk, "rb").read(13) == b"TEMPLATE-DISK"
    defined = fault(a.api.guest.get, "web1")[0] is None
    report("pool-jobs: a guest made from a template in the pool repository on A: the copy is a utility server's "
           "job, the guest defined", code is None and t.get("state") == "done" and
           job.get("host") in (b.pool_address, c.pool_address) and copied and defined, (code, t, job, copied))


def spread(a, b, c, export):
    asked = [fault(a.api.disk.create, "shared", f"spread{i}", 1, "1M") for i in range(4)]
    done = [ended(a, task) for code, task in asked if code is None]
    mine = [j for j in jobs(a) if "prefix=spread" in j["args"]]
    hosts = sorted(j["host"] for j in mine)
    report("pool-jobs: four asked at once are shared by the two utility servers, two each (the least loaded first)",
           len(done) == 4 and all(t.get("state") == "done" for t in done) and
           hosts == sorted([b.pool_address] * 2 + [c.pool_address] * 2) and
           all(os.path.exists(os.path.join(export, "running_pool", f"spread{i}-001.img")) for i in range(4)),
           (asked, done, mine))
    code = fault(a.api.pool.setMaintenance, c.pool_address, True)[0]
    asked = [fault(a.api.disk.create, "shared", f"maint{i}", 1, "1M")[1] for i in range(2)]
    done = [ended(a, task) for task in asked]
    hosts = {j["host"] for j in jobs(a) if "prefix=maint" in j["args"]}
    fault(a.api.pool.setMaintenance, c.pool_address, False)
    report("pool-jobs: a utility server in maintenance gets none", code is None and hosts == {b.pool_address} and
           all(t.get("state") == "done" for t in done), (code, hosts, done))


def cancelled(a, export):
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(tarnd.TOP, "tests", "lib", "slow-http.py"), str(port)])
    try:
        time.sleep(0.5)
        code, task = fault(getattr(a.api.repo, "import"), "shared", f"http://127.0.0.1:{port}/slow/big.iso")
        moving = until(30, lambda: task_of(a, task).get("progress", 0) > 0)
        asked = fault(a.api.task.cancel, task)
        t = ended(a, task)
        job = next((j for j in jobs(a) if j["kind"] == "repo.import"), {})
        partial = [n for n in os.listdir(os.path.join(export, "iso_pool")) if n.startswith(".tarn-partial")]
        report("pool-jobs: an import's progress reaches A, and a cancel asked on A stops it on the utility server, "
               "leaving nothing", code is None and moving and asked == (None, True) and t.get("state") == "cancelled"
               and job.get("state") == "cancelled" and not partial and
               not os.path.exists(os.path.join(export, "iso_pool", "big.iso")), (code, moving, asked, t, job, partial))
    finally:
        server.kill()
        server.wait()


def local_file(a, export, root):
    """A file on the host asked is imported there, never handed to another member."""
    path = os.path.join(root, "local.iso")
    with open(path, "wb") as f:
        f.write(os.urandom(1 << 20))
    os.chmod(path, 0o644)
    code, task = fault(getattr(a.api.repo, "import"), "shared", path)
    t = ended(a, task) if code is None else {}
    handed = [j for j in jobs(a) if path in j["args"]]
    copied = os.path.join(export, "iso_pool", "local.iso")
    report("pool-jobs: a local file imported on A into the pool repository is imported by A itself, not handed over",
           code is None and t.get("state") == "done" and not t.get("args", "").startswith("job=") and not handed and
           os.path.exists(copied) and open(copied, "rb").read() == open(path, "rb").read(), (code, t, handed))
    roles = fault(a.api.pool.setRoles, "")
    unmounted = until(30, lambda: a.state_of("shared") == "not needed")
    code, msg = fault(getattr(a.api.repo, "import"), "shared", path)
    fault(a.api.pool.setRoles, "vm-server")
    report("pool-jobs: ... and refused, saying why, on a member that has not mounted the repository",
           roles == (None, True) and unmounted and code == -500 and "has not mounted pool repository shared" in msg,
           (roles, unmounted, code, msg))
    until(30, lambda: a.state_of("shared") == "mounted")


def dead_utility(a, b, c, export):
    """C stops answering with a job queued on it: the master moves it to B."""
    c.signal(signal.SIGSTOP)
    try:
        asked = [fault(a.api.disk.create, "shared", f"late{i}", 1, "1M") for i in range(2)]
        on_c = [j for j in jobs(a) if "prefix=late" in j["args"]]
        stuck = [j for j in on_c if j["host"] == c.pool_address]
        report("pool-jobs: (setup) with C stopped, one of two new jobs is queued on C (its heartbeat still fresh)",
               all(code is None for code, _ in asked) and len(stuck) == 1, (asked, on_c))
        started = time.monotonic()
        done = [ended(a, task, timeout=120) for _, task in asked]
        moved = [j for j in jobs(a) if stuck and j["id"] == stuck[0]["id"]]
        report("pool-jobs: the job queued on C, which stopped answering, is moved to B by the master and done there",
               all(t.get("state") == "done" for t in done) and moved and moved[0]["host"] == b.pool_address and
               all(os.path.exists(os.path.join(export, "running_pool", f"late{i}-001.img")) for i in range(2)),
               (done, moved, f"{time.monotonic() - started:.1f}s"))
        print(f"pool-jobs: moved off the stopped utility server and done {time.monotonic() - started:.1f} s after it "
              "was asked")
    finally:
        c.signal(signal.SIGCONT)


def refused(a, b, c):
    roles = [fault(h.api.pool.setRoles, "vm-server") for h in (b, c)]
    code, msg = fault(a.api.disk.create, "shared", "none", 1, "1M")
    report("pool-jobs: with no utility server in the pool, the work is refused, saying why",
           roles == [(None, True)] * 2 and code == -500 and "no member of the pool has the utility role" in msg,
           (roles, code, msg))


def main():
    open(os.path.join(tarnd.LOGS, LOG), "w").close()
    root = tempfile.mkdtemp(prefix="pool-jobs-")
    os.chmod(root, 0o755)
    pool_repo.stand_in_mount(root)
    export = os.path.join(root, "exports", "jobs")
    hosts = [Host(n, f"127.0.0.{k}", root) for k, n in enumerate("abc", start=2)]
    try:
        started = [h.start() for h in hosts]
        report("pool-jobs: three agents start", all(started), started)
        form(*hosts)
        handed_over(*hosts, export)
        with_tarnctl(hosts[0], hosts[1], export)
        template_copy(*hosts, export)
        spread(*hosts, export)
        cancelled(hosts[0], export)
        local_file(hosts[0], export, root)
        dead_utility(*hosts, export)
        refused(*hosts)
    finally:
        for h in hosts:
            if h.agent and h.agent.proc.poll() is None:
                h.signal(signal.SIGCONT)
        rcs = {h.name: h.agent.stop() for h in hosts if h.agent}
    report("pool-jobs: every agent stops cleanly, no sanitizer report", all(rc == 0 for rc in rcs.values()),
           f"{rcs}; see {LOG}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True).returncode:
        print("SKIP pool-jobs: cannot make mount namespaces here")
        sys.exit(0)
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
