#!/usr/bin/env python3
"""guest.* for a guest's run time on a real tarnd (ASan/UBSan build) on
loopback, off Xen: memory and vCPU changes kept in the xl.cfg and checked
against the host (its facts, as the engine read them from /proc here), the
host limit at guest.define, a guest's console log (a stand-in for
xenconsoled's), and tarnctl's verbs for them."""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from ports import free_port  # noqa: E402

spec = importlib.util.spec_from_file_location("pool_api", os.path.join(os.path.dirname(__file__), "pool-api.py"))
pool_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pool_api)
Agent, fault, TARND, PASSWORD = pool_api.Agent, pool_api.fault, pool_api.TARND, pool_api.PASSWORD
TARNCTL = os.path.join(os.path.dirname(TARND), "tarnctl")

SMALL = """name = "small"
memory = 128
vcpus = 1
kernel = "/k/vmlinuz"   # the kernel
"""


def wait_facts(api, seconds=20):
    """Until the engine has read the host's facts once."""
    end = time.time() + seconds
    while time.time() < end:
        info = api.host.info()
        if info["facts_age"] >= 0 and info["memory_total_mib"] > 0:
            return info
        time.sleep(0.2)
    return None


def memory_and_vcpus(api, host):
    mib, cpus = host["memory_total_mib"], host["cpus"]
    code, msg = fault(api.guest.define, SMALL.replace("128", str(mib + 1)))
    names = [g["name"] for g in api.guest.list()]
    report("run: guest.define refuses memory larger than the host, naming both, and defines nothing",
           code == -500 and f"memory {mib + 1} MiB is more than this host's {mib} MiB" in msg and names == [],
           (code, msg, names))
    code, g = fault(api.guest.define, SMALL)
    report("run: a guest that fits is defined", code is None and g["memory"] == 128, (code, g))
    gen = api.guest.get("small")["gen"]
    code, ok = fault(api.guest.setMemory, "small", 256)
    g = api.guest.get("small")
    report("run: guest.setMemory rewrites memory in the xl.cfg, keeps the rest, bumps the generation",
           ok is True and g["memory"] == 256 and "memory = 256\n" in g["xlcfg"] and "# the kernel" in g["xlcfg"]
           and "memory = 128" not in g["xlcfg"] and g["gen"] > gen, (code, g))
    code, msg = fault(api.guest.setMemory, "small", mib + 100)
    report("run: guest.setMemory refuses more than the host has", code == -500
           and f"memory {mib + 100} MiB is more than this host's {mib} MiB" in msg, (code, msg))
    code, msg = fault(api.guest.setMemory, "small", 8)
    report("run: guest.setMemory refuses less than a guest needs", code == -500 and "below the 32 MiB" in msg,
           (code, msg))
    code, msg = fault(api.guest.setMemory, "ghost", 64)
    report("run: guest.setMemory of a missing guest is fault -500", code == -500 and "no guest named ghost" in msg,
           (code, msg))
    code, msg = fault(api.guest.setMemory, "small", "lots")
    report("run: guest.setMemory with a non-integer is fault -501", code == -501, (code, msg))
    code, ok = fault(api.guest.setVcpus, "small", cpus)
    g = api.guest.get("small")
    report("run: guest.setVcpus rewrites vcpus in the xl.cfg", ok is True and g["vcpus"] == cpus
           and f"vcpus = {cpus}\n" in g["xlcfg"] and g["memory"] == 256, (code, g))
    code, msg = fault(api.guest.setVcpus, "small", cpus + 1)
    report("run: guest.setVcpus refuses more vCPUs than the host has CPUs",
           code == -500 and f"{cpus + 1} vCPUs are more than this host's {cpus} CPUs" in msg, (code, msg))
    code, msg = fault(api.guest.setVcpus, "small", 0)
    report("run: guest.setVcpus refuses 0", code == -500 and "at least 1 vCPU" in msg, (code, msg))
    code, _ = fault(api.guest.define, 'name = "capped"\nmemory = 64\nmaxmem = 96\nkernel = "/k/v"\n')
    code2, msg = fault(api.guest.setMemory, "capped", 128)
    code3, ok = fault(api.guest.setMemory, "capped", 96)
    report("run: memory above the config's maxmem is refused, up to it is taken",
           code is None and code2 == -500 and "above the guest's maxmem (96)" in msg and ok is True, (code2, msg))
    code, _ = fault(api.guest.define, 'name = "oneline"\nmemory = 64; vcpus = 1\nkernel = "/k/v"\n')
    code2, msg = fault(api.guest.setMemory, "oneline", 80)
    report("run: a memory setting sharing its line with another is refused, not half-rewritten",
           code is None and code2 == -500 and "change it by hand" in msg
           and api.guest.get("oneline")["memory"] == 64, (code, code2, msg))


def console(a, consoles):
    api = a.api
    code, msg = fault(api.guest.console, "small", 4096)
    report("console: a guest that never ran has no log, said plainly",
           code == -500 and "small has no console log yet" in msg, (code, msg))
    with open(os.path.join(consoles, "guest-small.log"), "wb") as f:
        f.write(b"x" * 5000 + b"\n\x1b[1;32mTARN-GUEST-UP small\x1b[0m\r\n\x07caf\xc3\xa9 \xff end\n")
    code, text = fault(api.guest.console, "small", 60)
    report("console: guest.console returns the log's tail, escapes and control characters left out, "
           "UTF-8 kept, bad bytes as ?", code is None and text.endswith("TARN-GUEST-UP small\ncafé ? end\n")
           and "x" * 5 in text and len(text) <= 60, (code, text))
    code, text = fault(api.guest.console, "small", 256 * 1024)
    report("console: a tail longer than the log is the whole log", code is None and len(text) > 5000, (code, len(text)))
    code, msg = fault(api.guest.console, "small", 0)
    code2, msg2 = fault(api.guest.console, "small", 10 ** 9)
    report("console: bytes outside 1 to 256 KiB is fault -500", code == -500 and code2 == -500
           and "bytes is 1 to" in msg, (code, msg, code2, msg2))
    code, msg = fault(api.guest.console, "../../etc/passwd", 100)
    report("console: a name that is no guest is refused before any file is opened",
           code == -500 and "no guest named" in msg, (code, msg))
    rc, out = tarnctl(a, "guest", "console-log", "small", "40")
    report("tarnctl: guest console-log prints the tail", rc == 0 and out.endswith("TARN-GUEST-UP small\ncafé ? end\n"),
           (rc, out))


def suspend_resume(a):
    api = a.api
    code, msg = fault(api.guest.suspend, "small")
    report("suspend: a guest meant to be stopped is not suspended, said plainly",
           code == -500 and "nothing to suspend" in msg and api.guest.get("small")["desired"] == "stopped", (code, msg))
    code, msg = fault(api.guest.suspend, "ghost")
    report("suspend: a missing guest is fault -500", code == -500 and "no guest named ghost" in msg, (code, msg))
    api.guest.setState("small", "running")
    gen = api.guest.get("small")["gen"]
    code, ok = fault(api.guest.suspend, "small")
    g = api.guest.get("small")
    report("suspend: guest.suspend makes a guest meant to run meant to be suspended, with a new generation",
           ok is True and g["desired"] == "suspended" and g["gen"] > gen, (code, g))
    code, ok = fault(api.guest.resume, "small")
    report("suspend: guest.resume makes it meant to run again", ok is True
           and api.guest.get("small")["desired"] == "running", (code, ok))
    code, ok = fault(api.guest.setState, "small", "suspended")
    report("suspend: guest.setState takes suspended too", ok is True
           and api.guest.get("small")["desired"] == "suspended", (code, ok))
    code, msg = fault(api.guest.setState, "small", "asleep")
    report("suspend: the list of power states names suspended", code == -500 and "or suspended" in msg, (code, msg))
    rc, out = tarnctl(a, "guest", "resume", "small")
    rc2, out2 = tarnctl(a, "guest", "suspend", "small")
    report("tarnctl: guest suspend and resume", rc == 0 and rc2 == 0
           and api.guest.get("small")["desired"] == "suspended", (rc, out, rc2, out2))
    api.guest.setState("small", "stopped")


def tarnctl(a, *args):
    env = dict(os.environ, TARN_PASSWORD=PASSWORD)
    p = subprocess.run([TARNCTL, "--host", "127.0.0.1", "--port", str(a.port), "--cacert",
                        os.path.join(a.state, "tls", "cert.pem"), *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


def verbs(a, host):
    rc, out = tarnctl(a, "guest", "memory", "small", "192")
    report("tarnctl: guest memory sets it and says it applies at the next start (the guest is stopped)",
           rc == 0 and "memory set to 192 MiB" in out and "next start" in out
           and a.api.guest.get("small")["memory"] == 192, (rc, out))
    rc, out = tarnctl(a, "guest", "vcpus", "small", "1")
    report("tarnctl: guest vcpus sets it", rc == 0 and "vCPUs set to 1" in out, (rc, out))
    rc, out = tarnctl(a, "guest", "memory", "small", str(host["memory_total_mib"] * 2))
    report("tarnctl: guest memory beyond the host exits 1 with the agent's reason",
           rc == 1 and "more than this host's" in out, (rc, out))
    rc, out = tarnctl(a, "guest", "memory", "small", "lots")
    report("tarnctl: guest memory with a non-number is a usage error (exit 2)", rc == 2, (rc, out))


def main():
    state = tempfile.mkdtemp(prefix="guest-run-")
    subprocess.run([TARND, "--set-password", "--state", state], input=(PASSWORD + "\n").encode(),
                   capture_output=True)
    consoles = os.path.join(state, "consoles")
    os.makedirs(consoles)
    a = Agent(state, free_port(), free_port(), extra=("--console-dir", consoles))
    try:
        report("run: the pool node elects itself", a.wait_pool(), "pool.info kept failing")
        a.api.pool.create("lab")
        host = wait_facts(a.api)
        report("run: the engine reads the host's facts", host is not None, "host.info facts_age stayed -1")
        if host:
            memory_and_vcpus(a.api, host)
            verbs(a, host)
            console(a, consoles)
            suspend_resume(a)
    finally:
        rc = a.stop()
        report("run: tarnd stops cleanly, no sanitizer report", rc == 0, f"exit {rc}; see pool-api.tarnd.log")
    shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    subprocess.run(["make", "-s", "-C", pool_api.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
