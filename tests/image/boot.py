#!/usr/bin/env python3
"""Boot out/tarn.iso under QEMU (software emulation) the ways a user would:
as a CD on BIOS, written raw to a USB stick, and on UEFI; then with a data
disk across a reboot. Everything is read off the serial console."""
import os
import re
import secrets
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
from qemu import Machine, Timeout  # noqa: E402
import guest_templates  # noqa: E402

TOP = os.environ.get("TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
ISO = os.path.join(os.environ.get("TARN_OUT", os.path.join(TOP, "out")), "tarn.iso")
LOGS = os.environ.get("TARN_TEST_LOGS", tempfile.mkdtemp())
WORK = tempfile.mkdtemp(prefix="tarn-boot-")
CONSOLE_PASSWORD = "console pass 1"
TARN_WATCHDOG_S = 30  # services/tarnd/watchdog.h


def choose_entry(m, hotkey):
    """Pick a GRUB entry by its hotkey, as a person at the menu would."""
    m.expect(r"GNU GRUB", 120)
    m.expect(r"automatically in", 30)
    m.send(hotkey)


def host_is_up(m, name):
    """The checks every boot must pass; returns False at the first failure."""
    try:
        m.expect(r"Xen version 4\.17", 180)
    except Exception as e:
        return report(f"{name}: Xen banner", False, e)
    report(f"{name}: Xen banner", True)
    try:
        m.expect(r"Tarn \S+ \([0-9a-f]+\) is up", 300)
        report(f"{name}: dom0 start-up finished", True)
        m.console_shell(CONSOLE_PASSWORD, 120)
        report(f"{name}: the Tarn console answers on the serial line and opens a shell", True)
    except Exception as e:
        return report(f"{name}: dom0 reaches the console", False, e)
    with m.lock:
        boot_log = m.buf.decode(errors="replace")
    failed = [line for line in boot_log.splitlines() if "[FAILED]" in line]
    report(f"{name}: every start-up step succeeded", not failed, "; ".join(failed))
    rc, out = m.run("dmesg | grep -E 'Invalid ELF|Unknown symbol|Call Trace' | head -5")
    report(f"{name}: modules load cleanly, no kernel oops", out.strip() == "", out)
    rc, out = m.run("xl list")
    report(f"{name}: xl list shows Domain-0", rc == 0 and "Domain-0" in out, out)
    rc, out = m.run("pidof oxenstored && pidof xenconsoled")
    report(f"{name}: xenstored and xenconsoled running", rc == 0, out)
    return True


def agent_checks(m, port):
    """tarnd runs, is respawned when killed, and answers from outside."""
    rc, out = m.run("for i in 1 2 3 4 5 6 7 8 9 10; do pidof tarnd && break; sleep 1; done")
    first = set(out.split())
    report("agent: tarnd is running (engine and API process)",
           rc == 0 and len(first) == 2 and all(p.isdigit() for p in first), out)
    rc, out = m.run("for p in $(pidof tarnd); do awk '/^Uid/ {print $2}' /proc/$p/status; done | sort -n")
    report("agent: the API process runs as user tarn, the engine as root",
           out.split() == ["0", "100"], out)
    rc, out = m.run("kill -9 $(pidof tarnd); for i in 1 2 3 4 5 6 7 8; do sleep 1; "
                    "[ $(pidof tarnd | wc -w) = 2 ] && break; done; pidof tarnd")
    again = set(out.split())
    report("agent: tarnd killed with -9 is started again",
           rc == 0 and len(again) == 2 and not (again & first), out)
    rc, out = m.run("echo 'serial line password' | tarnd --set-password && "
                    "cat /var/lib/tarn/tls/cert.pem")
    cert = os.path.join(WORK, "agent-cert.pem")
    with open(cert, "w") as f:
        f.write(out[out.find("-----BEGIN"):])
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False
    proxy = xmlrpc.client.ServerProxy(
        f"https://admin:serial%20line%20password@127.0.0.1:{port}/RPC2", context=ctx)
    answer, why = None, ""
    for _ in range(30):
        try:
            answer = proxy.system.version()
            break
        except Exception as e:  # the agent may still be starting
            why = repr(e)
            time.sleep(1)
    report("agent: answers XML-RPC over TLS on port 8899 from outside the host",
           isinstance(answer, dict) and answer.get("product") == "Tarn", why or answer)
    rc, out = m.run("TARN_PASSWORD='serial line password' tarnctl version")
    report("agent: tarnctl on the host talks to it", rc == 0 and "Tarn" in out, out)
    rc, out = m.run("tarnctl host info")  # root on the local socket: no password
    xen = [line.split() for line in out.splitlines() if line.startswith("Xen ")]
    report("agent: tarnctl host info in dom0 reports Xen 4.17",
           rc == 0 and len(xen) == 1 and xen[0][1].startswith("4.17"), out)


def repo_checks(m):
    """A local repository on the running host: an image file formatted by
    the agent, mounted with the pool directories, disks made in bulk."""
    rc, out = m.run("truncate -s 96M /var/lib/tarn/repo1.img && "
                    "tarnctl repo add r1 local /var/lib/tarn/repo1.img --format")
    report("repository: tarnctl repo add (over the local socket, as root)", rc == 0, out)
    rc, out = m.run("for i in $(seq 30); do tarnctl repo list | grep -q '^r1 .*mounted' && break; sleep 1; done; "
                    "tarnctl repo list; ls /var/lib/tarn/repos/r1", 60)
    report("repository: formatted, mounted, with the Oracle VM layout",
           rc == 0 and "mounted" in out and all(d in out for d in
                                                ("iso_pool", "seed_pool", "running_pool", "sharedDisk", "publish_pool")),
           out)
    rc, out = m.run("tarnctl disk create --count 5 --size 8M --prefix d r1 --wait && "
                    "ls /var/lib/tarn/repos/r1/running_pool", 120)
    report("repository: five disks made by one task", rc == 0 and "d-005.img" in out, out)


def time_checks(m):
    """chronyd runs with the NTP servers set through the agent, as its own
    user; the status says it runs. (192.0.2.0/24 answers nothing: the
    sources are listed, not reached.)"""
    rc, out = m.run("tarnctl ntp 192.0.2.123 192.0.2.124 && for i in $(seq 20); do "
                    "tarnctl status | grep -q 'chronyd is running' && break; sleep 1; done; "
                    "tarnctl status | grep net.ntp; pidof chronyd", 60)
    pid = out.split()[-1] if out.split() else ""
    report("time: tarnctl ntp starts chronyd, and tarnctl status says it runs",
           rc == 0 and pid.isdigit() and f"chronyd is running (pid {pid})" in out, out)
    rc, out = m.run("cat /etc/chrony.conf; chronyc -n sources")
    report("time: chronyd uses the configured servers",
           rc == 0 and "server 192.0.2.123 iburst" in out and out.count("192.0.2.12") >= 4, out)
    rc, out = m.run("awk '/^Uid/ {print $2}' /proc/$(pidof chronyd)/status; ls -ld /var/lib/tarn/chrony")
    report("time: chronyd runs as _chrony, its drift directory on the data partition is its own",
           out.split()[:1] == ["101"] and "_chrony" in out, out)


def storage_client_checks(m):
    """The NFS and iSCSI clients are there and run; iscsid runs with the
    host's initiator name, kept on the data partition."""
    rc, out = m.run("mount.nfs -V")
    report("storage: mount.nfs runs", rc == 0 and "nfs-utils" in out, out)
    # no NFS server here: mount(8) must hand the export to mount.nfs, which
    # is refused at once on loopback
    rc, out = m.run("mkdir -p /tmp/nfs && timeout 60 mount -t nfs -o retry=0,vers=4 127.0.0.1:/x /tmp/nfs; "
                    "grep -c ' /tmp/nfs ' /proc/mounts", 90)
    report("storage: mount -t nfs goes through mount.nfs",
           "mount.nfs: " in out and out.split()[-1:] == ["0"], out)
    rc, out = m.run("iscsiadm --version")
    report("storage: iscsiadm runs", rc == 0 and "iscsiadm version" in out, out)
    rc, out = m.run("pidof iscsid && cat /var/lib/tarn/iscsi/initiatorname.iscsi && "
                    "cmp /etc/iscsi/initiatorname.iscsi /var/lib/tarn/iscsi/initiatorname.iscsi")
    report("storage: iscsid runs with an initiator name kept under /var/lib/tarn/iscsi",
           rc == 0 and "InitiatorName=iqn." in out, out)


def pool_tool_checks(m):
    """tarn-pool-recover runs in the image (its libraries came along) and
    will not touch a pool node whose agent runs."""
    rc, out = m.run("tarn-pool-recover --yes; echo rc=$?")
    report("pool: tarn-pool-recover runs, and refuses while the agent holds the pool address",
           "stop the agent first" in out and "rc=1" in out, out)


def certificate_checks(m):
    """Debian's CA bundle, which libcurl reads for the agent's HTTPS imports."""
    rc, out = m.run("grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt")
    report("certificates: /etc/ssl/certs/ca-certificates.crt holds Debian's CA certificates",
           rc == 0 and out.strip().isdigit() and int(out.strip()) > 100, out)


def boot_bios_cd():
    port = free_port()
    m = Machine("bios-cd", LOGS, iso=ISO, forward={port: 8899})
    try:
        if host_is_up(m, "BIOS CD"):
            rc, out = m.run("cat /run/tarn-persistence")
            report("BIOS CD: without a data disk, says settings are not persistent",
                   "NOT persistent" in out, out)
            rc, out = m.run("ip -4 addr show xenbr0")
            report("BIOS CD: xenbr0 bridges the NIC and has a DHCP address",
                   "inet 10.0.2." in out, out)
            agent_checks(m, port)
            repo_checks(m)
            time_checks(m)
            storage_client_checks(m)
            certificate_checks(m)
            pool_tool_checks(m)
    finally:
        m.close()


def boot_usb_stick():
    stick = os.path.join(WORK, "stick.img")
    shutil.copyfile(ISO, stick)  # what `dd if=tarn.iso of=/dev/sdX` writes
    m = Machine("usb-raw", LOGS, disk=stick)
    try:
        choose_entry(m, "s")
        if host_is_up(m, "USB stick (raw disk, headless entry)"):
            rc, out = m.run("xl info | grep xen_commandline; cat /proc/cmdline")
            report("USB stick: headless entry puts Xen on com1 and dom0 on hvc0 only",
                   "console=com1 " in out and "tty0" not in out
                   and "console=hvc0" in out, out)
    finally:
        m.close()


def boot_uefi():
    m = Machine("uefi-cd", LOGS, iso=ISO, uefi=True)
    try:
        if host_is_up(m, "UEFI CD"):
            rc, out = m.run("ls /sys/firmware/efi >/dev/null && echo efi-present")
            report("UEFI CD: dom0 sees EFI firmware", "efi-present" in out, out)
    finally:
        m.close()


def boot_uefi_usb_stick():
    stick = os.path.join(WORK, "stick-uefi.img")
    shutil.copyfile(ISO, stick)
    m = Machine("uefi-usb", LOGS, disk=stick, uefi=True)
    try:
        host_is_up(m, "UEFI USB stick (raw disk)")
    finally:
        m.close()


def plain_guest(m):
    """The image's toolstack starts the tiny PV guest with a plain xl create
    (the baseline the agent's guest handling is measured against)."""
    rc, out = m.run("cd /var/lib/tarn/tiny && xl create vm.cfg; cd /", 120)
    report("guest: xl create of a PV guest succeeds", rc == 0, out)
    rc, out = m.run("for i in $(seq 90); do grep -q TARN-GUEST-UP /var/log/xen/console/guest-tiny.log "
                    "2>/dev/null && break; sleep 2; done; cat /var/log/xen/console/guest-tiny.log", 240)
    report("guest: its init prints its marker on its console", "TARN-GUEST-UP tiny" in out, out[-300:])
    rc, out = m.run("xl destroy tiny && xl list")
    report("guest: xl destroy removes it", rc == 0 and "tiny" not in out, out)


def managed_guest(m):
    """The same tiny guest run by the agent through libxl: defined, started,
    paused, pinned, stopped cleanly, destroyed by hand (drift, restored),
    destroyed and undefined, all through tarnctl on the host."""
    cfg = ("sed -e 's/^name = .*/name = \"managed\"/' -e 's/tarn.guest=tiny/tarn.guest=managed/' "
           "-e 's#\"vmlinuz\"#\"/var/lib/tarn/tiny/vmlinuz\"#' "
           "-e 's#\"initrd.gz\"#\"/var/lib/tarn/tiny/initrd.gz\"#' /var/lib/tarn/tiny/vm.cfg > /tmp/managed.cfg"
           " && echo 'maxvcpus = 2' >> /tmp/managed.cfg")
    rc, out = m.run(cfg + " && for i in $(seq 30); do tarnctl guest define /tmp/managed.cfg && break; sleep 1; done",
                    60)
    report("managed guest: tarnctl guest define takes the template's xl.cfg", rc == 0 and "managed" in out, out)
    started = time.monotonic()
    rc, out = m.run("tarnctl guest start managed --wait; tarnctl guest list", 300)
    report("managed guest: start --wait returns once the agent reports it running",
           rc == 0 and any(line.split()[:3] == ["managed", "running", "running"] for line in out.splitlines()),
           out)
    rc, out = m.run("for i in $(seq 90); do grep -q TARN-GUEST-UP /var/log/xen/console/guest-managed.log "
                    "2>/dev/null && break; sleep 2; done; cat /var/log/xen/console/guest-managed.log", 240)
    report(f"managed guest: its console shows its init's marker ({time.monotonic() - started:.0f} s after the call)",
           "TARN-GUEST-UP managed" in out, out[-300:])
    state = "xl list managed | awk '$1 == \"managed\" {print $5}'"
    rc, out = m.run(f"tarnctl guest pause managed --wait && {state}", 120)
    flags = out.split()[-1] if out.split() else ""
    report("managed guest: pause --wait, and xl list shows it paused", rc == 0 and "p" in flags, out)
    rc, out = m.run(f"tarnctl guest resume managed --wait && {state}", 120)
    flags = out.split()[-1] if out.split() else "p"
    report("managed guest: resume --wait, and xl list shows it unpaused", rc == 0 and "p" not in flags, out)
    rc, out = m.run("tarnctl guest pin managed 0 1 && for i in $(seq 20); do "
                    "xl vcpu-list managed | awk '$1 == \"managed\" && $3 == 0 {print $7}' | grep -qx 1 && break; "
                    "sleep 1; done; xl vcpu-list managed; tarnctl guest show managed | grep -E '^(pins|affinity)'", 60)
    rows = [line.split() for line in out.splitlines() if line.startswith("managed ")]
    report("managed guest: vCPU 0 pinned to CPU 1, as xl vcpu-list shows and guest show reports",
           rc == 0 and any(r[2] == "0" and r[6] == "1" for r in rows if len(r) > 6) and "0:1" in out, out)
    rc, out = m.run("tarnctl guest stop managed --wait && ! xl list managed 2>/dev/null", 180)
    rc2, events = m.run("tarnctl events | tail -6")
    report("managed guest: stop --wait shuts it down cleanly (no destroy after a timeout)",
           rc == 0 and "managed: shutting down" in events and "did not shut down" not in events, out + events)
    rc, out = m.run("tarnctl guest start managed --wait", 300)
    report("managed guest: started again", rc == 0, out)
    rc, out = m.run("xl destroy managed; t0=$(date +%s); "
                    "for i in $(seq 60); do tarnctl events | grep -q 'drift .*managed: its domain was destroyed' "
                    "&& break; sleep 0.5; done; t1=$(date +%s); "
                    "for i in $(seq 120); do xl list managed >/dev/null 2>&1 && "
                    "tarnctl guest list | grep -q '^managed  *running  *running' && break; sleep 0.5; done; "
                    "t2=$(date +%s); echo noticed=$((t1 - t0)) restored=$((t2 - t0)); tarnctl events | tail -4", 180)
    times = dict(kv.split("=") for kv in out.split() if kv.startswith(("noticed=", "restored=")))
    noticed, restored = int(times.get("noticed", 999)), int(times.get("restored", 999))
    report(f"managed guest: xl destroy by hand is reported as drift ({noticed} s)",
           "its domain was destroyed outside Tarn" in out and noticed <= 10, out)
    report(f"managed guest: and restored to running ({restored} s)", restored <= 10, out)
    guest_runtime(m)
    rc, out = m.run("tarnctl guest destroy managed --wait && ! xl list managed 2>/dev/null", 120)
    report("managed guest: destroy --wait removes its domain", rc == 0, out)
    rc, out = m.run("tarnctl guest undefine managed && tarnctl guest list", 60)
    report("managed guest: undefined", rc == 0 and "managed" not in out, out)


def guest_runtime(m):
    """The running managed guest's memory and vCPUs changed live, its console
    log read through the API, suspended to a file and resumed."""
    xl_list = "xl list managed | awk '$1 == \"managed\" {print $3, $4}'"
    rc, out = m.run(f"tarnctl guest memory managed 96 && for i in $(seq 40); do {xl_list} | grep -q '^9[0-9] ' "
                    f"&& break; sleep 1; done; {xl_list}", 90)
    last = out.split()[-2:]
    report("runtime: guest memory 96 on the running guest, and xl list shows it", rc == 0
           and len(last) == 2 and last[0].isdigit() and 90 <= int(last[0]) <= 97, out)
    rc, out = m.run(f"tarnctl guest vcpus managed 2 && for i in $(seq 40); do {xl_list} | grep -q ' 2$' && break; "
                    f"sleep 1; done; {xl_list}; tarnctl guest show managed | grep vcpus; tarnctl events | tail -2", 90)
    report("runtime: guest vcpus 2 brings the second vCPU online (xl list), kept in its config",
           rc == 0 and "\n96 2\n" in out and "vcpus        2" in out, out)
    rc, out = m.run("tarnctl guest memory managed 999999; echo rc=$?", 30)
    report("runtime: memory larger than the host is refused, saying the host's memory",
           "rc=1" in out and "more than this host's" in out, out)
    marks = "grep -c 'TARN-GUEST-UP managed' /var/log/xen/console/guest-managed.log"
    rc, out = m.run(f"tarnctl guest console-log managed 4096 | grep 'TARN-GUEST-UP managed' && {marks}", 30)
    boots = out.split()[-1] if out.split() else ""
    report("runtime: the console log through the API shows the guest's marker", rc == 0 and boots.isdigit(), out)
    # a file in the guest's RAM: only a guest that carried on still has it after the resume
    rc, out = guest_console(m, "managed", "SAVING", before="touch /tmp/alive && ")
    report("runtime: a file is written in the running guest's memory (/tmp/alive)", out.strip().endswith("1"), out)
    rc, out = m.run("tarnctl guest suspend managed --wait && ! xl list managed 2>/dev/null && "
                    "ls -l /var/lib/tarn/suspend/", 300)
    report("runtime: suspend --wait saves the guest to a file and its domain goes", rc == 0 and ".save" in out, out)
    rc, out = m.run("tarnctl guest list | grep '^managed'", 30)
    report("runtime: guest list shows it suspended, as meant", out.split()[1:3] == ["suspended", "suspended"], out)
    rc, out = m.run(f"tarnctl guest resume managed --wait && {xl_list} && ls /var/lib/tarn/suspend/", 300)
    report("runtime: resume --wait restores it: running again with the memory it had (96), the saved file gone",
           rc == 0 and "96 2" in out and ".save" not in out, out[-400:])
    rc, out = guest_console(m, "managed", "KEPT", before="test -e /tmp/alive && ")
    rc2, log = m.run(f"echo marks=$({marks}); tail -n 12 /var/log/xen/console/guest-managed.log; "
                     f"tarnctl events | tail -4", 30)
    report("runtime: the resumed guest carried on: the file in its memory is still there (no reboot)",
           out.strip().endswith("1"), f"{out}; markers before {boots}; {log[-1200:]}")


# Debian's Xen 4.17 has no shadow paging: HVM guests need the CPU's nested
# paging, which QEMU's emulated AMD-V offers with +npt
HVM_CPU = "qemu64,+svm,+npt"
HVM_CFG = """name = "hvm"
type = "hvm"
memory = 128
vcpus = 1
boot = "d"
serial = "pty"
vnc = 0
nographic = 1
disk = [ "file:/var/lib/tarn/repos/h1/iso_pool/hvm-test.iso,hdc:cdrom,r" ]
"""


def stage_hvm_iso(stage):
    """The HVM test CD (tests/guest/hvm-iso.sh) and its guest's xl.cfg on
    the data disk's stage, beside the tiny template the CD boots."""
    subprocess.run([os.path.join(TOP, "tests", "guest", "hvm-iso.sh"), os.path.join(stage, "tiny"),
                    os.path.join(stage, "hvm-test.iso")], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(stage, "hvm.cfg"), "w") as f:
        f.write(HVM_CFG)


def wait_console(m, marker, seconds):
    """Seconds until the hvm guest's console log shows marker, or None."""
    rc, out = m.run(f"t0=$(date +%s); for i in $(seq {seconds}); do grep -q '{marker}' "
                    f"/var/log/xen/console/guest-hvm.log 2>/dev/null && break; sleep 1; done; "
                    f"grep -q '{marker}' /var/log/xen/console/guest-hvm.log && echo took=$(($(date +%s) - t0))",
                    seconds + 60)
    took = [w[5:] for w in out.split() if w.startswith("took=")]
    return int(took[0]) if took and took[0].isdigit() else None


def hvm_guest(m):
    """An HVM guest through the agent (libxl and QEMU's device model): a CD
    imported into a repository's iso_pool, booted by SeaBIOS; its GRUB
    prints a marker on the guest's serial port, which the agent logs as it
    logs PV consoles; then the Linux guest it boots prints from its init on
    ttyS0 (about 1.5 minutes: HVM inside QEMU's emulated AMD-V)."""
    rc, out = m.run("tarnctl host info | grep HVM; xl info | grep virt_caps", 30)
    report("hvm: Xen reports HVM with nested paging on this CPU (QEMU's AMD-V with NPT), and tarnctl "
           "host info says so", rc == 0 and "HVM guests      yes" in out and " hvm" in out and " hap" in out, out)
    rc, out = m.run("truncate -s 64M /var/lib/tarn/hvm-repo.img && tarnctl repo add h1 local "
                    "/var/lib/tarn/hvm-repo.img --format && for i in $(seq 30); do tarnctl repo list | "
                    "grep -q '^h1 .*mounted' && break; sleep 1; done; "
                    "tarnctl repo import h1 /var/lib/tarn/hvm-test.iso --wait && ls -l /var/lib/tarn/repos/h1/iso_pool",
                    180)
    report("hvm: the test CD imported into a repository's iso_pool", rc == 0 and "hvm-test.iso" in out, out)
    rc, out = m.run("tarnctl guest define /var/lib/tarn/hvm.cfg", 60)
    report("hvm: tarnctl guest define takes an xl.cfg with type = hvm and the CD", rc == 0, out)
    started = time.monotonic()
    rc, out = m.run("tarnctl guest start hvm --wait; echo start=$?; tarnctl guest list | grep '^hvm'", 300)
    took = time.monotonic() - started
    if not report(f"hvm: start --wait returns with the guest running ({took:.0f} s)",
                  "start=0" in out and any(line.split()[:3] == ["hvm", "running", "running"]
                                           for line in out.splitlines()), out):
        rc, out = m.run("logread | grep -v tarn-tui | tail -25; tail -20 /var/log/xen/qemu-dm-hvm.log", 30)
        report("hvm: why the start failed (the system log, QEMU's log)", False, out)
        m.run("tarnctl guest stop hvm --force; tarnctl guest undefine hvm", 60)
        return
    rc, out = m.run("xl list hvm; ps | grep '[x]en-qemu-system-i386' | head -3; "
                    "xenstore-read /local/domain/$(xl domid hvm)/serial/0/tty", 60)
    report("hvm: its domain and its device model (QEMU) run, and xl console finds its serial pty",
           rc == 0 and "xen-qemu-system-i386" in out and "/dev/pts/" in out, out)
    grub = wait_console(m, "TARN-HVM-GRUB", 480)
    report(f"hvm: SeaBIOS boots the CD and its GRUB prints on the serial console ({grub} s after the domain ran; "
           f"{time.monotonic() - started:.0f} s after the call)", grub is not None,
           m.run("tail -c 400 /var/log/xen/console/guest-hvm.log; tail -5 /var/log/xen/qemu-dm-hvm.log")[1])
    rc, out = m.run("tarnctl guest console-log hvm 4096 | grep TARN-HVM-GRUB", 30)
    report("hvm: its console log through the API shows the marker", rc == 0 and "TARN-HVM-GRUB" in out, out)
    if grub is not None:
        up = wait_console(m, "TARN-GUEST-UP hvm", 600)
        report(f"hvm: the Linux guest's init prints on ttyS0 ({up} s after GRUB; "
               f"{time.monotonic() - started:.0f} s after the call)", up is not None,
               m.run("tail -c 600 /var/log/xen/console/guest-hvm.log")[1])
    rc, out = m.run("tarnctl guest stop hvm --force --wait; xl list hvm 2>&1; sleep 2; "
                    "ps | grep -c '[x]en-qemu-system-i386'; tarnctl guest undefine hvm", 120)
    report("hvm: forced off and undefined; its device model is gone", rc == 0 and out.split("\n")[-1:] != ["1"]
           and out.splitlines()[-2:-1] == ["0"], out)
    print(f"# hvm: {time.monotonic() - started:.0f} s from start to undefined")


def hvm_alone():
    """Opt-in (not in the default list; persist runs the same checks): the
    HVM guest on a fresh host, for quicker runs while working on it."""
    data = os.path.join(WORK, "hvm-data.img")
    stage = os.path.join(WORK, "hvm-data")
    subprocess.run([os.path.join(TOP, "tests", "guest", "template.sh"), os.path.join(stage, "tiny")],
                   check=True, stdout=subprocess.DEVNULL)
    stage_hvm_iso(stage)
    subprocess.run(["truncate", "-s", "256M", data], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "TARN-DATA", "-d", stage, data], check=True)
    m = Machine("hvm", LOGS, iso=ISO, data=data, cpu=HVM_CPU)
    try:
        if host_is_up(m, "hvm"):
            hvm_guest(m)
    finally:
        m.close()


def watchdog_scenario():
    """Xen's watchdog (services/tarnd/watchdog.h) on real Xen, in one boot: an
    HA PV guest started arms it (host info, the slot's id in /run/tarn,
    Xen's own dump of dom0); the engine killed -9 is restarted by the
    supervisor and kicks the same slot; then the whole agent and its
    supervisor are stopped (kill -STOP): Xen's watchdog fires and the
    machine reboots (QEMU runs with -no-reboot: it exits) within the
    timeout and a margin. Prints the seconds from the stop to the fire."""
    data, stage = os.path.join(WORK, "wd-data.img"), os.path.join(WORK, "wd-data")
    subprocess.run([os.path.join(TOP, "tests", "guest", "template.sh"), os.path.join(stage, "tiny")],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["truncate", "-s", "256M", data], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "TARN-DATA", "-d", stage, data], check=True)
    m = Machine("watchdog", LOGS, iso=ISO, data=data)
    try:
        if not host_is_up(m, "watchdog"):
            return
        cfg = ("sed -e 's/^name = .*/name = \"wd\"/' -e 's/tarn.guest=tiny/tarn.guest=wd/' "
               "-e 's#\"vmlinuz\"#\"/var/lib/tarn/tiny/vmlinuz\"#' "
               "-e 's#\"initrd.gz\"#\"/var/lib/tarn/tiny/initrd.gz\"#' /var/lib/tarn/tiny/vm.cfg > /tmp/wd.cfg")
        rc, out = m.run(cfg + " && for i in $(seq 30); do tarnctl guest define /tmp/wd.cfg && break; sleep 1; done; "
                        "tarnctl guest ha wd on && tarnctl guest start wd --wait && tarnctl guest list", 300)
        report("watchdog: an HA PV guest is defined and started", rc == 0 and "wd" in out, out)
        rc, out = m.run("for i in $(seq 30); do tarnctl host info | grep -q '^watchdog  *armed' && break; sleep 1; "
                        "done; tarnctl host info | grep '^watchdog'; echo slot=$(cat /run/tarn/watchdog)", 60)
        slot = out.rsplit("slot=", 1)[-1].strip()
        report("watchdog: host info says Xen's watchdog is armed (30 s), its slot's id in /run/tarn/watchdog",
               "armed: Xen reboots this host 30 s after its agent stops" in out and slot in ("1", "2"), out)
        rc, out = m.run("xl debug-keys q; sleep 1; xl dmesg | grep 'watchdog . expires' | tail -1", 60)
        report("watchdog: Xen's own dump of its domains shows the slot armed (only dom0 arms one)",
               f"watchdog {int(slot) - 1 if slot in ('1', '2') else '?'} expires in" in out, out)
        engine = "for p in $(pidof tarnd); do awk '/^Uid/ {print $2}' /proc/$p/status | grep -qx 0 && echo $p; done"
        rc, out = m.run(f"kill -9 $({engine}); for i in $(seq 90); do tarnctl events 2>/dev/null | "
                        "grep -q 'left armed by the agent that stopped' && break; sleep 1; done; "
                        "tarnctl events | grep -i watchdog | tail -3; echo slot=$(cat /run/tarn/watchdog)", 150)
        report("watchdog: the engine killed -9, the supervisor's next one kicks the slot it left (no new slot)",
               f"slot {slot}, left armed by the agent that stopped" in out and out.rstrip().endswith(f"slot={slot}"),
               out)
        with m.lock:
            early = b"Watchdog timer" in m.buf
        report("watchdog: it never fired while the agent ran", not early, "Watchdog timer on the console")
        rc, out = m.run("kill -STOP $(cat /run/tarnd-supervise.pid) $(pidof tarnd); "
                        "for p in $(pidof tarnd); do grep State /proc/$p/status; done", 30)
        stopped = time.monotonic()
        report("watchdog: the agent's processes and their supervisor are stopped (kill -STOP)",
               rc == 0 and out.count("stopped") == 2, out)
        try:
            m.expect(r"Watchdog timer (?:\d+ )?fired for (?:domain 0|d0)", TARN_WATCHDOG_S + 90)
            fired = time.monotonic() - stopped
        except Timeout:
            fired = None
        print(f"# watchdog: Xen's watchdog fired {fired if fired is None else round(fired, 1)} s after the stop "
              f"(timeout {TARN_WATCHDOG_S} s)")
        report(f"watchdog: Xen's watchdog fires {fired and round(fired, 1)} s after the agent stopped "
               f"(timeout {TARN_WATCHDOG_S} s, kicks every 3 s)",
               fired is not None and fired <= TARN_WATCHDOG_S + 15, fired)
        try:
            m.proc.wait(120)  # -no-reboot: QEMU exits when the machine resets
            rebooted = True
        except subprocess.TimeoutExpired:
            rebooted = False
        with m.lock:
            tail = m.buf[-600:].decode(errors="replace")
        report("watchdog: ... and the machine reboots (QEMU, run with -no-reboot, exits)", rebooted, tail)
    finally:
        m.close()


def persistence():
    data = os.path.join(WORK, "data.img")
    stage = os.path.join(WORK, "data")
    subprocess.run([os.path.join(TOP, "tests", "guest", "template.sh"), os.path.join(stage, "tiny")],
                   check=True, stdout=subprocess.DEVNULL)
    first = guest_templates.stage(stage, os.path.join(stage, "tiny"), WORK)
    stage_hvm_iso(stage)
    subprocess.run(["truncate", "-s", "448M", data], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "TARN-DATA", "-d", stage, data], check=True)
    token = secrets.token_hex(8)
    m = Machine("persist-1", LOGS, iso=ISO, data=data, cpu=HVM_CPU)
    try:
        if not host_is_up(m, "data disk, first boot"):
            return
        rc, out = m.run(f"grep /var/lib/tarn /proc/mounts && echo {token} > /var/lib/tarn/token && sync")
        report("data disk: TARN-DATA mounted at /var/lib/tarn and writable", rc == 0, out)
        plain_guest(m)
        managed_guest(m)
        guest_templates.checks(m, first)
        hvm_guest(m)
        m.send("reboot\n")
        m.proc.wait(120)  # -no-reboot: QEMU exits when the guest reboots
        report("data disk: clean reboot", m.proc.returncode == 0, f"QEMU exit {m.proc.returncode}")
    finally:
        m.close()
    m = Machine("persist-2", LOGS, iso=ISO, data=data)
    try:
        choose_entry(m, "f")  # safe mode, which also proves that entry boots
        if not host_is_up(m, "data disk, second boot (safe mode)"):
            return
        rc, out = m.run("cat /var/lib/tarn/token")
        report("data disk: a file written before the reboot is still there", token in out, out)
        with m.lock:
            log = m.buf.decode(errors="replace")
        report("safe mode: says the agent is not started",
               "safe mode: the Tarn agent is not started" in log, "no safe-mode line on the console")
        rc, out = m.run("pidof tarnd")
        report("safe mode: tarnd is not running", rc != 0, out)
    finally:
        m.close()


def keys(m, text, settle=0.5):
    """Type at the console menu or a form, then let the screen settle."""
    m.send(text)
    time.sleep(settle)


def reboot(m, name, data):
    """Reboots m from its shell, then boots the same data disk again as
    name, up to its console's shell."""
    m.send("reboot\n")
    m.proc.wait(120)
    m.close()
    again = Machine(name, LOGS, iso=ISO, data=data)
    try:
        again.console_shell(CONSOLE_PASSWORD, 300)
    except Exception:
        again.close()
        raise
    return again


def console_settings():
    """The headless way an administrator sets a host up: on the serial line
    (TERM=vt100), through the Tarn console's menus, set the host name and a
    static management address (and run a guest: console_guest); after a
    reboot both are still there."""
    data = os.path.join(WORK, "console-data.img")
    stage = os.path.join(WORK, "console-data")
    subprocess.run([os.path.join(TOP, "tests", "guest", "template.sh"), os.path.join(stage, "tiny")],
                   check=True, stdout=subprocess.DEVNULL)  # the guest console_guest creates boots it
    subprocess.run(["truncate", "-s", "128M", data], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "TARN-DATA", "-d", stage, data], check=True)
    m = Machine("console-1", LOGS, iso=ISO, data=data)
    try:
        m.expect(r"Local shell", 300)
        time.sleep(2)
        keys(m, "h")
        m.expect(r"Host name", 30)
        keys(m, "\x15tarn-serial-01\r")
        m.expect(r"No console password", 30)
        keys(m, "\r")
        m.expect(r"Set the console password", 30)
        keys(m, CONSOLE_PASSWORD + "\t")
        keys(m, CONSOLE_PASSWORD + "\r")
        m.expect(r"password is set", 60)
        keys(m, "\r")
        m.expect(r"is now tarn-serial-01", 60)
        report("console: the host name is set from the serial console's menus", True)
        keys(m, "\r")
        keys(m, "\x1b", 1.5)
        keys(m, "n")
        m.expect(r"another interface", 30)
        keys(m, "\r")
        m.expect(r"Interface xenbr0", 30)
        keys(m, "s\t\x15" + "10.0.2.50/24\t\x15" + "10.0.2.2\r")
        m.expect(r"unless kept", 60)
        keys(m, "k")
        m.expect(r"change is kept", 30)
        report("console: a static management address is set, with a keep-or-put-back countdown", True)
        keys(m, "\r")
        keys(m, "\x1b", 1.5)
        keys(m, "\x1b", 1.5)
        console_guest(m)
        m.console_shell(CONSOLE_PASSWORD, 60)
        rc, out = m.run("for i in $(seq 20); do ip -4 addr show xenbr0 | grep -q 10.0.2.50/24 && "
                        "[ \"$(hostname)\" = tarn-serial-01 ] && break; sleep 1; done; hostname; "
                        "ip -4 addr show xenbr0", 60)
        report("console: the agent applies both to the host", "tarn-serial-01" in out and "10.0.2.50/24" in out,
               out)
        rc, out = m.run("tarnctl links")
        report("console: interfaces are listed, and only interfaces (not the bonding driver's file)",
               rc == 0 and "xenbr0" in out and "bonding_masters" not in out, out)
        m = reboot(m, "console-2", data)
    except Exception as e:
        report("console: set up from the serial console", False, e)
        m.close()
        return
    try:
        rc, out = m.run("for i in $(seq 20); do ip -4 addr show xenbr0 | grep -q 10.0.2.50/24 && break; "
                        "sleep 1; done; hostname; ip -4 addr show xenbr0", 60)
        report("console: after a reboot the host name and the static address are still there",
               "tarn-serial-01" in out and "10.0.2.50/24" in out, out)
    except Exception as e:
        report("console: settings persist across a reboot", False, e)
    finally:
        m.close()


def walk(m, *steps):
    """Each step: type its keys, then wait up to a minute for its pattern."""
    for text, pattern in steps:
        keys(m, text)
        m.expect(pattern, 60)


def console_guest(m):
    """On the serial line, from the console's main menu: a guest created
    from a kernel and ramdisk on the host, started, its text console opened
    (the guest's shell answers) and left with Ctrl-], forced off, deleted.
    Returns at the main menu."""
    try:
        walk(m, ("g", r"No guests yet"), ("c", r"From a kernel and ramdisk"), ("k", r"Kernel command line"),
             ("tuiguest\t\x15" "128\t\x15" "1\t" "/var/lib/tarn/tiny/vmlinuz\t/var/lib/tarn/tiny/initrd.gz\t\x15"
              "console=hvc0 tarn.guest=tuiguest\r", r"Guest tuiguest is defined"))
        report("console guest: created from a kernel and ramdisk on the serial console", True)
        keys(m, "\r", 3)  # the list again (only what changed is redrawn: nothing to wait for)
        walk(m, ("s", r"tuiguest is meant to run now"))
        keys(m, "\r")
        for _ in range(60):  # o says "not running" until the engine reports it running
            keys(m, "o", 1)
            hit = m.expect(r"(is not running|text console\?|Console password)", 30).group(1)
            if hit == b"Console password":
                keys(m, CONSOLE_PASSWORD + "\r", 1)
                hit = m.expect(r"(is not running|text console\?)", 30).group(1)
            if hit == b"text console?":
                break
            keys(m, "\r", 4)
        else:
            raise Timeout("the guest was not reported running in 5 minutes")
        keys(m, "y")
        m.expect(r"Ctrl-\] returns to the Tarn console", 30)
        time.sleep(3)
        keys(m, "echo ALIVE-$((6*7))\r")
        m.expect(r"ALIVE-42", 60)
        report("console guest: o opens its text console, where the guest's shell answers", True)
        keys(m, "\x1d", 2)  # Ctrl-], xl console's escape
        m.expect(r"Enter: actions", 30)
        report("console guest: Ctrl-] comes back to the console's Guests screen", True)
        walk(m, ("f", r"Force tuiguest off"), ("y", r"tuiguest is forced off"))
        keys(m, "\r", 5)
        for _ in range(12):  # refused until the engine reports its domain gone
            walk(m, ("d", r"Delete guest tuiguest"))
            keys(m, "y")
            if m.expect(r"(tuiguest is deleted|did not do it)", 60).group(1) == b"tuiguest is deleted":
                break
            keys(m, "\r", 5)
        else:
            raise Timeout("the guest could not be deleted in a minute")
        report("console guest: forced off and deleted", True)
        keys(m, "\r")
        keys(m, "\x1b", 1.5)
    except Exception as e:
        report("console guest: create, start, open its console and come back", False, e)
        keys(m, "\x1d\x1b\x1b\x1b", 2)  # out of whatever it was in, to the main menu


def wizard_passwords(m):
    """The first-boot wizard's console and agent passwords, each typed twice."""
    for what in ("Console password", "Agent password"):
        m.expect(what, 30)
        keys(m, CONSOLE_PASSWORD)
        keys(m, "\x1bOB")  # Down (a vt100 in keypad mode)
        keys(m, CONSOLE_PASSWORD + "\r")


def wizard_network_and_name(m, hostname):
    """The wizard's last steps: DHCP (the default), the host name, Apply."""
    m.expect(r"Static address", 30)
    keys(m, "\r")
    m.expect(r"The name this host gives itself", 30)
    keys(m, "\x15" + hostname + "\r")
    m.expect(r"Apply these settings", 30)
    keys(m, "A")  # the Apply button's key


def first_boot():
    """A new host: a blank virtual disk and no data partition. The wizard,
    walked over the serial line (TERM=vt100), formats the disk and writes
    the settings; after a reboot they are there and the wizard is not."""
    disk = os.path.join(WORK, "blank.img")
    subprocess.run(["truncate", "-s", "512M", disk], check=True)
    m = Machine("firstboot-1", LOGS, iso=ISO, data=disk)
    try:
        m.expect(r"Welcome to Tarn", 400)
        report("first boot: the wizard greets a host with no data partition", True)
        time.sleep(2)
        keys(m, "\r")
        wizard_passwords(m)
        m.expect(r"vda +512\.0 MiB", 120)  # hashing under TCG takes a moment
        keys(m, "\x1bOA\r")  # Up: the disk, above "none"
        m.expect(r"EVERYTHING ON /dev/vda WILL BE ERASED", 30)
        keys(m, "\r")
        wizard_network_and_name(m, "tarn-fb-01")
        m.expect(r"Tarn is set up\. Settings are kept on /dev/vda", 180)
        report("first boot: the wizard formats the disk and writes the settings", True)
        keys(m, "\r")
        m.console_shell(CONSOLE_PASSWORD, 120)
        rc, out = m.run("for i in $(seq 30); do [ \"$(hostname)\" = tarn-fb-01 ] && break; sleep 1; done; "
                        "hostname; blkid -L TARN-DATA; grep ' /var/lib/tarn ' /proc/mounts", 60)
        report("first boot: the disk is TARN-DATA on /var/lib/tarn and the agent applied the host name",
               "tarn-fb-01" in out and "/dev/vda" in out and "/dev/vda /var/lib/tarn ext4" in out, out)
        m = reboot(m, "firstboot-2", disk)
    except Exception as e:
        report("first boot: the wizard over the serial line", False, e)
        m.close()
        return
    try:
        with m.lock:
            greeted = b"Welcome to Tarn" in m.buf
        rc, out = m.run("hostname; cat /run/tarn-persistence")
        report("first boot: after a reboot the settings are there, with no wizard",
               not greeted and "tarn-fb-01" in out and "kept on /dev/vda" in out, out)
    finally:
        m.close()


def drives(cd=None, disks=()):
    """QEMU arguments for a CD (booted after the disks) and virtio disks;
    the first disk is the one the firmware tries first."""
    args = []
    for i, path in enumerate(disks):
        args += ["-drive", f"file={path},format=raw,if=none,id=d{i}",
                 "-device", f"virtio-blk-pci,drive=d{i}" + (",bootindex=0" if i == 0 else "")]
    if cd:
        args += ["-drive", f"file={cd},media=cdrom,readonly=on,if=none,id=cd",
                 "-device", "ide-cd,drive=cd,bootindex=1"]
    return args


def blank(name, size):
    path = os.path.join(WORK, name)
    subprocess.run(["truncate", "-s", size, path], check=True)
    return path


def upgrade_images():
    """A second image that differs only in its version (image/build.sh with
    TARN_VERSION, cached like any other), and a broken copy of it whose
    initrd has no /init: its dom0 panics ("No working init found"). (An
    upgrade reads the files; the copy need not boot as an ISO.)"""
    version = "9.9.0-upgrade"
    out = os.path.join(WORK, "v2")
    started = time.monotonic()
    subprocess.run([os.path.join(TOP, "image", "build.sh")], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, TARN_VERSION=version, TARN_OUT=out))
    v2 = os.path.join(out, "tarn.iso")
    report(f"upgrade: a second image built with version {version} ({time.monotonic() - started:.0f} s)",
           iso_version(v2).startswith(version + " ("), v2)
    stage = os.path.join(WORK, "broken")
    os.makedirs(os.path.join(stage, "root", "etc"), exist_ok=True)
    with open(os.path.join(stage, "version"), "w") as f:
        f.write("9.9.1-broken\n")
    subprocess.run(f"cd {stage}/root && find . | cpio -o -H newc --quiet | gzip > {stage}/initrd.img",
                   shell=True, check=True)
    broken = os.path.join(WORK, "broken.iso")
    subprocess.run(["xorriso", "-indev", v2, "-outdev", broken, "-boot_image", "any", "discard",
                    "-map", os.path.join(stage, "initrd.img"), "/boot/initrd.img",
                    "-map", os.path.join(stage, "version"), "/tarn-version"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso_version(v2), v2, broken


def iso_version(iso):
    """What an image says it is (its tarn-version file: VERSION (KEY))."""
    dest = os.path.join(WORK, "tarn-version")
    subprocess.run(["rm", "-f", dest])
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/tarn-version", dest],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(dest) as f:
        return f.read().strip()


def wizard_install(m, hostname):
    """The first-boot wizard over the serial line, choosing to install Tarn
    on /dev/vda (the menu item's tag starts with i: its hotkey)."""
    m.expect(r"Welcome to Tarn", 400)
    time.sleep(2)
    keys(m, "\r")
    wizard_passwords(m)
    m.expect(r"Install Tarn on it", 120)
    keys(m, "i\r")
    m.expect(r"Erase /dev/vda\?", 30)
    keys(m, "\r")
    wizard_network_and_name(m, hostname)
    m.expect(r"It is installed on /dev/vda", 300)
    keys(m, "\r")


def slot_checks(m, name, slot, version, hostname):
    """A boot from the installed disk: the slot, the version, the settings,
    and the slot marked good once the agent and console are up."""
    rc, out = m.run("for i in $(seq 90); do grep -q ' is good' /run/tarn-bootslot && break; sleep 2; done; "
                    "cat /proc/cmdline /etc/tarn-version /run/tarn-bootslot; hostname; "
                    "grep ' /var/lib/tarn ' /proc/mounts", 240)
    report(f"{name}: booted from the disk's slot {slot}, Tarn {version}, host name {hostname} kept",
           f"tarn.slot={slot}" in out and f"\n{version}\n" in out and hostname in out
           and "/dev/vda5 /var/lib/tarn ext4" in out, out)
    report(f"{name}: slot {slot} marked good once the agent and console were up", f"boot slot {slot} (" in out
           and " is good" in out, out)
    return out


def boot_disk(name, disk, cd=None, uefi=False):
    return Machine(name, LOGS, uefi=uefi, extra=drives(cd, [disk]))


def power_off(m):
    m.send("poweroff\n")
    m.proc.wait(120)
    m.close()


def install_bios():
    """BIOS, one chain of boots: refusals; a power cut during an install
    (the ISO still boots); the wizard installs on the disk; the disk boots
    without the ISO with the settings; an upgrade to a second image boots
    it once and keeps it; a broken upgrade panics and the next boot goes
    back to the good slot by itself."""
    disk, small = blank("install.img", "1200M"), blank("small.img", "512M")
    version, v2, broken = upgrade_images()
    started = time.monotonic()
    m = Machine("install-1", LOGS, extra=drives(ISO, [disk, small]))
    try:
        m.console_shell(CONSOLE_PASSWORD, 400)
        rc, out = m.run("tarn-install --check /dev/vdb")
        report("install: a disk too small is refused, with the size needed",
               rc != 0 and "too small: 512 MiB; installing Tarn needs at least 835 MiB" in out, out)
        rc, out = m.run("tarn-install --yes /dev/sr0")
        report("install: the boot medium (a CD) is refused", rc != 0 and "/dev/sr0 is read-only" in out, out)
        rc, out = m.run("tarn-install /dev/vda </dev/null; od -An -tx1 -N2 /dev/vda")
        report("install: nothing is written without the last confirmation",
               rc == 0 and "give --yes" in out and out.split()[-2:] == ["00", "00"], out)
        m.send("tarn-install --yes /dev/vda\n")
        m.expect(r"into boot slot A", 60)
        m.proc.kill()  # the power cut
        m.close()
        report("install: power cut while boot slot A was being written", True)
        m = Machine("install-2", LOGS, extra=drives(ISO, [disk, small]))
        wizard_install(m, "tarn-inst-01")  # the wizard shows: the half-written disk holds no settings
        report("install: after the power cut the ISO boots as before (the disk, tried first, is passed over)", True)
        report("install: the first-boot wizard installs Tarn on the disk", True)
        m.console_shell(CONSOLE_PASSWORD, 120)
        rc, out = m.run("tarn-install --check /dev/vda; tarn-install --check /dev/vda3")
        report("install: the disk holding the settings in use, and a partition, are refused",
               "holds the settings this host runs with" in out and "is a partition: give the whole disk" in out, out)
        power_off(m)
        report(f"install: ISO boots and the wizard's install took {time.monotonic() - started:.0f} s", True)

        m = boot_disk("install-3", disk, cd=v2)
        m.console_shell(CONSOLE_PASSWORD, 400)
        slot_checks(m, "installed disk (BIOS)", "A", iso_version(ISO), "tarn-inst-01")
        rc, out = m.run("tarn-upgrade /etc/hostname; tarn-upgrade no-such.iso")
        report("upgrade: a file that is not a Tarn ISO, and a name no repository holds, are refused",
               "not an ISO 9660 image" in out and "no repository's iso_pool holds one" in out, out)
        rc, out = m.run("tarnctl system upgrade /dev/sr0 --wait", 300)  # through the API, as root on the socket
        report("upgrade: tarnctl system upgrade writes the second image into slot B, to be tried once",
               rc == 0 and f"boot slot B holds Tarn {version}" in out, out)
        m.send("reboot\n")
        m.proc.wait(120)
        m.close()

        m = boot_disk("upgrade-1", disk, cd=broken)
        m.console_shell(CONSOLE_PASSWORD, 400)
        slot_checks(m, "upgrade", "B", version, "tarn-inst-01")
        rc, out = m.run("tarn-upgrade /dev/sr0", 300)
        report("upgrade: a broken image (its initrd has no /init) goes into slot A",
               rc == 0 and "boot slot A holds Tarn 9.9.1-broken" in out, out)
        m.send("reboot\n")
        m.proc.wait(120)
        m.close()

        m = boot_disk("upgrade-2", disk)
        m.expect(r"Kernel panic", 400)
        m.proc.wait(120)  # panic=10 reboots; -no-reboot makes QEMU exit
        m.close()
        report("upgrade: the broken slot panics and the machine reboots", True)
        m = boot_disk("upgrade-3", disk)
        m.console_shell(CONSOLE_PASSWORD, 400)
        out = slot_checks(m, "broken upgrade", "B", version, "tarn-inst-01")
        report("broken upgrade: the boot after went back to slot B by itself, and says why",
               "the upgrade in slot A did not come up" in out, out)
        m.close()
        print(f"# install and upgrade chain (BIOS): {time.monotonic() - started:.0f} s of boots")
    except Exception as e:
        report("install-bios: the chain", False, e)
        m.close()


def install_uefi():
    """UEFI: tarn-install from the console's shell, keeping the settings
    made on the ISO; the disk boots on UEFI without the ISO."""
    disk = blank("install-uefi.img", "1200M")
    started = time.monotonic()
    m = Machine("install-uefi-1", LOGS, uefi=True, extra=drives(ISO, [disk]))
    try:
        m.console_shell(CONSOLE_PASSWORD, 400)
        rc, out = m.run("tarnctl hostname tarn-uefi-01 && tarn-install --yes --keep-settings /dev/vda", 300)
        report("install (UEFI): tarn-install from the shell, keeping the settings",
               rc == 0 and "data partition: /dev/vda5" in out, out)
        power_off(m)
        m = boot_disk("install-uefi-2", disk, uefi=True)
        m.console_shell(CONSOLE_PASSWORD, 400)
        slot_checks(m, "installed disk (UEFI)", "A", iso_version(ISO), "tarn-uefi-01")
        rc, out = m.run("ls /sys/firmware/efi >/dev/null && echo efi-present")
        report("installed disk (UEFI): booted by UEFI firmware", "efi-present" in out, out)
        power_off(m)
        # recovery as the README gives it: boot the ISO, rewrite a slot from it
        m = Machine("install-uefi-3", LOGS, iso=ISO, data=disk, uefi=True)  # the ISO first
        m.console_shell(CONSOLE_PASSWORD, 400)
        rc, out = m.run("hostname; tarn-upgrade --slot B /dev/sr0", 300)
        report("recovery: booted from the ISO, the disk's settings are used and slot B is rewritten from it",
               rc == 0 and "tarn-uefi-01" in out and "boot slot B holds Tarn" in out and "is the default" in out,
               out)
        power_off(m)
        m = boot_disk("install-uefi-4", disk, uefi=True)
        m.console_shell(CONSOLE_PASSWORD, 400)
        slot_checks(m, "recovery (UEFI)", "B", iso_version(ISO), "tarn-uefi-01")
        m.close()
        print(f"# install chain (UEFI): {time.monotonic() - started:.0f} s of boots")
    except Exception as e:
        report("install-uefi: the chain", False, e)
        m.close()


def pool_member(m, ip, name):
    """A host's management of the pool network: eth1 (the shared virtual
    network) gets ip, the pool node listens there (after an agent restart)."""
    rc, out = m.run(f"tarnctl iface eth1 static {ip}/24 && for i in $(seq 30); do "
                    f"ip -4 addr show eth1 | grep -q '{ip}/' && break; sleep 1; done; ip -4 addr show eth1", 60)
    report(f"migrate: {name} has {ip} on the shared network", rc == 0 and f"{ip}/24" in out, out)
    # until the restarted agent's local socket answers (without it tarnctl would ask a password)
    rc, out = m.run(f"tarnctl pool address {ip}:8900 && killall tarnd; sleep 2; "
                    "for i in $(seq 60); do tarnctl pool info </dev/null >/dev/null 2>&1 && break; "
                    "tarnctl pool info </dev/null 2>&1 | grep -q 'no pool' && break; sleep 1; done; "
                    "tarnctl pool info </dev/null 2>&1 | tail -3", 120)
    report(f"migrate: {name}'s agent restarts with its pool node on {ip}:8900", "unavailable" not in out, out)


def pool_screen(m, pool_keys, done, timeout, certificate=None):
    """From the shell back to the Tarn console's menu, o for the Server pool
    screen, then a form filled by pool_keys (its key, each field, Enter):
    the console password when it is asked, the master's certificate when a
    join shows it (y once it is the certificate given: the master's, as its
    own host info says; n otherwise), and the console's word that it is
    done. Back at the shell afterwards; whether the certificate shown was
    the one given."""
    m.send("exit\n")
    m.expect(r"Local shell", 60)
    time.sleep(1)
    keys(m, "o")
    m.expect(r"This host is in no pool", 60)
    for k in pool_keys:
        keys(m, k)
    shown = None
    asked = (b"Password:", b"presents the certificate")
    while (seen := m.expect(rf"(Password:|presents the certificate|{done})", timeout).group(1)) in asked:
        if seen == b"Password:":
            keys(m, CONSOLE_PASSWORD + "\r")
            continue
        try:  # on two lines: 16 pairs, then 16
            m.expect(re.escape(certificate[:55]), 30)
            m.expect(re.escape(certificate[55:]), 30)
            shown = True
        except Exception:
            shown = False
        keys(m, "y" if shown else "n")
        if not shown:
            break
    keys(m, "\r")
    keys(m, "\x1b", 1.5)
    m.console_shell(CONSOLE_PASSWORD, 60)
    return shown


def guest_console(m, name, word, before=""):
    """Types a command at a guest's shell through its console (the pty
    xenconsoled made, as xl console does): before (a command ending in &&,
    or nothing), then an echo of word-42, and returns how many times its
    console log shows word-42 (the echo of the typed line shows no 42)."""
    rc, out = m.run(f"d=$(xl domid {name}) && t=$(xenstore-read /local/domain/$d/console/tty) && "
                    f"echo \"{before}echo {word}-\\$((6*7))\" > $t; for i in $(seq 30); do "
                    f"grep -q '{word}-42' /var/log/xen/console/guest-{name}.log && break; sleep 1; done; "
                    f"grep -c '{word}-42' /var/log/xen/console/guest-{name}.log", 60)
    return rc, out


def tiny_runs_on(m):
    """Whether the guest tiny has a domain on machine m and the pool lists it
    running (desired and actual), and what was seen."""
    rc, out = m.run("xl list tiny && tarnctl guest list", 60)
    return rc == 0 and any(line.split()[:3] == ["tiny", "running", "running"] for line in out.splitlines()), out


def migration():
    """Two Tarn hosts under QEMU at once on a shared virtual network (a
    QEMU socket netdev between them): a pool of the two, the tiny PV guest
    (kernel and ramdisk, no disk) started on A, moved live to B with
    tarnctl guest migrate, and running there: its shell answers on B's
    console, its init did not start again, A has no domain left, the pool
    has it on B, and the task reports the downtime. A migration that B has
    not the memory for is refused, saying so, and the guest is untouched.
    Both QEMUs run at once: held under one flock for the whole scenario.
    Returns what was measured (the bench reports it): downtime_ms, the
    migration's seconds, the scenario's seconds; None for what was not."""
    stage = os.path.join(WORK, "mig")
    subprocess.run([os.path.join(TOP, "tests", "guest", "template.sh"), os.path.join(stage, "tiny")],
                   check=True, stdout=subprocess.DEVNULL)
    disks = {}
    for n in ("a", "b"):
        disks[n] = os.path.join(WORK, f"mig-{n}.img")
        subprocess.run(["truncate", "-s", "256M", disks[n]], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "TARN-DATA", "-d", stage, disks[n]], check=True)
    measured = {"downtime_ms": None, "migrate_s": None, "scenario_s": None}
    port = free_port()
    net = "-device e1000,netdev=n1,mac=52:54:00:77:00:{}"
    started = time.monotonic()
    # A listens, B connects: A's QEMU must be up first (it is, once it runs)
    a = Machine("migrate-a", LOGS, iso=ISO, data=disks["a"], memory=1536,
                extra=["-netdev", f"socket,id=n1,listen=127.0.0.1:{port}", *net.format("0a").split()])
    time.sleep(2)
    b = Machine("migrate-b", LOGS, iso=ISO, data=disks["b"], memory=1024,
                extra=["-netdev", f"socket,id=n1,connect=127.0.0.1:{port}", *net.format("0b").split()])
    try:
        if not host_is_up(a, "migrate A") or not host_is_up(b, "migrate B"):
            return measured
        pool_member(a, "10.9.0.1", "A")
        pool_member(b, "10.9.0.2", "B")
        rc, out = a.run("ping -c 2 -W 2 10.9.0.2", 30)
        report("migrate: A reaches B on the shared network", rc == 0, out)
        # A's certificate, as its administrator reads it there, for B's join to be checked against
        rc, out = a.run("tarnctl host info | grep ^certificate", 30)
        cert = out.split()[-1] if rc == 0 and out.split() else ""
        report("migrate: A's host info shows its certificate's fingerprint", cert.startswith("SHA256:")
               and len(cert) == 102, out)
        shown = None
        try:  # as an administrator would: each host's console, its Server pool screen
            pool_screen(a, ["c", "lab\t", "pool pass 1\t", "pool pass 1\r"], r"Pool lab is created", 120)
            shown = pool_screen(b, ["j", "10.9.0.1\t", "pool pass 1\r"], r"This host joined the pool", 180,
                                certificate=cert)
        except Exception as e:
            print(f"# forming the pool from the consoles: {e}")
        report("migrate: B's join shows the master's certificate to confirm, A's, and is confirmed (y)",
               shown is True, shown)
        rc, out = a.run("tarnctl pool info", 60)
        report("migrate: A creates a pool from its console (Server pool, c)", rc == 0 and "lab" in out, out)
        rc, out = b.run("tarnctl pool members", 120)
        report("migrate: B joins A's pool from its console (Server pool, j)",
               rc == 0 and "10.9.0.1:8900" in out and "10.9.0.2:8900" in out, out)
        cfg = ("sed -e 's#\"vmlinuz\"#\"/var/lib/tarn/tiny/vmlinuz\"#' "
               "-e 's#\"initrd.gz\"#\"/var/lib/tarn/tiny/initrd.gz\"#' /var/lib/tarn/tiny/vm.cfg > /tmp/tiny.cfg")
        rc, out = a.run(cfg + " && tarnctl guest define /tmp/tiny.cfg && tarnctl guest start tiny --wait && "
                        "for i in $(seq 90); do grep -q TARN-GUEST-UP /var/log/xen/console/guest-tiny.log "
                        "&& break; sleep 2; done; tarnctl guest list", 400)
        report("migrate: the tiny PV guest runs on A", rc == 0
               and any(line.split()[:3] == ["tiny", "running", "running"] for line in out.splitlines()), out)
        rc, out = guest_console(a, "tiny", "BEFORE", before="touch /tmp/alive && ")
        report("migrate: its shell answers on A's console", out.strip().endswith("1"), out)
        # too little memory on B: a guest bigger than B's free memory (B's facts in the pool store)
        rc, out = b.run("xl info | awk '/^free_memory/ {print $3}'", 30)
        free = int(out.split()[-1]) if out.split() and out.split()[-1].isdigit() else 400
        rc, out = a.run(f"sed -e 's/^name = .*/name = \"big\"/' -e 's/^memory = .*/memory = {free + 64}/' "
                        f"/tmp/tiny.cfg > /tmp/big.cfg && tarnctl guest define /tmp/big.cfg >/dev/null && "
                        f"for i in $(seq 30); do tarnctl guest migrate big 10.9.0.2:8900 2>&1 | "
                        f"grep -q 'MiB free' && break; sleep 2; done; tarnctl guest migrate big 10.9.0.2:8900; "
                        f"echo rc=$?; tarnctl guest show big | grep -E '^(host|desired)'", 120)
        report(f"migrate: a guest of {free + 64} MiB to B ({free} MiB free) is refused, saying so",
               "rc=1" in out and f"needs {free + 64} MiB" in out and "MiB free" in out, out)
        a.run("tarnctl guest undefine big", 30)
        rc, out = a.run("xl info | grep virt_caps", 30)
        print(f"# A's Xen: {out.strip()}")
        t0 = time.monotonic()
        rc, out = a.run("tarnctl guest migrate tiny 10.9.0.2:8900 --wait; echo rc=$?; "
                        "tarnctl task list | head -3", 900)
        took = time.monotonic() - t0
        down = [w for w in out.replace(";", " ").split("downtime ")[1:2]]
        if "rc=0" in out:
            measured["migrate_s"] = round(took, 1)
        if down and down[0].split()[0].isdigit():
            measured["downtime_ms"] = int(down[0].split()[0])
        mode = "live" if "moved live" in out else "suspended" if "moved suspended" in out else "?"
        report(f"migrate: tarnctl guest migrate --wait moves it ({took:.0f} s, {mode})", "rc=0" in out
               and "to member" in out, out)
        report(f"migrate: the task reports the guest's downtime ({down[0].split()[0] + ' ms' if down else '?'})",
               bool(down) and down[0].split()[0].isdigit(), out)
        report("migrate: the guest runs on B (xl list), and the pool says so", *tiny_runs_on(b))
        rc, out = guest_console(b, "tiny", "AFTER", before="test -e /tmp/alive && ")
        report("migrate: its shell answers on B's console, and the file it wrote in its memory on A is there "
               "(it kept running, no new boot)", out.strip().endswith("1"), out)
        rc, out = a.run("xl list tiny; echo rc=$?; tarnctl guest show tiny | grep -E '^host'; tarnctl events | "
                        "tail -4; logread | grep -E 'migrate|libxl|xc:' | tail -8", 60)
        report("migrate: A has no domain left for it", "rc=1" in out, out)
        rc, out = b.run("tarnctl events | grep 'from member' | tail -2; "
                        "logread | grep -E 'migrate|libxl|xc:' | tail -8", 30)
        report("migrate: B's events say the guest arrived", "runs here" in out, out)
        # maintenance on B: its running guest goes back to A by migration, not a restart
        t0 = time.monotonic()
        rc, out = b.run("tarnctl host evacuate --timeout 600; echo rc=$?; tarnctl task list | head -3", 700)
        report(f"maintenance: tarnctl host evacuate on B moves its guest away ({time.monotonic() - t0:.0f} s)",
               "rc=0" in out and "guest.migrate" in out and "done" in out, out)
        report("maintenance: the guest runs on A again", *tiny_runs_on(a))
        rc, out = guest_console(a, "tiny", "EVACUATED", before="test -e /tmp/alive && ")
        report("maintenance: its shell answers on A, and the file in its memory is still there: it was migrated, "
               "not shut down", out.strip().endswith("1"), out)
        rc, out = b.run("tarnctl pool maintenance 10.9.0.2:8900 off; echo rc=$?", 60)
        report("maintenance: B is taken out of maintenance", "rc=0" in out, out)
        measured["scenario_s"] = round(time.monotonic() - started)
        print(f"# migrate: the scenario took {measured['scenario_s']} s with two QEMUs")
    finally:
        a.close()
        b.close()
    return measured


if __name__ == "__main__":
    if not os.path.exists(ISO):
        report("image exists", False, f"{ISO} missing: run ./build.sh image")
        exit_status()
    wanted = sys.argv[1:] or ["bios", "usb", "uefi", "uefi-usb", "persist", "console", "firstboot",
                              "install-bios", "install-uefi", "migrate", "watchdog"]
    for name, fn in [("bios", boot_bios_cd), ("usb", boot_usb_stick),
                     ("uefi", boot_uefi),
                     ("uefi-usb", boot_uefi_usb_stick), ("persist", persistence),
                     ("console", console_settings), ("firstboot", first_boot),
                     ("install-bios", install_bios), ("install-uefi", install_uefi), ("migrate", migration),
                     ("watchdog", watchdog_scenario),
                     ("hvm", hvm_alone)]:
        if name in wanted:
            try:
                fn()
            except Exception as e:  # a hung or crashed boot is a failure, not a crash of the suite
                report(f"{name}: boot", False, e)
    shutil.rmtree(WORK, ignore_errors=True)
    exit_status()
