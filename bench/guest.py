#!/usr/bin/env python3
"""Guest benchmark for `./build.sh bench` (called by bench/run.sh).

Boots Tarn (out/tarn.iso) under QEMU with a data disk holding the tests'
tiny PV guest (tests/guest/template.sh) and runs bench/guest-dom0.sh in
dom0: the guest started by a plain `xl create` against the same guest
started through the agent's API (guest.setState running), each timed from
the call to its init's marker on its console, alternately, --runs times;
then the time the agent takes to notice an `xl destroy` by hand (its drift
event). Prints medians and the API/xl ratio (the issue's target: within
10%) and writes them to --out."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from qemu import Machine  # noqa: E402


def data_disk(work):
    """A TARN-DATA disk with the tiny guest and the dom0 script on it."""
    stage = os.path.join(work, "data")
    subprocess.run([os.path.join(TOP, "tests", "guest", "template.sh"), os.path.join(stage, "tiny")],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", os.path.join(TOP, "bench", "guest-dom0.sh"), stage], check=True)
    img = os.path.join(work, "guest-data.img")
    subprocess.run(["truncate", "-s", "256M", img], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "TARN-DATA", "-d", stage, img], check=True)
    return img


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tarn-iso", required=True)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("TARN_BENCH_RUNS", "3")))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="tarn-guest-bench-")
    m = Machine("bench-guest", a.logdir, iso=a.tarn_iso, data=data_disk(work))
    try:
        m.console_shell("bench console password", 300)
        m.run("dmesg -n 1 2>/dev/null; true")
        rc, out = m.run(f"sh /var/lib/tarn/guest-dom0.sh {a.runs}", 600 + 300 * a.runs)
    finally:
        m.close()
        subprocess.run(["rm", "-rf", work])
    got = {"plain": [], "api": [], "api_domain": [], "api_unpaused": [], "drift": []}
    for line in out.splitlines():
        key, _, val = line.strip().partition("=")
        if key in got:
            got[key].append(float(val))
    med = {k: statistics.median(v) if v else None for k, v in got.items()}
    lines = [f"Tarn guest benchmark ({a.runs} runs each, medians; QEMU/TCG, -smp 2 -m 2048; times taken in dom0)", ""]
    lines.append(f"{'':40} {'seconds':>8}   runs")
    for key, what in (("plain", "xl create -> console marker"), ("api", "API guest.setState running -> marker"),
                      ("api_domain", "  of which: call -> domain exists"),
                      ("api_unpaused", "  of which: call -> domain unpaused"),
                      ("drift", "xl destroy by hand -> drift event")):
        v = med[key]
        lines.append(f"{what:40} {'n/a' if v is None else f'{v:8.2f}'}   {', '.join(f'{x:.2f}' for x in got[key])}")
    if med["plain"] and med["api"]:
        ratio = med["api"] / med["plain"]
        lines.append("")
        lines.append(f"API / xl create: {ratio:.2f} (target: within 10%, <= 1.10: {'met' if ratio <= 1.10 else 'NOT met'})")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(a.out, "w") as f:
        f.write(text)
    if rc != 0 or None in (med["plain"], med["api"], med["drift"]):
        print(f"error: guest measurements missing (status {rc}); see {m.log_path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
