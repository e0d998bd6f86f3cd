#!/usr/bin/env python3
"""Drift as the engine sees it (services/tarnd/guest-decide.c), on a real
tarnd with libxl's test double (domains are files): a running guest's
domain paused by hand is left paused for the grace (xl destroy pauses a
domain before it tears its devices down, and such a domain must not be
unpaused), then unpaused with a drift event; one paused and then destroyed
by hand is reported destroyed outside Tarn, not paused, and started again."""
import importlib.util
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
import tarnd  # noqa: E402
from tarnd import fault, until  # noqa: E402

spec = importlib.util.spec_from_file_location("watchdog_test", os.path.join(os.path.dirname(__file__), "watchdog.py"))
wd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(wd)
wd.LOG = LOG = "guest-drift.tarnd.log"
GRACE = 10  # TARN_PAUSE_GRACE


def set_state(h, name, state):
    """What xl pause does to the double's domain: its state letter."""
    path, w = h.domain_file(name)
    with open(path + ".tmp", "w") as f:
        f.write(f"{w[0]} {state} {w[2]}\n")
    os.rename(path + ".tmp", path)


def drift_events(h):
    return [e["message"] for e in h.api.event.list(0, 1000) if e["subject"] == "drift"]


def main():
    root = tempfile.mkdtemp(prefix="tarn-drift-")
    os.chmod(root, 0o755)  # the API process (user tarn or nobody) opens the store below it
    h = wd.Host(root)
    try:
        report("drift: tarnd-double starts, its pool node answers", h.start(), "pool.info kept failing")
        fault(h.api.pool.create, "drift")
        fault(h.api.guest.define, wd.GUEST.format("d1"))
        fault(h.api.guest.setState, "d1", "running")
        ran = until(20, lambda: h.domain("d1") == "r")
        time.sleep(3)  # settled: seen running as meant
        report("drift: the guest runs", ran, h.domain("d1"))

        set_state(h, "d1", "p")
        t = time.time()
        back = until(GRACE + 10, lambda: h.domain("d1") == "r", step=0.2)
        took = time.time() - t
        report(f"drift: a pause by hand is left for the grace, then undone ({took:.1f} s)",
               back and GRACE - 1 <= took <= GRACE + 5, took)
        report("drift: ... with a drift event saying it was paused outside Tarn",
               any("d1: it was paused outside Tarn" in e for e in drift_events(h)), drift_events(h))

        time.sleep(3)
        before = len(drift_events(h))
        set_state(h, "d1", "p")  # as xl destroy starts
        time.sleep(4)
        path, _ = h.domain_file("d1")
        held = h.domain("d1") == "p"
        os.unlink(path)  # ... and ends
        again = until(20, lambda: h.domain("d1") == "r")
        new = drift_events(h)[before:]
        report("drift: a domain paused, then destroyed, by hand is not unpaused meanwhile",
               held, h.domain("d1"))
        report("drift: ... it is reported destroyed outside Tarn (not paused), and started again",
               again and any("d1: its domain was destroyed outside Tarn" in e for e in new)
               and not any("paused outside" in e for e in new), new)
    finally:
        rc = h.agent.stop() if h.agent else 1
    report("drift: the agent stops cleanly, no sanitizer report", rc == 0, f"{rc}; see {LOG}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    import subprocess
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
