"""A real tarnd (the ASan/UBSan build) for tests: its own state directory,
API port and pool address, never the host's; an XML-RPC proxy to it; kill -9
and a clean stop."""
import hashlib
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import xmlrpc.client

TOP = os.environ.get("TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
TARND = os.path.join(TOP, "out", "c-san", "tarnd")
LOGS = os.environ.get("TARN_TEST_LOGS", tempfile.gettempdir())


def fault(fn, *args):
    """(fault code, message), or (None, result)."""
    try:
        return None, fn(*args)
    except xmlrpc.client.Fault as f:
        return f.faultCode, f.faultString


def until(seconds, fn, step=0.1, each=None):
    """fn's first true value within seconds, else None (each() is called every step too)."""
    end = time.time() + seconds
    while time.time() < end:
        if each:
            each()
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def fingerprint(state):
    """The agent's certificate's SHA-256 as Tarn shows it (SHA256:AB:..), computed here from its cert.pem."""
    with open(os.path.join(state, "tls", "cert.pem")) as f:
        digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest().upper()
    return "SHA256:" + ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def set_password(state, password):
    subprocess.run([TARND, "--set-password", "--state", state], input=(password + "\n").encode(),
                   capture_output=True, check=True)


class Agent:
    def __init__(self, state, port, pool_listen, password, log="tarnd.log", host="127.0.0.1", timeout=None,
                 extra=(), command=None, env=None, reconcile=False):
        """command: what runs tarnd (a list ending with the binary: another
        build, or one in a network namespace); env: added to the environment;
        reconcile: apply host settings and repositories (give --sysconf and
        --repo-root in extra, and a mount namespace of its own in command)."""
        self.state, self.port, self.pool_listen, self.host = state, port, pool_listen, host
        self.log = open(os.path.join(LOGS, log), "a")
        pool = ["--pool-listen", pool_listen] if pool_listen else []  # None: the stored one
        self.proc = subprocess.Popen(
            [*(command or [TARND]), "-f", *([] if reconcile else ["--no-reconcile"]), "--listen", host,
             "--port", str(port), *pool,
             "--state", state, "--rundir", os.path.join(state, "run"), *extra],
            stdout=self.log, stderr=self.log, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1", **(env or {})))
        cert = os.path.join(state, "tls", "cert.pem")
        for _ in range(100):
            try:
                if os.path.exists(cert):
                    socket.create_connection((host, port), 0.2).close()
                    break
            except OSError:
                pass
            time.sleep(0.1)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        self.url = f"https://admin:{password.replace(' ', '%20')}@{host}:{port}/RPC2"
        self.api = xmlrpc.client.ServerProxy(self.url, context=ctx)

    def wait_pool(self, seconds=20):
        """Until the node answers: pool.info works, or says 'no pool'."""
        end = time.time() + seconds
        while time.time() < end:
            code, _ = fault(self.api.pool.info)
            if code != -32500:
                return True
            time.sleep(0.2)
        return False

    def kill9(self):
        kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                              text=True).stdout.split()
        for pid in [self.proc.pid] + [int(k) for k in kids]:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for k in kids:  # the API process is gone too before a restart
            while os.path.exists(f"/proc/{k}"):
                time.sleep(0.05)

    def stacks(self):
        """Where each of the agent's processes is stuck, into its log: why a stop took too long."""
        kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        for pid in [str(self.proc.pid)] + kids:
            self.log.write(f"--- tarnd {pid} did not stop within 30 s; its threads:\n")
            self.log.flush()
            try:
                subprocess.run(["gdb", "-p", pid, "-batch", "-nx", "-ex", "thread apply all bt 12"],
                               stdout=self.log, stderr=subprocess.DEVNULL, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
                self.log.write(f"(no stacks: {e})\n")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.stacks()
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode
