#!/usr/bin/env python3
"""Boot measurements for `./build.sh bench` (called by bench/run.sh).

Boots Tarn (out/tarn.iso as a BIOS CD, default GRUB entry, no data disk) and
the Debian baseline (bench/baseline.sh: its boot ISO plus its root on a
virtio disk) one after the other, the same way, under tests/lib/qemu.py's
Machine, and measures for each:
  - image size: Tarn's ISO; the baseline's boot ISO + the used bytes of its
    (sparse) root image;
  - console ready: seconds from QEMU start to the console program on the
    serial line: Tarn's console menu, the baseline's `login: ` prompt;
  - dom0 memory in use at idle: MemTotal - MemAvailable from /proc/meminfo,
    read after logging in as root and leaving the system idle.
With --runs N (TARN_BENCH_RUNS) each system is booted N times, alternately,
and the table shows the medians. Prints a table with the ratios
(Tarn/baseline) and the issue's targets, and writes it to --out. Targets are
reported, not asserted: the exit status is non-zero only when a measurement
could not be taken. Other QEMU processes running meanwhile (e.g. the test
suite) skew TCG boot times, so the report warns when it saw any.
"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from qemu import Machine  # noqa: E402

MIB = 1024 * 1024


def meminfo(text):
    """/proc/meminfo -> {field: kB}"""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
            out[parts[0][:-1]] = int(parts[1])
    return out


def other_qemus():
    """QEMU processes on this host that are not this benchmark's: they share the
    CPUs with the guest under test and make its timings meaningless."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if argv and os.path.basename(argv[0]).startswith(b"qemu-system") and ppid != os.getpid():
            found.append(int(pid))
    return found


def measure(name, logdir, ready_timeout, idle, tarn=False, **machine_args):
    """Boot one system; return a dict of figures, with 'error' if one is missing."""
    res = {"name": name, "others": set(other_qemus())}
    m = Machine(name, logdir, **machine_args)
    res["log"] = m.log_path
    try:
        if tarn:  # the console menu, then its local shell
            m.expect(r"Local shell", ready_timeout)
            res["ready"] = m.elapsed()
            m.mark = 0
            m.console_shell("bench console password", 60)
        else:
            m.expect(r"login: ", ready_timeout)
            res["ready"] = m.elapsed()
            m.send("root\n")
            got = m.expect(r"(# |Password: )", 60)
            if got.group(1) == b"Password: ":  # root has no password; an empty answer will do
                m.send("\n")
                m.expect(r"# ", 60)
        m.run("dmesg -n 1 2>/dev/null; true")  # keep kernel messages off the shell's output
        time.sleep(idle)
        rc, out = m.run("cat /proc/meminfo")
        mi = meminfo(out)
        if rc != 0 or "MemTotal" not in mi or "MemAvailable" not in mi:
            raise RuntimeError(f"could not read /proc/meminfo (status {rc}): {out[:200]!r}")
        res["memtotal"] = mi["MemTotal"] * 1024
        res["memavail"] = mi["MemAvailable"] * 1024
        res["shmem"] = mi.get("Shmem", 0) * 1024
        res["mem_used"] = res["memtotal"] - res["memavail"]
        res["free"] = m.run("free -m")[1]
        res["kernel"] = m.run("uname -r")[1].strip()
        rc, out = m.run("xl list 2>&1 | head -n 3")
        res["xl_list_ok"] = rc == 0 and "Domain-0" in out
        res["xl_list"] = out
    except Exception as e:  # a hung or failed boot is reported, not a crash
        res["error"] = f"{type(e).__name__}: {e}"
    finally:
        res["others"] |= set(other_qemus())
        m.close()
    return res


def fmt(v, unit):
    if v is None:
        return "n/a"
    return f"{v / MIB:.1f}" if unit == "MiB" else f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tarn-iso", required=True)
    ap.add_argument("--base-iso", required=True)
    ap.add_argument("--base-root", required=True, help="the cached root image (not written)")
    ap.add_argument("--work", required=True, help="where to put the copy of it that each boot writes to")
    ap.add_argument("--base-versions", default="")
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--idle", type=int, default=int(os.environ.get("TARN_BENCH_IDLE", "20")))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("TARN_BENCH_RUNS", "1")))
    a = ap.parse_args()

    tarn_iso = os.stat(a.tarn_iso).st_size
    base_iso = os.stat(a.base_iso).st_size
    base_root = os.stat(a.base_root).st_blocks * 512  # du: the file is sparse
    base_root_apparent = os.stat(a.base_root).st_size
    root_copy = os.path.join(a.work, "debian-root.img")

    tarns, bases = [], []
    for i in range(1, a.runs + 1):
        n = f" (run {i}/{a.runs})" if a.runs > 1 else ""
        print(f"==> booting Tarn{n} ({a.tarn_iso}) under QEMU/TCG", file=sys.stderr, flush=True)
        tarns.append(measure(f"bench-tarn-{i}", a.logdir, 300, a.idle, tarn=True, iso=a.tarn_iso))
        print(f"==> booting the Debian baseline{n} ({a.base_iso} + {a.base_root})", file=sys.stderr, flush=True)
        # Booting writes to the root disk: every boot gets a fresh copy of the pristine image.
        subprocess.run(["cp", "--sparse=always", a.base_root, root_copy], check=True)
        try:
            bases.append(measure(f"bench-debian-{i}", a.logdir, 900, a.idle, iso=a.base_iso, data=root_copy))
        finally:
            os.unlink(root_copy)

    def median(results, key):
        vals = [r[key] for r in results if key in r]
        return statistics.median(vals) if vals and len(vals) == len(results) else None

    rows = []  # metric, tarn, base, unit, target text, met?

    def ratio(t, b):
        return f"{t / b:.2f}" if t is not None and b else "n/a"

    size_t, size_b = tarn_iso, base_iso + base_root
    rows.append(("image size (MiB)", fmt(size_t, "MiB"), fmt(size_b, "MiB"), ratio(size_t, size_b),
                 "< 80 MiB", size_t < 80 * MIB))
    rt, rb = median(tarns, "ready"), median(bases, "ready")
    rows.append(("console ready (s from QEMU start)", fmt(rt, "s"), fmt(rb, "s"), ratio(rt, rb),
                 "< 0.5 x baseline", None if rt is None or rb is None else rt < 0.5 * rb))
    mt, mb = median(tarns, "mem_used"), median(bases, "mem_used")
    rows.append(("dom0 memory in use at idle (MiB)", fmt(mt, "MiB"), fmt(mb, "MiB"), ratio(mt, mb),
                 "< 96 MiB", None if mt is None else mt < 96 * MIB))

    head = ("metric", "Tarn", "Debian", "Tarn/Debian", "target", "met")
    table = [head] + [(r[0], r[1], r[2], r[3], r[4], "n/a" if r[5] is None else ("yes" if r[5] else "NO"))
                      for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = []
    lines.append(f"Tarn boot benchmark, {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()
    lines.append(f"host: {platform.node()}, {os.cpu_count()} CPUs; {qemu[0] if qemu else 'qemu'}; "
                 "TCG, -cpu qemu64,+svm -smp 2 -m 2048, BIOS, dom0_mem=512M for both")
    if a.runs > 1:
        lines.append(f"medians of {a.runs} boots each")
    lines.append("")
    for i, row in enumerate(table):
        lines.append("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(row)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    busy = sorted(set().union(*(r["others"] for r in tarns + bases)))
    if busy:
        lines.append("")
        lines.append(f"WARNING: other QEMU processes (pids {', '.join(map(str, busy))}) ran during this "
                     "benchmark on the same CPUs;\nthe boot times above are not trustworthy. Run it again on an idle host.")
    lines.append("")
    lines.append(f"Tarn image: {a.tarn_iso}, {tarn_iso} bytes")
    lines.append(f"Debian image: boot ISO {base_iso} bytes ({base_iso / MIB:.1f} MiB) + root image "
                 f"{base_root} bytes used ({base_root / MIB:.1f} MiB; {base_root_apparent / MIB:.0f} MiB apparent, sparse)")
    if a.base_versions and os.path.exists(a.base_versions):
        with open(a.base_versions) as f:
            lines.append("Debian packages: " + "; ".join(" ".join(l.split()) for l in f if l.strip()))
    for r in tarns + bases:
        lines.append("")
        lines.append(f"[{r['name']}] serial log: {r['log']}")
        if "ready" in r:
            lines.append(f"  console ready after {r['ready']:.1f} s")
        if "kernel" in r:
            lines.append(f"  dom0 kernel {r['kernel']}; xl list shows Domain-0: {'yes' if r['xl_list_ok'] else 'NO'}")
        if "memtotal" in r:
            lines.append(f"  MemTotal {r['memtotal'] // 1024} kB, MemAvailable {r['memavail'] // 1024} kB, "
                         f"Shmem (tmpfs, in-memory root) {r['shmem'] // 1024} kB after {a.idle} s idle; free -m:")
            lines += ["    " + l for l in r["free"].splitlines()]
        if "error" in r:
            lines.append(f"  MEASUREMENT FAILED: {r['error']}")

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    failed = [r["name"] for r in tarns + bases if "error" in r]
    if failed:
        print(f"error: measurements missing for {', '.join(failed)} (see above and the serial logs)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
