#!/usr/bin/env python3
"""kill -9 of tarnd in the middle of a stream of API writes, then a restart:
the store opens, no acknowledged change is lost, and the reconciler picks up
where it was (it writes resolv.conf into a scratch --sysconf, and sets the
host name only in a UTS namespace of its own)."""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from ports import free_port  # noqa: E402

TOP = os.environ.get("TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
TARND = os.path.join(TOP, "out", "c-san", "tarnd")
PASSWORD = "crash test passphrase"


def start(state, port, pool_port, log):
    agent = subprocess.Popen(["unshare", "--uts", TARND, "-f", "--listen", "127.0.0.1", "--port", str(port),
                              "--pool-listen", f"127.0.0.1:{pool_port}", "--state", state,
                              "--sysconf", os.path.join(state, "etc"), "--rundir", os.path.join(state, "run"),
                              "--repo-root", os.path.join(state, "repos")],
                             stdout=log, stderr=log, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return agent
        except OSError:
            time.sleep(0.1)
    return agent


def proxy(state, port):
    ctx = ssl.create_default_context(cafile=os.path.join(state, "tls", "cert.pem"))
    ctx.check_hostname = False
    return xmlrpc.client.ServerProxy(
        f"https://admin:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}/RPC2", context=ctx)


def main():
    state = tempfile.mkdtemp(prefix="tarn-crash-")
    os.makedirs(os.path.join(state, "etc"))
    port, pool_port = free_port(), free_port()
    log = open(os.path.join(os.environ.get("TARN_TEST_LOGS", state), "agent-crash.tarnd.log"), "w")
    subprocess.run([TARND, "--set-password", "--state", state], input=(PASSWORD + "\n").encode(),
                   capture_output=True, check=True)
    agent = start(state, port, pool_port, log)
    acked = [0]
    stop = threading.Event()

    def writer():
        api = proxy(state, port)
        for i in range(1, 100000):
            if stop.is_set():
                return
            try:
                api.net.setDns(f"192.0.2.{i % 250 + 1} 198.51.100.{i // 250 % 250 + 1}")
            except Exception:
                return  # the agent is gone
            acked[0] = i

    try:
        t = threading.Thread(target=writer)
        t.start()
        time.sleep(2)
        agent.send_signal(signal.SIGKILL)  # the engine; the API process follows it (PDEATHSIG)
        agent.wait()
        stop.set()
        t.join(30)
        last = acked[0]
        report("crash: the stream of writes was running when the agent was killed", last > 10, last)
        agent = start(state, port, pool_port, log)
        api = proxy(state, port)
        try:
            dns = api.net.getDns()
        except Exception as e:
            dns = repr(e)
        report("crash: after a restart the store opens and the API answers", "192.0.2." in dns, dns)

        def number(text):
            a, b = (int(w.rsplit(".", 1)[1]) - 1 for w in text.split())
            return b * 250 + a

        got = number(dns) if "192.0.2." in dns else -1
        # the write in flight at the kill may or may not have committed
        report("crash: no acknowledged change is lost", got in (last % 62500, (last + 1) % 62500),
               f"last acknowledged {last}, stored {got}")
        resolv = os.path.join(state, "etc", "resolv.conf")
        want = "nameserver " + dns.split()[0]
        seen = ""
        for _ in range(50):
            if os.path.exists(resolv):
                seen = open(resolv).read()
                if want in seen:
                    break
            time.sleep(0.2)
        report("crash: the restarted reconciler applies what is stored", want in seen, seen)
        report("crash: the agent is still running", agent.poll() is None, agent.poll())
    finally:
        stop.set()
        agent.terminate()
        try:
            agent.wait(20)
        except subprocess.TimeoutExpired:
            agent.kill()
        log.close()
        report("crash: the restarted agent stops cleanly, no sanitizer report", agent.returncode == 0,
               f"exit {agent.returncode}; see agent-crash.tarnd.log")
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    if not os.access(TARND, os.X_OK):
        subprocess.run(["make", "-s", "-C", TOP, "SAN=1", "tests"], check=False)
    main()
    exit_status()
