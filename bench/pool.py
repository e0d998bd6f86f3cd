#!/usr/bin/env python3
"""Pool benchmark for `./build.sh bench` (called by bench/run.sh; runs on
its own too): real tarnd (the plain build, out/c) on loopback addresses
127.0.0.x, each with its own state, API port and pool node, as the pool
tests run them.

- failover: kill -9 of the master's agent until another member's API names
  a new master (target < 2 s), --rounds times with 3 members, the killed
  one restarted and back as a follower between rounds;
- propagation: a guest defined through one member until every member's API
  lists it (target < 200 ms), with 3 and with --members (32) members,
  against the same call on a lone agent (the baseline: the write alone);
- memory: each member's agent (API process and engine, proportional set
  size) in a pool of 3 and of 32, against a lone agent.
Targets are reported, not asserted; the exit status is non-zero only when a
figure could not be measured. Results: --out (out/bench/pool.txt)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import tarnd  # noqa: E402
from tarnd import until  # noqa: E402
from tarnd import fault  # noqa: E402
from ports import free_port  # noqa: E402

PASSWORD = "bench password 1"
POOL_PASSWORD = "bench pool password"
GUEST = 'name = "{}"\nmemory = 64\nkernel = "/var/lib/tarn/kernels/vmlinuz"\n'
tarnd.TARND = os.path.join(TOP, "out", "c", "tarnd")  # not the sanitizer build


class Member:
    def __init__(self, root, k):
        self.ip = f"127.0.0.{k}"
        self.state = os.path.join(root, f"m{k}")
        os.makedirs(self.state)
        tarnd.set_password(self.state, PASSWORD)
        self.port, self.pool_address = free_port(), f"{self.ip}:{free_port()}"
        self.agent = None

    def start(self):
        self.agent = tarnd.Agent(self.state, self.port, self.pool_address, PASSWORD, log="pool-bench.tarnd.log",
                                 host=self.ip)
        self.api = self.agent.api
        return self.agent.wait_pool()

    def memory_mib(self):
        """(RSS, private dirty) of the agent's two processes, summed: RSS as ps
        shows it (shared library pages counted in each process); private
        dirty its own written memory (heap, stacks, the Raft log in memory),
        which is what a member adds whatever else runs. PSS and private
        clean pages depend on how many agents of the bench map the same
        libraries, where on real hosts each is alone."""
        pids = [self.agent.proc.pid] + [int(p) for p in subprocess.run(
            ["pgrep", "-P", str(self.agent.proc.pid)], capture_output=True, text=True).stdout.split()]
        rss = private = 0
        for pid in pids:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    key, kib = line.split()[0], line.split()[1]
                    rss += int(kib) if key == "Rss:" else 0
                    private += int(kib) if key == "Private_Dirty:" else 0
        return rss / 1024, private / 1024


def leader(m):
    code, i = fault(m.api.pool.info)
    return i["leader"] if code is None and i["leader"] else None


def form(members):
    """A pool of all of them, made on the first; (seconds joining took, each)."""
    code, _ = fault(members[0].api.pool.create, "bench", POOL_PASSWORD)
    if code is not None:
        raise SystemExit(f"pool.create failed: {code}")
    took = []
    fingerprint = members[0].api.host.info()["fingerprint"]  # the master's certificate, as its console shows it
    for m in members[1:]:
        t = time.time()
        code, msg = fault(m.api.pool.join, f"{members[0].ip}:{members[0].port}", POOL_PASSWORD, fingerprint)
        if code is not None:
            raise SystemExit(f"{m.ip} could not join: {msg}")
        took.append(time.time() - t)
    return took


def propagation(members, rounds, tag):
    """Seconds from a guest.define through one member until every member's
    API lists the guest, each round through the next member."""
    times = []
    for r in range(rounds):
        name = f"{tag}-{r}"
        writer = members[r % len(members)]
        t = time.time()
        code, _ = fault(writer.api.guest.define, GUEST.format(name))
        if code is not None:
            return None
        waiting = list(members)
        while waiting and time.time() - t < 10:
            waiting = [m for m in waiting if fault(m.api.guest.get, name)[0] is not None]
        if waiting:
            return None
        times.append(time.time() - t)
    return times


def failover(members, rounds):
    """kill -9 of the master until another member's API names a new one."""
    times = []
    for _ in range(rounds):
        lead = until(10, lambda: leader(members[0]), 0.02)
        victim = next((m for m in members if m.pool_address == lead), None)
        if not victim:
            return None
        rest = [m for m in members if m is not victim]
        t = time.time()
        victim.agent.kill9()
        new = until(20, lambda: next((x for x in (leader(m) for m in rest) if x and x != lead), None), 0.01)
        if not new:
            return None
        times.append(time.time() - t)
        victim.start()
        if not until(20, lambda: leader(victim) and leader(victim) != victim.pool_address, 0.2):
            return None
        time.sleep(3)  # a quiet pool before the next round: every member back in its role
    return times


def stop(members):
    for m in members:
        if m.agent:
            m.agent.stop()


def fmt(xs, unit=1000, suffix="ms"):
    return f"{statistics.median(xs) * unit:.0f} {suffix} (max {max(xs) * unit:.0f})" if xs else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(TOP, "out", "bench", "pool.txt"))
    ap.add_argument("--members", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    subprocess.run(["make", "-s", "-C", TOP, "all", "-j2"], check=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tarnd.LOGS = os.path.dirname(args.out)
    open(os.path.join(tarnd.LOGS, "pool-bench.tarnd.log"), "w").close()
    root = tempfile.mkdtemp(prefix="tarn-pool-bench-")
    os.chmod(root, 0o755)  # the API user passes through to each state directory
    rows, status, started = [], 0, []
    try:
        # the baseline: a lone agent, a pool of one
        lone = Member(root, 40)
        started.append(lone)
        lone.start()
        fault(lone.api.pool.create, "alone")
        time.sleep(2)
        base_write = propagation([lone], args.rounds, "lone")
        base_mem = lone.memory_mib()
        stop([lone])

        three = [Member(root, 41 + i) for i in range(3)]
        started += three
        if not all(m.start() for m in three):
            raise SystemExit("the three agents did not start")
        joins = form(three)
        until(20, lambda: all(leader(m) for m in three), 0.2)
        time.sleep(3)
        prop3 = propagation(three, args.rounds, "three")
        mem3 = [m.memory_mib() for m in three]
        fail3 = failover(three, args.rounds)
        stop(three)

        many = [Member(root, 50 + i) for i in range(args.members)]
        started += many
        t = time.time()
        if not all(m.start() for m in many):
            raise SystemExit(f"the {args.members} agents did not start")
        joins += form(many)
        formed = time.time() - t
        until(30, lambda: all(leader(m) for m in many), 0.5)
        time.sleep(12)  # every member's first heartbeat and role settled
        prop_n = propagation(many, args.rounds, "many")
        mem_n = [m.memory_mib() for m in many]
        stop(many)
    finally:
        stop(started)  # those stopped already are left as they are
        shutil.rmtree(root, ignore_errors=True)

    def row(what, figure, base, ratio, target):
        rows.append(f"{what:<52} {figure:>20} {base:>16} {ratio:>7}  {target}")

    def ratio(xs, b):
        return f"{statistics.median(xs) / b:.2f}" if xs and b else "n/a"
    bw = statistics.median(base_write) if base_write else None
    row("failover, 3 members (kill -9 of the master)", fmt(fail3), "target 2000 ms", ratio(fail3, 2.0), "< 2 s")
    row("a change on every member, 3 members", fmt(prop3), f"lone {bw * 1000:.0f} ms" if bw else "n/a",
        ratio(prop3, bw), "< 200 ms")
    row(f"a change on every member, {args.members} members", fmt(prop_n), f"lone {bw * 1000:.0f} ms" if bw else "n/a",
        ratio(prop_n, bw), "< 200 ms")
    for label, mem in (("3 members", mem3), (f"{args.members} members", mem_n)):
        for k, kind in ((0, "RSS"), (1, "private dirty")):
            avg = statistics.mean(x[k] for x in mem)
            row(f"agent memory ({kind}) per member, {label}", f"{avg:.1f} MiB", f"lone {base_mem[k]:.1f} MiB",
                f"{avg / base_mem[k]:.2f}", "")
    lines = [f"Tarn pool on loopback (plain build; {os.cpu_count()} CPUs; medians of {args.rounds} rounds, max in "
             f"brackets)",
             f"{'':<52} {'Tarn':>20} {'baseline':>16} {'ratio':>7}  target", *rows,
             f"join: median {fmt(joins)}; {args.members} members started and joined in {formed:.1f} s",
             "failover rounds: " + " ".join(f"{x:.2f}" for x in fail3 or []) + " s",
             f"propagation, {args.members} members: " + " ".join(f"{x * 1000:.0f}" for x in prop_n or []) + " ms",
             "(reads go to the master, so a change is on every member's API once the write commits: "
             "the figure is the write and the reads that see it)"]
    if not (fail3 and prop3 and prop_n):
        status = 1
    text = "\n".join(lines)
    print(text)
    with open(args.out, "w") as f:
        f.write(text + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
