"""Result lines for tests/run.sh: PASS name | FAIL name: why | SKIP name: why."""
import sys

failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL {name}: {why}", flush=True)
    return ok


def skip(name, why):
    print(f"SKIP {name}: {why}", flush=True)


def exit_status():
    sys.exit(1 if failures else 0)
