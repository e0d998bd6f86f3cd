#!/usr/bin/env python3
"""Live-migration benchmark for `./build.sh bench` (called by bench/run.sh).

Runs the image scenario `migrate` of tests/image/boot.py (two Tarn hosts
under QEMU at once on a shared socket network, in one pool; the tests' tiny
PV guest moved live from one to the other with tarnctl guest migrate, and a
move to a host without the memory refused) with its checks, and writes what
it measured to --out: the guest's downtime (from its suspend for the last
round of the copy to its copy running on the target, as the task reports
it), the migration's wall time and the scenario's. Two emulated hosts on two
shared cores: the figures are TCG's, not a real network's."""
import argparse
import importlib.util
import json
import os
import sys

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tarn-iso", required=True)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.environ["TARN_TEST_LOGS"] = args.logdir
    spec = importlib.util.spec_from_file_location("boot", os.path.join(TOP, "tests", "image", "boot.py"))
    boot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(boot)
    boot.ISO = args.tarn_iso
    measured = boot.migration()
    lines = [f"live migration of the tiny PV guest (128 MiB) between two Tarn hosts under QEMU (TCG)",
             f"downtime: {measured['downtime_ms']} ms",
             f"migration (tarnctl guest migrate --wait): {measured['migrate_s']} s",
             f"scenario (two boots, pool, guest, refusal, migration): {measured['scenario_s']} s",
             "json: " + json.dumps(measured)]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if measured["downtime_ms"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
