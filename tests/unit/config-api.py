#!/usr/bin/env python3
"""Configuration backup, reset and restore through tarnctl and the API,
against a real tarnd on loopback (ASan/UBSan build) with its own state,
run directory and ports: a restore brings every setting back; a damaged,
cut short, wrong-version or invalid backup is refused and changes nothing."""
import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from check import report, exit_status  # noqa: E402
from ports import free_port  # noqa: E402

TOP = os.environ.get("TOP", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
B = os.path.join(TOP, "out", "c-san")
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long passphrase"


def resign(text):
    """A backup whose body was edited, with its checksum made right again:
    what passes the envelope and must be stopped by validation."""
    body = text[:text.rindex(b"sha256\t")]
    return body + b"sha256\t" + hashlib.sha256(body).hexdigest().encode() + b"\n"


def body(text):
    """What a backup says, without its comment (the time) and checksum."""
    return [line for line in text.split(b"\n") if line and not line.startswith((b"#", b"sha256\t"))]


def main():
    r = subprocess.run(["make", "-s", "-C", TOP, "SAN=1", "tests"], capture_output=True, text=True)
    if r.returncode != 0:
        report("config: build", False, r.stderr[-2000:])
        return
    state = tempfile.mkdtemp(prefix="tarn-config-test.")
    port = free_port()
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", TARN_PASSWORD=PASSWORD)
    subprocess.run([f"{B}/tarnd", "--set-password", "--state", state], input=PASSWORD.encode(), check=True,
                   env=env)
    log = open(os.path.join(state, "tarnd.log"), "w")
    agent = subprocess.Popen([f"{B}/tarnd", "-f", "--no-reconcile", "--listen", "127.0.0.1", "--port", str(port),
                              "--pool-listen", f"127.0.0.1:{free_port()}", "--state", state,
                              "--rundir", os.path.join(state, "run"),
                              "--repo-root", os.path.join(state, "repos")], stderr=log, env=env)
    cert = os.path.join(state, "tls", "cert.pem")
    try:
        for _ in range(100):
            if os.path.exists(cert) and os.path.getsize(cert) > 0:
                break
            time.sleep(0.1)
        checks(state, port, cert, env)
    finally:
        agent.terminate()
        rc = agent.wait(30)
        log.close()
        report("config: the agent stopped cleanly, no sanitizer report", rc == 0,
               open(os.path.join(state, "tarnd.log")).read()[-3000:])
        shutil.rmtree(state, ignore_errors=True)


def checks(state, port, cert, env):
    def ctl(*args, password=None):
        e = dict(env, TARN_PASSWORD=password or env["TARN_PASSWORD"])
        r = subprocess.run([f"{B}/tarnctl", "--host", "127.0.0.1", "--port", str(port), "--cacert", cert, *args],
                           capture_output=True, text=True, env=e)
        return r.returncode, r.stdout + r.stderr

    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False

    def api(password=PASSWORD):
        return xmlrpc.client.ServerProxy(f"https://admin:{password.replace(' ', '%20')}@127.0.0.1:{port}/RPC2",
                                         context=ctx)

    for _ in range(50):
        try:
            api().system.version()
            break
        except Exception:
            time.sleep(0.2)
    repo_img = os.path.join(state, "repo1.img")
    open(repo_img, "w").close()
    setup = [("hostname", "tarn-backup-01"), ("dns", "192.0.2.53", "2001:db8::53"), ("ntp", "ntp.example.org"),
             ("bond", "add", "bond0", "active-backup", "lo"), ("bridge", "add", "xenbr1", "bond0"),
             ("vlan", "add", "bond0", "100"), ("iface", "xenbr0", "static", "192.0.2.10/24", "192.0.2.1"),
             ("iface", "bond0.100", "static", "198.51.100.5/24"),
             ("repo", "add", "r1", "local", repo_img), ("repo", "add", "isos", "nfs", "nas.example.org:/isos")]
    failed = [(a, ctl(*a)) for a in setup]
    failed = [f for f in failed if f[1][0] != 0]
    report("config: a host with settings, devices and repositories", not failed, failed)

    path = os.path.join(state, "host.tarn-config")
    rc, out = ctl("config", "backup", path)
    report("config: tarnctl config backup writes the file", rc == 0 and os.path.exists(path), out)
    text = open(path, "rb").read()
    mode = os.stat(path).st_mode & 0o777
    report("config: the backup is private to its owner (it holds the password hashes)", mode == 0o600, oct(mode))
    lines = body(text)
    want = [b"setting\thostname\ttarn-backup-01", b"bridge\txenbr1\tbond0", b"vlan\tbond0.100\tbond0\t100",
            b"bond\tbond0\tactive-backup\tlo", b"iface\txenbr0\tstatic\t192.0.2.10/24\t192.0.2.1\t\t0"]
    report("config: the backup is versioned text holding every part",
           text.startswith(b"tarn-config 1\n") and all(w in lines for w in want)
           and any(line.startswith(b"setting\tagent_password\t$y$") for line in lines)
           and any(line.startswith(b"repo\tr1\t") for line in lines)
           and any(line.startswith(b"repo\tisos\t") for line in lines), text.decode(errors="replace"))
    head, _, tail = text.rpartition(b"sha256\t")
    report("config: its last line is the SHA-256 of everything before it",
           tail.strip() == hashlib.sha256(head).hexdigest().encode(), tail)
    via_api = api().config.backup()
    report("config: config.backup answers the same file in base64",
           isinstance(via_api, xmlrpc.client.Binary) and body(via_api.data) == lines, via_api)

    rc, out = ctl("config", "reset")
    report("config: config reset without --yes is refused (exit 2)", rc == 2 and "--yes" in out, out)
    rc, out = ctl("config", "reset", "--yes")
    after = api().config.backup().data
    report("config: reset clears host name, devices and addresses; xenbr0 by DHCP",
           rc == 0 and api().net.getHostname() == "" and api().net.listBridges() == []
           and api().net.getInterface("xenbr0")["mode"] == "dhcp", out)
    report("config: reset keeps the repositories and the agent password",
           any(line.startswith(b"repo\tr1\t") for line in body(after)) and api().system.version(), after)

    # the agent password changes after the backup: the restore brings back the backed-up one
    subprocess.run([f"{B}/tarnd", "--set-password", "--state", state], input=NEW_PASSWORD.encode(), check=True,
                   env=env)
    rc, out = ctl("repo", "remove", "isos", password=NEW_PASSWORD)
    snapshot = body(api(NEW_PASSWORD).config.backup().data)
    refusals = [
        ("a flipped byte", text.replace(b"tarn-backup-01", b"tarn-backup-02"), "checksum does not match"),
        ("a file cut short", text[:len(text) // 2], "incomplete"),
        ("a file cut inside its checksum", text[:-10], "incomplete"),
        ("a wrong version", resign(text.replace(b"tarn-config 1\n", b"tarn-config 2\n", 1)),
         "format version 2; this Tarn reads version 1"),
        ("something else entirely", b"PK\x03\x04 not a backup", "not a Tarn configuration backup"),
        ("an invalid address", resign(text.replace(b"192.0.2.10/24", b"192.0.2.300/24")),
         "(iface xenbr0): 300 is not 0-255"),
        ("an invalid host name", resign(text.replace(b"tarn-backup-01", b"tarn_backup!")), "hostname"),
        ("a bridge over an interface this host lacks",
         resign(text.replace(b"bridge\txenbr1\tbond0", b"bridge\txenbr1\tnosuch9")), "no interface nosuch9"),
        ("an unknown record", resign(text.replace(b"bridge\t", b"bridgx\t")), "no kind of record"),
        ("a record missing a field", resign(text.replace(b"vlan\tbond0.100\tbond0\t100", b"vlan\tbond0.100\tbond0")),
         "has 2 fields, not 3"),
        ("a password that is no hash", resign(text.replace(b"agent_password\t$y$", b"agent_password\tplain$y$")),
         "yescrypt hash"),
    ]
    for name, data, why in refusals:
        bad = os.path.join(state, "bad.tarn-config")
        with open(bad, "wb") as f:
            f.write(data)
        rc, out = ctl("config", "restore", bad, password=NEW_PASSWORD)
        now = body(api(NEW_PASSWORD).config.backup().data)
        report(f"config: restore of {name} is refused (exit 1) saying why", rc == 1 and why in out, out)
        report(f"config: restore of {name} changed nothing", now == snapshot,
               [line for line in now if line not in snapshot])

    try:
        api(NEW_PASSWORD).config.restore("tarn-config 1\nsetting\thostname\tx\n")
        report("config: config.restore of a string without its checksum is a -500 fault", False, "accepted")
    except xmlrpc.client.Fault as f:
        report("config: config.restore of a string without its checksum is a -500 fault",
               f.faultCode == -500 and "incomplete" in f.faultString, f)

    rc, out = ctl("config", "restore", path, password=NEW_PASSWORD)
    now = body(api().config.backup().data)
    report("config: tarnctl config restore brings every setting back", rc == 0 and now == lines,
           (out, [line for line in lines if line not in now], [line for line in now if line not in lines]))
    report("config: the restored agent password is the one backed up",
           ctl("version")[0] == 0 and ctl("version", password=NEW_PASSWORD)[0] == 3, "")
    report("config: no network change is left on trial", api().net.getTrial()["pending"] is False, "")

    rc, out = ctl("config", "restore", path, "--confirm", "120")
    trial = api().net.getTrial()
    report("config: restore --confirm puts the network part on trial",
           rc == 0 and "tarnctl confirm within 120 s" in out and trial["pending"] and trial["seconds"] == 120,
           (out, trial))
    rc, out = ctl("confirm")
    report("config: and tarnctl confirm keeps it", rc == 0 and api().net.getTrial()["pending"] is False, out)
    rc, out = ctl("config", "restore", os.path.join(state, "missing"))
    report("config: a missing file is named (exit 2)", rc == 2 and "missing" in out, out)


if __name__ == "__main__":
    main()
    exit_status()
