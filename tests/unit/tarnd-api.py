#!/usr/bin/env python3
"""tarnd on loopback, spoken to by Python's own XML-RPC client over TLS:
authentication, TLS, and faults for bad requests; built with ASan/UBSan."""
import base64
import http.client
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, skip, exit_status  # noqa: E402
from ports import free_port  # noqa: E402

TOP = os.environ.get("TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
TARND = os.path.join(TOP, "out", "c-san", "tarnd")
PASSWORD = "correct horse battery"



def post(port, ctx, body, user="admin", password=PASSWORD):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    headers = {"Content-Type": "text/xml"}
    if user is not None:
        cred = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = "Basic " + cred
    c.request("POST", "/RPC2", body, headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def fault_code(data):
    try:
        xmlrpc.client.loads(data)
    except xmlrpc.client.Fault as f:
        return f.faultCode
    return None


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def post_local(path, body, method="POST"):
    c = UnixHTTPConnection(path)
    c.request(method, "/RPC2", body, {"Content-Type": "text/xml"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def as_nobody_curl(path, body, password=None):
    """HTTP status and body of a call made on the local socket by uid 65534."""
    auth = ["-u", f"admin:{password}"] if password is not None else []
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-s", *auth,
           "-w", "\n%{http_code}", "--unix-socket", path, "http://localhost/RPC2",
           "-H", "Content-Type: text/xml", "--data-binary", "@-"]
    r = subprocess.run(cmd, input=body, capture_output=True)
    out, _, code = r.stdout.rpartition(b"\n")
    return int(code or 0), out


def local_socket_checks(sock, echo):
    st = os.stat(sock) if os.path.exists(sock) else None
    d = os.stat(os.path.dirname(sock))
    report("local socket: RUNDIR/tarn/api.sock is there, a socket, mode 0666",
           st and stat.S_ISSOCK(st.st_mode) and st.st_mode & 0o777 == 0o666 and st.st_uid == 0,
           st and oct(st.st_mode))
    report("local socket: its directory is root's and writable by root alone",
           d.st_uid == 0 and d.st_mode & 0o022 == 0, oct(d.st_mode))
    status, data = post_local(sock, echo)
    report("local socket: root is let in without a password (plain HTTP)",
           status == 200 and xmlrpc.client.loads(data)[0] == ("hi",), (status, data[:200]))
    status, data = post_local(sock, xmlrpc.client.dumps((), "host.info").encode())
    report("local socket: host.info answers there too",
           status == 200 and xmlrpc.client.loads(data)[0][0]["cpus"] > 0, data[:200])
    status, _ = as_nobody_curl(sock, echo)
    report("local socket: another uid without a password is refused", status == 401, status)
    status, _ = as_nobody_curl(sock, echo, "wrong password")
    report("local socket: another uid with a wrong password is refused", status == 401, status)
    status, data = as_nobody_curl(sock, echo, PASSWORD)
    report("local socket: another uid with the agent password is let in",
           status == 200 and b"<string>hi</string>" in data, (status, data[:200]))
    status, data = post_local(sock, b"<methodCall><methodName>system.echo</meth")
    report("local socket: a malformed request is fault -503", fault_code(data) == -503, data[:300])
    status, data = post_local(sock, b"\x00\xff" * 100)
    report("local socket: binary junk is a fault", fault_code(data) is not None, data[:300])
    status, _ = post_local(sock, None, method="GET")
    report("local socket: GET is refused", status == 405, status)


def wait_for(fn, seconds=10):
    """fn's first true answer within seconds, else its last."""
    end = time.time() + seconds
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.2)


def faults(call, *args):
    try:
        call(*args)
    except xmlrpc.client.Fault as f:
        return f.faultCode
    return None


def meminfo_mib(key):
    for line in open("/proc/meminfo"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024
    return 0


def host_checks(proxy):
    info = wait_for(lambda: (lambda i: i if i["facts_age"] >= 0 else None)(proxy.host.info()))
    report("host.info: the engine's facts arrive within 10 s", info, "facts_age stayed -1")
    if not info:
        return
    want = {"hostname", "version", "xen", "xen_running", "xen_reason", "cpus", "cores", "sockets",
            "memory_total_mib", "memory_free_mib", "uptime", "kernel", "guests_running", "facts_age"}
    report("host.info: every field is there", want <= set(info), want - set(info))
    report("host.info: hostname and version", info["hostname"] == socket.gethostname()
           and info["version"] == proxy.system.version()["version"], info)
    nproc = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout)
    report("host.info: CPUs = nproc, with cores and sockets that fit",
           info["cpus"] == nproc and 1 <= info["sockets"] <= info["cores"] <= info["cpus"], info)
    total = meminfo_mib("MemTotal")
    report("host.info: memory is /proc/meminfo's, free no more than total",
           total / 2 <= info["memory_total_mib"] <= total * 2
           and 0 < info["memory_free_mib"] <= info["memory_total_mib"], (total, info))
    up = float(open("/proc/uptime").read().split()[0])
    report("host.info: uptime is the host's", abs(info["uptime"] - up) < 30, (up, info["uptime"]))
    report("host.info: kernel release", info["kernel"] == os.uname().release, info["kernel"])
    report("host.info: the facts are fresh (recorded on change, at least every 5 min)",
           0 <= info["facts_age"] <= 315, info["facts_age"])
    if os.path.exists("/proc/xen/capabilities"):
        skip("host.info: says when not running on Xen", "this machine runs on Xen")
    else:
        report("host.info: says it is not running on Xen, and why",
               info["xen"] == "not running on Xen" and info["xen_running"] is False
               and info["xen_reason"] != "" and info["guests_running"] == 0, info)


def task_event_checks(proxy, state, power_log):
    events = proxy.event.list()
    report("event.list: the agent's start is recorded",
           any(e["subject"] == "agent" and "started" in e["message"] for e in events), events)
    last = events[-1]["id"] if events else 0
    t = proxy.host.reboot()
    report("host.reboot: queues a task", t["kind"] == "host.reboot" and t["id"] > 0, t)
    done = wait_for(lambda: proxy.task.get(t["id"])["state"] not in ("queued", "running"))
    end = proxy.task.get(t["id"])
    ran = open(power_log).read().split() if os.path.exists(power_log) else []
    report("host.reboot: the engine ran the power command and the task ended done",
           done and end["state"] == "done" and end["progress"] == 100 and ran == ["reboot"], (end, ran))
    s = proxy.host.shutdown()
    wait_for(lambda: proxy.task.get(s["id"])["state"] == "done")
    ran = open(power_log).read().split() if os.path.exists(power_log) else []
    report("host.shutdown: runs the power command with shutdown", ran == ["reboot", "shutdown"], ran)
    new = proxy.event.list(last)
    report("event.list(since): only newer events, oldest first",
           new and all(e["id"] > last for e in new) and [e["id"] for e in new] == sorted(e["id"] for e in new),
           new)
    report("event.list: a task's end is recorded",
           any(e["subject"] == "task" and f"task {t['id']} (host.reboot) done" in e["message"] for e in new), new)
    report("event.list: limit is honoured", len(proxy.event.list(0, 1)) == 1)
    report("event.list: a limit of 0 is fault -500", faults(proxy.event.list, 0, 0) == -500)
    every = proxy.event.list(0, 1000)
    newest = proxy.event.list(-1, 2)
    report("event.list(-1, n): the newest n, oldest first", len(every) > 2 and newest == every[-2:],
           (newest, every[-2:]))
    report("event.list: since_id below -1 is fault -500", faults(proxy.event.list, -2) == -500)

    tasks = proxy.task.list()
    ids = [x["id"] for x in tasks]
    report("task.list: newest first", ids[:2] == [s["id"], t["id"]], ids)
    report("task.list: limit is honoured", len(proxy.task.list(1)) == 1)
    report("task.get: an unknown id is fault -500", faults(proxy.task.get, 999999) == -500)
    report("task.get: a string id is fault -501", faults(proxy.task.get, "1") == -501)
    report("task.cancel: an unknown id is fault -500", faults(proxy.task.cancel, 999999) == -500)
    report("task.cancel: a task that ended is fault -500", faults(proxy.task.cancel, t["id"]) == -500)
    # a kind no engine runs stays queued: the console could queue one the same way
    db = os.path.join(state, "db", "node.db")
    out = subprocess.run(["sqlite3", db, "INSERT INTO tasks (kind, subject, args, created, updated) VALUES "
                          "('test.idle', 'x', '', 0, 0) RETURNING id"], capture_output=True, text=True)
    qid = int(out.stdout or 0)
    report("task.cancel: cancels a queued task", qid and proxy.task.cancel(qid) is True
           and proxy.task.get(qid)["state"] == "cancelled", out)


def main():
    state = tempfile.mkdtemp(prefix="tarnd-api-")
    power_log = os.path.join(state, "power.log")
    sock = os.path.join(state, "run", "tarn", "api.sock")
    served = False
    power = os.path.join(state, "power")
    with open(power, "w") as f:
        f.write(f"#!/bin/sh\necho \"$1\" >> {power_log}\n")
    os.chmod(power, 0o755)
    port = free_port()
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
    log = open(os.path.join(os.environ.get("TARN_TEST_LOGS", state), "tarnd-api.tarnd.log"), "w")
    # before any password is set, nobody gets in
    agent = subprocess.Popen([TARND, "-f", "--no-reconcile", "--listen", "127.0.0.1", "--port", str(port),
                              "--pool-listen", f"127.0.0.1:{free_port()}", "--state", state,
                              "--rundir", os.path.join(state, "run"),
                              "--power-cmd", power], stdout=log, stderr=log, env=env)
    try:
        cert = os.path.join(state, "tls", "cert.pem")
        for _ in range(100):
            if os.path.exists(cert):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    pass
            time.sleep(0.1)
        report("tarnd: makes a self-signed certificate on first start", os.path.exists(cert))
        key_mode = os.stat(os.path.join(state, "tls", "key.pem")).st_mode & 0o777
        report("tarnd: the TLS key is readable by root only", key_mode == 0o600, oct(key_mode))
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False  # the certificate names the host, we dial 127.0.0.1
        echo = xmlrpc.client.dumps(("hi",), "system.echo").encode()
        status, _ = post(port, ctx, echo)
        report("tarnd: with no agent password set, calls are refused", status == 401, status)

        subprocess.run([TARND, "--set-password", "--state", state], input=b"short\n",
                       capture_output=True)
        r = subprocess.run([TARND, "--set-password", "--state", state],
                           input=(PASSWORD + "\n").encode(), capture_output=True, env=env)
        report("tarnd: --set-password stores a new password", r.returncode == 0, r.stderr)
        db = subprocess.run(["sqlite3", os.path.join(state, "db", "node.db"),
                             "select value from settings where key='agent_password'"],
                            capture_output=True, text=True).stdout
        report("tarnd: only a salted hash is stored", db.startswith("$y$") and PASSWORD not in db, db)

        status, data = post(port, ctx, echo)
        report("tarnd: system.echo answers over TLS with the right password",
               status == 200 and xmlrpc.client.loads(data)[0] == ("hi",), (status, data[:200]))
        proxy = xmlrpc.client.ServerProxy(
            f"https://admin:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}/RPC2", context=ctx)
        v = proxy.system.version()
        report("tarnd: system.version names the product", v.get("product") == "Tarn", v)
        methods = proxy.system.listMethods()
        report("tarnd: system.listMethods lists the API", "system.echo" in methods, methods)
        host_checks(proxy)
        task_event_checks(proxy, state, power_log)
        served = os.path.exists(sock)
        local_socket_checks(sock, echo)

        status, _ = post(port, ctx, echo, user=None)
        report("tarnd: a call without credentials is refused", status == 401, status)
        status, _ = post(port, ctx, echo, password="wrong password")
        report("tarnd: a wrong password is refused", status == 401, status)
        status, _ = post(port, ctx, echo, user="root")
        report("tarnd: another user name is refused", status == 401, status)

        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            plain.request("POST", "/RPC2", echo)
            plain_ok = plain.getresponse().status == 200
        except Exception:
            plain_ok = False
        report("tarnd: plain HTTP gets no answer (TLS only)", not plain_ok)

        unknown = xmlrpc.client.dumps((), "host.nonexistent").encode()
        status, data = post(port, ctx, unknown)
        report("tarnd: an unknown method is fault -506", fault_code(data) == -506, data[:300])
        status, data = post(port, ctx, b"<methodCall><methodName>system.echo</meth")
        report("tarnd: malformed XML is fault -503", fault_code(data) == -503, data[:300])
        status, data = post(port, ctx, xmlrpc.client.dumps((42,), "system.echo").encode())
        report("tarnd: a wrong parameter type is fault -501", fault_code(data) == -501, data[:300])
        bad_i8 = echo.replace(b"<string>hi</string>", b"<i8>3x</i8>")
        status, data = post(port, ctx, bad_i8)
        report("tarnd: a malformed <i8> is fault -503 (xmlrpc-c 1.33 would crash on it)",
               bad_i8 != echo and fault_code(data) == -503, data[:300])
        status, data = post(port, ctx, b"")
        report("tarnd: an empty request is fault -503", fault_code(data) == -503, data[:300])
        big = xmlrpc.client.dumps(("x" * (2 << 20),), "system.echo").encode()
        status, data = post(port, ctx, big)
        report("tarnd: a request over 1 MiB is fault -509", fault_code(data) == -509, data[:300])
        deep = ("<value><array><data>" * 200) + ("</data></array></value>" * 200)
        status, data = post(port, ctx, ("<methodCall><methodName>system.echo</methodName><params>"
                                        f"<param>{deep}</param></params></methodCall>").encode())
        report("tarnd: deeply nested values are refused with a fault", fault_code(data) is not None,
               data[:300])

        # throttling: five failures, then even the right password waits
        for _ in range(5):
            post(port, ctx, echo, password="wrong password")
        status, data = post(port, ctx, echo)
        report("tarnd: after 5 failed logins the client is throttled", status == 429, (status, data))
        report("tarnd: still running after all of the above", agent.poll() is None)

        kids = subprocess.run(["pgrep", "-P", str(agent.pid)], capture_output=True, text=True).stdout.split()
        status = open(f"/proc/{kids[0]}/status").read() if len(kids) == 1 else ""
        uid_line = next((l for l in status.splitlines() if l.startswith("Uid:")), "Uid: 0")
        report("tarnd: the network-facing process runs without root",
               all(u != "0" for u in uid_line.split()[1:]), uid_line)
        report("tarnd: the network-facing process cannot regain privileges",
               "NoNewPrivs:\t1" in status, status[:200])
    finally:
        agent.terminate()
        try:
            agent.wait(20)
        except subprocess.TimeoutExpired:
            agent.kill()
        log.close()
        report("tarnd: stops cleanly on SIGTERM, no sanitizer report",
               agent.returncode == 0, f"exit {agent.returncode}; see tarnd-api.tarnd.log")
        report("local socket: removed when the agent stops", served and not os.path.exists(sock),
               "it was never there" if not served else sock)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    if not os.access(TARND, os.X_OK):
        subprocess.run(["make", "-s", "-C", TOP, "SAN=1", "tests"], check=False)
    main()
    exit_status()
