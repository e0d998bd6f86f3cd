#!/usr/bin/env python3
"""Xen's watchdog for dom0 (services/tarnd/watchdog.h), on a real tarnd with
libxl's test double (tarnd-double: domains are files, and dom0's two
watchdog slots are kept in the file watchdog beside them, every call logged
to watchdog.log): armed while an HA guest runs, kicked every few seconds and
never let expire, disarmed when the guest stops or is no longer HA and on
SIGTERM; after kill -9 the restarted engine kicks the slot it left instead
of arming another; host.info and tarnctl host info say whether it is armed;
events say when it is armed and disarmed; the console's Status screen says
whether it is armed in tarnctl's words."""
import os
import shutil
import signal
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

PASSWORD = "watch dog biscuit"
DOUBLE = os.path.join(tarnd.TOP, "out", "c-san", "tarnd-double")
TARNCTL = os.path.join(tarnd.TOP, "out", "c-san", "tarnctl")
GUEST = 'name = "{}"\nmemory = 256\nkernel = "/var/lib/tarn/kernels/vmlinuz"\n'
LOG = "watchdog.tarnd.log"


class Host:
    def __init__(self, root):
        self.state, self.xen = os.path.join(root, "state"), os.path.join(root, "xen")
        os.makedirs(self.state)
        os.makedirs(self.xen)
        tarnd.set_password(self.state, PASSWORD)
        self.port, self.pool = free_port(), f"127.0.0.1:{free_port()}"
        self.agent = None
        # the host's reboot and poweroff: exits with the number in power-rc
        self.power_rc = os.path.join(root, "power-rc")
        self.power = os.path.join(root, "power")
        with open(self.power, "w") as f:
            f.write(f"#!/bin/sh\nexit $(cat {self.power_rc})\n")
        os.chmod(self.power, 0o755)

    def start(self):
        self.agent = tarnd.Agent(self.state, self.port, self.pool, PASSWORD, log=LOG, extra=["--run-guests", "--power-cmd", self.power],
                                 command=[DOUBLE], env={"TARN_XEN_DOUBLE": self.xen})
        return self.agent.wait_pool()

    @property
    def api(self):
        self.agent.api("close")()
        return self.agent.api

    def calls(self):
        """The double's log of xc_watchdog calls: (time, op, id, timeout, result) or (time, "fired", id)."""
        try:
            lines = open(os.path.join(self.xen, "watchdog.log")).read().split("\n")
        except OSError:
            return []
        out = []
        for ln in lines:
            w = ln.split()
            if w:
                out.append((float(w[0]), w[1], *[int(x) for x in w[2:]]))
        return out

    def slots(self):
        """Dom0's slots as the double's Xen holds them: how many are armed."""
        try:
            return sum(float(x) > 0 for x in open(os.path.join(self.xen, "watchdog")).read().split())
        except OSError:
            return 0

    def slot_file(self):
        try:
            return open(os.path.join(self.state, "run", "tarn", "watchdog")).read().strip()
        except OSError:
            return None

    def domain_file(self, name):
        """The double's file of the domain named name and its words (name, state, MiB), or (None, None)."""
        for f in os.listdir(self.xen):
            if f.isdigit():
                try:
                    w = open(os.path.join(self.xen, f)).read().split()
                except OSError:
                    continue
                if w and w[0] == name:
                    return os.path.join(self.xen, f), w
        return None, None

    def domain(self, name):
        """Its state letter (r running, p paused), or None."""
        w = self.domain_file(name)[1]
        return w[1] if w else None

    def events(self):
        return [e["message"] for e in self.api.event.list(0, 1000) if e["subject"] == "watchdog"]


def since(calls, t, op=None):
    return [c for c in calls if c[0] >= t and (op is None or c[1] == op)]


def armed(h, what):
    i = h.api.host.info()
    return report(f"watchdog: {what}: host.info says armed, 30 s", i["watchdog_armed"] is True
                  and i["watchdog_timeout"] == 30, i)


def disarmed_within(h, t, what):
    """Within 10 s of t a disarm, no slot armed, the slot file gone, host.info says so."""
    done = until(10, lambda: since(h.calls(), t, "disarm") and h.slots() == 0)
    i = h.api.host.info()
    report(f"watchdog: {what}: disarmed (the double's Xen holds no slot, the run dir keeps none)",
           done and h.slot_file() is None and i["watchdog_armed"] is False and i["watchdog_timeout"] == 0,
           (since(h.calls(), t), h.slot_file(), i))


def kicks(h, seconds, what):
    """Over seconds, the armed slot kicked every few seconds, never let expire."""
    t = time.time()
    time.sleep(seconds)
    c = since(h.calls(), t)
    k = [x for x in c if x[1] == "kick"]
    gaps = [b[0] - a[0] for a, b in zip(k, k[1:])]
    report(f"watchdog: {what}: kicked every few seconds with the 30 s timeout, never expired",
           len(k) >= seconds // 5 and all(x[3] == 30 and x[4] == 0 for x in k) and max(gaps or [99]) < 8
           and not [x for x in h.calls() if x[1] == "fired"], (c, gaps))


def hung(h, slot):
    """The engine's loop stops turning (kill -STOP) past the timeout: no kick
    comes, the slot expires (on Xen the host reboots); let go, the engine
    finds its slot gone, says so and arms a new one. Returns its id."""
    engine = h.agent.proc.pid
    t = time.time()
    os.kill(engine, signal.SIGSTOP)
    time.sleep(33)
    os.kill(engine, signal.SIGCONT)
    got = until(15, lambda: since(h.calls(), t, "arm"))
    c = since(h.calls(), t)
    ops = [x[1] for x in c]
    report("watchdog: an engine whose loop stops turning kicks no more: the slot expires (Xen would reboot)",
           ops[:1] == ["fired"] and c[0][0] - t > 30, c)
    report("watchdog: let go, it finds the slot gone, says so, and arms a new one",
           got and ops[1:3] == ["kick", "arm"] and c[1][4] == -22 and h.slots() == 1
           and any(f"no longer holds watchdog slot {slot}" in e for e in h.events()), (c, h.events()[-2:]))
    return got[-1][4] if got else slot


def status_console(h):
    """The console's Status screen on h (tarn-tui under tmux, 80x24): it shows the watchdog armed, in
    tarnctl's words. The console, to be closed; None when none can run here."""
    if Console.missing():
        print(f"SKIP watchdog: the console's Status screen: {Console.missing()}")
        return None
    c = Console(h.state, h.port)
    c.keys("s")
    report("watchdog: the console's Status screen shows it armed, as tarnctl host info does", c.started
           and c.wait_for("Watchdog    armed: Xen reboots this host 30 s after its agent stops", 6), c.screen())
    return c


def reboot(h, rc):
    """host.reboot through the API, its command exiting rc: the task's end."""
    open(h.power_rc, "w").write(str(rc))
    task = h.api.host.reboot()
    return until(30, lambda: (lambda t: t if t["state"] in ("done", "failed") else None)(h.api.task.get(task["id"])))


def power(h):
    """A reboot through the API disarms first; one that fails arms again."""
    t = time.time()
    h.start()
    got = until(20, lambda: since(h.calls(), t, "arm"))
    report("watchdog: the agent started again with the HA guest running: armed", got, since(h.calls(), t))
    t = time.time()
    task = reboot(h, 1)
    again = until(10, lambda: since(h.calls(), t, "arm"))
    ops = [c[1] for c in since(h.calls(), t)]
    report("watchdog: a reboot through the API that fails: disarmed before its command, armed again after",
           task and task["state"] == "failed" and again and "disarm" in ops and ops.index("disarm") < ops.index("arm"),
           (task, ops))
    t = time.time()
    task = reboot(h, 0)
    time.sleep(6)
    ops = [c[1] for c in since(h.calls(), t)]
    report("watchdog: a reboot through the API: disarmed before the host goes down, and not armed again",
           task and task["state"] == "done" and ops == ["disarm"] and h.slots() == 0 and h.slot_file() is None
           and any("disarmed" in e and "the host reboots" in e for e in h.events()), (task, ops, h.slot_file()))
    report("watchdog: the agent stops cleanly after it", h.agent.stop() == 0, "see " + LOG)


def main():
    root = tempfile.mkdtemp(prefix="tarn-watchdog-")
    os.chmod(root, 0o755)  # the API process (user tarn or nobody) opens the store below it
    h = Host(root)
    try:
        report("watchdog: tarnd-double starts, its pool node answers", h.start(), "pool.info kept failing")
        fault(h.api.pool.create, "wd")
        fault(h.api.guest.define, GUEST.format("plain"))
        fault(h.api.guest.setState, "plain", "running")
        ran = until(20, lambda: h.domain("plain") == "r")
        time.sleep(5)
        report("watchdog: a guest that is not HA runs; the watchdog is never armed",
               ran and h.calls() == [] and h.api.host.info()["watchdog_armed"] is False, (ran, h.calls()))

        t = time.time()
        code, _ = fault(h.api.guest.define, GUEST.format("web"))
        code2, _ = fault(h.api.guest.setHa, "web", True)
        code3, _ = fault(h.api.guest.setState, "web", "running")
        got = until(20, lambda: since(h.calls(), t, "arm"))
        report("watchdog: an HA guest started: one slot armed with 30 s, its id kept in the run dir",
               code is None and code2 is None and code3 is None and got and len(got) == 1 and got[0][3] == 30
               and got[0][4] in (1, 2) and h.slot_file() == str(got[0][4]) and h.slots() == 1,
               (code, code2, code3, h.calls(), h.slot_file()))
        slot = got[0][4] if got else 0
        armed(h, "an HA guest runs")
        ev = h.events()
        report("watchdog: an event says it is armed, with its slot and timeout",
               any(f"armed (slot {slot}, 30 s)" in e for e in ev), ev)
        p = subprocess.run([TARNCTL, "--host", "127.0.0.1", "--port", str(h.port), "--insecure", "host", "info"],
                           capture_output=True, text=True, env=dict(os.environ, TARN_PASSWORD=PASSWORD),
                           stdin=subprocess.DEVNULL, timeout=30)
        report("watchdog: tarnctl host info shows it armed", p.returncode == 0
               and "armed: Xen reboots this host 30 s after its agent stops" in p.stdout, p.stdout + p.stderr)
        console = status_console(h)
        kicks(h, 10, "an HA guest runs")

        t = time.time()
        fault(h.api.guest.setHa, "web", False)
        disarmed_within(h, t, "the guest no longer HA")
        if console:
            report("watchdog: ... and the console's Status screen says not armed, as tarnctl does",
                   console.wait_for("Watchdog    not armed (no HA guest runs here)", 6), console.screen())
            console.close()
        report("watchdog: an event says it is disarmed, and why",
               any("disarmed" in e and "no HA guest runs here" in e for e in h.events()), h.events())
        t = time.time()
        fault(h.api.guest.setHa, "web", True)
        got = until(10, lambda: since(h.calls(), t, "arm"))
        report("watchdog: HA again: armed again", got and got[-1][4] in (1, 2), since(h.calls(), t))
        t = time.time()
        fault(h.api.guest.setState, "web", "stopped", 0)
        disarmed_within(h, t, "the HA guest stopped")
        report("watchdog: the HA guest's domain is gone", until(10, lambda: h.domain("web") is None),
               os.listdir(h.xen))

        t = time.time()
        fault(h.api.guest.setState, "web", "running")
        got = until(20, lambda: since(h.calls(), t, "arm"))
        slot = got[-1][4] if got else 0
        report("watchdog: started again: armed", got and slot in (1, 2) and h.slot_file() == str(slot),
               since(h.calls(), t))
        time.sleep(4)
        h.agent.kill9()
        t = time.time()
        report("watchdog: kill -9 of the agent leaves the slot armed in Xen and its id in the run dir",
               h.slots() == 1 and h.slot_file() == str(slot), (h.slots(), h.slot_file()))
        h.agent.stop()
        h.start()
        after = since(h.calls(), t)
        took = until(20, lambda: since(h.calls(), t, "kick"))
        first = since(h.calls(), t)
        time.sleep(6)
        report("watchdog: the restarted engine's first call kicks the slot it left (no new slot armed)",
               took and first and first[0][1:] == ("kick", slot, 30, 0)
               and not since(h.calls(), t, "arm") and h.slots() == 1 and h.slot_file() == str(slot)
               and not [x for x in h.calls() if x[1] == "fired"], (after, since(h.calls(), t)))
        report("watchdog: an event says the slot was taken over",
               any(f"slot {slot}, left armed by the agent that stopped" in e for e in h.events()), h.events())
        armed(h, "after the restart")
        kicks(h, 8, "after the restart")
        slot = hung(h, slot)

        t = time.time()
        rc = h.agent.stop()
        c = since(h.calls(), t)
        report("watchdog: SIGTERM: the slot disarmed before the agent exits, the run dir's id removed",
               rc == 0 and [x[1:] for x in c if x[1] == "disarm"] == [("disarm", slot, 0, 0)] and h.slots() == 0
               and h.slot_file() is None, (rc, c, h.slot_file()))
        report("watchdog: the HA guest's domain runs on after the agent's clean stop (as ever)",
               h.domain("web") == "r", os.listdir(h.xen))
        power(h)
    finally:
        if h.agent and h.agent.proc.poll() is None:
            h.agent.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    subprocess.run(["make", "-s", "-C", tarnd.TOP, "SAN=1", "tests", "-j2"], check=False)
    main()
    exit_status()
