"""The persist scenario's guests made from templates, on real Xen: a tiny PV
guest created from a template in seed_pool through tarnctl; a marker written
to its disk from its own shell (xl console on the serial line), kept by a
clone and by a snapshot that a revert brings back; a PV guest that boots the
kernel on its own disk through pvgrub2; and bad input (a missing template,
memory larger than the host, a corrupt xl.cfg, a full repository) refused
with nothing left behind.

stage() lays the templates out on the host, for the data disk; checks()
runs in dom0's shell once the host is up."""
import os
import secrets
import shutil
import subprocess
import time

from check import report

SEED = "/var/lib/tarn/seed"  # where stage()'s directory lands on the data disk
REPOS = "/var/lib/tarn/repos"
LOGS = "/var/log/xen/console"
MARK_LEN = 48  # every marker is written padded to this many bytes, over the last


def marker(text):
    return text.ljust(MARK_LEN).encode()


def stage(dest, tiny, work):
    """The templates under dest (seed/ on the data disk), from the tiny
    guest's kernel and initrd in tiny. Returns the template disk's marker."""
    seed = os.path.join(dest, "seed")
    first = "TEMPLATE-DISK-" + secrets.token_hex(4)
    with open(os.path.join(tiny, "vm.cfg")) as f:
        base = f.read().replace("tarn.guest=tiny", "tarn.guest=fromtemplate")
    # tiny: kernel, ramdisk and a sparse 8 MiB disk, all in the template
    t = os.path.join(seed, "tiny")
    os.makedirs(t)
    for name in ("vmlinuz", "initrd.gz"):
        shutil.copyfile(os.path.join(tiny, name), os.path.join(t, name))
    with open(os.path.join(t, "disk.img"), "wb") as f:
        f.write(marker(first))
        f.truncate(8 << 20)
    write(t, base + "disk = [ 'file:disk.img,xvda,w' ]\n")
    # pvgrub: GRUB from the image as the kernel; the guest's kernel, initrd
    # and grub.cfg on its ext2 disk (GRUB 2.06 reads ext2 with any features)
    root = os.path.join(work, "pvgrub-root")
    os.makedirs(os.path.join(root, "boot", "grub"))
    for name in ("vmlinuz", "initrd.gz"):
        shutil.copyfile(os.path.join(tiny, name), os.path.join(root, "boot", name))
    write(os.path.join(root, "boot", "grub"), "set timeout=0\nmenuentry 'tiny' {\n"
          "  linux /boot/vmlinuz console=hvc0 quiet tarn.guest=pvgrub\n  initrd /boot/initrd.gz\n}\n",
          "grub.cfg")
    p = os.path.join(seed, "pvgrub")
    os.makedirs(p)
    subprocess.run(["mkfs.ext2", "-q", "-F", "-L", "pvgrub", "-d", root, os.path.join(p, "disk.img"), "24M"],
                   check=True, stdout=subprocess.DEVNULL)
    write(p, 'name = "pvgrub"\ntype = "pv"\nkernel = "/usr/lib/grub-xen/grub-x86_64-xen.bin"\n'
          "memory = 128\nvcpus = 1\ndisk = [ 'file:disk.img,xvda,w' ]\n")
    # bad ones: more memory than any test host; a corrupt vm.cfg; a 9 MiB
    # disk of data for a 16 MiB repository, where its copy cannot fit
    shared = base.replace('"vmlinuz"', '"/var/lib/tarn/tiny/vmlinuz"').replace(
        '"initrd.gz"', '"/var/lib/tarn/tiny/initrd.gz"')
    write(os.path.join(seed, "huge"), shared.replace("memory = 128", "memory = 9999999"))
    write(os.path.join(seed, "broken"), 'name = "broken"\nmemory = [\n')
    big = os.path.join(seed, "big")
    write(big, shared + "disk = [ 'file:disk.img,xvda,w' ]\n")
    with open(os.path.join(big, "disk.img"), "wb") as f:
        f.write(os.urandom(9 << 20))
    return first


def write(directory, text, name="vm.cfg"):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "w") as f:
        f.write(text)


def disk_head(m, path):
    """The marker at the start of a disk file, read in dom0."""
    rc, out = m.run(f"head -c {MARK_LEN} {path} | tr -dc 'A-Za-z0-9_.-'; echo")
    return out.strip().splitlines()[-1] if out.strip() else ""


def wait_console(m, guest, pattern, count=1, timeout=240):
    """Waits until the guest's console log holds pattern count times;
    returns the log's lines that hold it."""
    log = f"{LOGS}/guest-{guest}.log"
    rc, out = m.run(f"for i in $(seq {timeout // 2}); do [ $(cat {log} 2>/dev/null | grep -c '{pattern}') "
                    f"-ge {count} ] && break; sleep 2; done; grep '{pattern}' {log}", timeout + 30)
    return [line.strip() for line in out.splitlines() if pattern in line]


def in_guest(m, guest, command, timeout=60):
    """Types command at the guest's shell through xl console on the serial
    line, waits until it has run, and comes back with Ctrl-]."""
    n = secrets.randbelow(9000) + 1000
    m.send(f"xl console {guest}\n")
    time.sleep(3)
    m.send("\n")
    time.sleep(1)
    m.send(f"{command}; echo IN-GUEST-$(({n}+1))\n")  # the echoed line holds no sum
    try:
        m.expect(rf"IN-GUEST-{n + 1}", timeout)
        return True
    finally:
        m.send("\x1d")
        time.sleep(2)


def write_in_guest(m, guest, text):
    """The guest writes text over the start of its disk, raw, and syncs."""
    return in_guest(m, guest, f"printf '%-{MARK_LEN}s' {text} | dd of=/dev/xvda bs={MARK_LEN} count=1 "
                    "2>/dev/null; sync")


def start(m, guest):
    rc, out = m.run(f"tarnctl guest start {guest} --wait && tarnctl guest list | grep '^{guest} '", 300)
    return rc == 0 and any(line.split()[:3] == [guest, "running", "running"] for line in out.splitlines()), out


def stop(m, guest):
    rc, out = m.run(f"tarnctl guest stop {guest} --wait && ! xl list {guest} 2>/dev/null", 180)
    return rc == 0, out


def checks(m, first):
    started = time.monotonic()
    repos_ready = repositories(m)
    if repos_ready:
        bad_input(m)
        disk_contents(m, first)
        pvgrub(m)
        ok, out = nothing_left(m, ["web1", "web2", "pv1"], ["r1:", "small:"])
        report("templates: every guest deleted with its disks: running_pool is empty again", ok, out)
    report(f"templates: guests from templates, clone, snapshot/revert, pvgrub and bad input took "
           f"{time.monotonic() - started:.0f} s", True)


def repositories(m):
    """r1 (192 MiB) holds the templates; small (16 MiB) the one too big for it."""
    rc, out = m.run("truncate -s 192M /var/lib/tarn/r1.img && truncate -s 16M /var/lib/tarn/small.img && "
                    "tarnctl repo add r1 local /var/lib/tarn/r1.img --format && "
                    "tarnctl repo add small local /var/lib/tarn/small.img --format && "
                    "for i in $(seq 60); do [ $(tarnctl repo list | grep -c ' mounted') -ge 2 ] && break; sleep 1; "
                    f"done && cp -r {SEED}/tiny {SEED}/pvgrub {SEED}/huge {SEED}/broken {REPOS}/r1/seed_pool/ && "
                    f"cp -r {SEED}/big {REPOS}/small/seed_pool/ && tarnctl template list r1", 120)
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()}
    return report("templates: two repositories made, templates put in seed_pool, template list shows them",
                  rc == 0 and "tiny" in rows and "128M" in rows["tiny"] and "pvgrub" in rows
                  and "config parsing error" in rows.get("broken", ""), out)


def nothing_left(m, names, expected):
    """No guest of these names is defined; running_pool holds only expected."""
    rc, out = m.run(f"tarnctl guest list; echo r1: $(ls -A {REPOS}/r1/running_pool); "
                    f"echo small: $(ls -A {REPOS}/small/running_pool)")
    listed = [line.split()[0] for line in out.splitlines() if line.split()]
    pools = [line for line in out.splitlines() if line.startswith(("r1:", "small:"))]
    return not (set(names) & set(listed)) and pools == expected, out


def bad_input(m):
    """Each refused with a clear message; no guest defined, nothing copied."""
    cases = [("a template that does not exist", "r1 nosuch bad1", "there is no template nosuch in seed_pool"),
             ("memory larger than the host", "r1 huge bad2", "template huge: memory 9999999 MiB is more than "
                                                             "this host's"),
             ("a corrupt xl.cfg", "r1 broken bad3", "template broken: xl.cfg:"),
             ("a full repository", "small big bad4 --wait", "repository small is full")]
    for what, args, says in cases:
        rc, out = m.run(f"tarnctl guest create-from-template {args}; echo rc=$?", 120)
        report(f"templates: {what} is refused, saying so", "rc=1" in out and says in out, out)
    rc, out = m.run("printf 'name = \"bad5\"\\nmemory = 64\\nkernel = \"/x\\n' > /tmp/bad5.cfg && "
                    "tarnctl guest define /tmp/bad5.cfg; echo rc=$?")
    report("templates: tarnctl guest define of a corrupt xl.cfg is refused, naming the line",
           "rc=1" in out and "xl.cfg:3" in out, out)
    ok, out = nothing_left(m, ["bad1", "bad2", "bad3", "bad4", "bad5"], ["r1:", "small:"])
    report("templates: after the refusals no guest is defined and running_pool holds nothing", ok, out)


def disk_contents(m, first):
    """web1 from the template: its console, then a marker its shell writes;
    a clone keeps it; a snapshot taken with it is brought back by a revert
    after the guest wrote over it."""
    disk = f"{REPOS}/r1/running_pool/%s/disk.img"
    rc, out = m.run("tarnctl guest create-from-template r1 tiny web1 --wait && tarnctl guest show web1", 180)
    report("template guest: tarnctl guest create-from-template r1 tiny web1 --wait defines it, its disk copied",
           rc == 0 and f"file:{disk % 'web1'},xvda,w" in out, out)
    ok, out = start(m, "web1")
    report("template guest: start --wait, running", ok, out)
    lines = wait_console(m, "web1", "TARN-GUEST-DISK")
    up = wait_console(m, "web1", "TARN-GUEST-UP", timeout=10)
    report("template guest: its console shows its init's marker and the template disk's first line",
           up and lines and lines[-1].endswith(first), up + lines)
    written = "WRITTEN-IN-GUEST-" + secrets.token_hex(4)
    try:
        ok = write_in_guest(m, "web1", written)
    except Exception as e:
        ok, written = False, f"{written}: {e}"
    ok2, out = stop(m, "web1")
    head = disk_head(m, disk % "web1")
    report("template guest: a marker written to its disk from its shell (xl console) is on the disk after a clean "
           "stop", ok and ok2 and head == written, f"{written} / {head}: {out}")
    rc, out = m.run("tarnctl guest snapshot web1 s1 --wait && tarnctl guest clone web1 web2 --wait && "
                    "tarnctl guest snapshots web1", 240)
    head2 = disk_head(m, disk % "web2")
    report("clone: snapshot s1 and clone web2 of the stopped guest; the clone's disk holds the marker",
           rc == 0 and "s1 " in out and head2 == written, f"{head2}: {out}")
    # the clone boots and reads the marker; web1 boots again beside it and overwrites it
    rc, out = m.run("tarnctl guest start web2 && tarnctl guest start web1 --wait && tarnctl guest list", 300)
    lines2 = wait_console(m, "web2", "TARN-GUEST-DISK")
    report("clone: started, its init reads the marker from its own disk",
           bool(lines2) and lines2[-1].endswith(written), lines2 or out)
    lines = wait_console(m, "web1", "TARN-GUEST-DISK", count=2)
    later = "OVERWRITTEN-AFTER-S1-" + secrets.token_hex(4)
    try:
        ok = len(lines) >= 2 and lines[-1].endswith(written) and write_in_guest(m, "web1", later)
    except Exception as e:
        ok, lines = False, lines + [str(e)]
    ok2, out = stop(m, "web1")
    head = disk_head(m, disk % "web1")
    report("snapshot: after a restart web1 still reads its marker, then its shell writes over it",
           ok and ok2 and head == later, f"{head}: {lines} {out}")
    rc, out = m.run("tarnctl guest destroy web2 --wait && tarnctl guest delete web2 --disks --wait && "
                    f"! ls {REPOS}/r1/running_pool/web2", 120)
    report("clone: destroyed and deleted with its disks (its directory is gone)", rc == 0, out)
    rc, out = m.run("tarnctl guest revert web1 s1 --wait", 180)
    head = disk_head(m, disk % "web1")
    report("snapshot: revert s1 puts the marker back on the disk", rc == 0 and head == written, f"{head}: {out}")
    ok, out = start(m, "web1")
    lines = wait_console(m, "web1", "TARN-GUEST-DISK", count=3)
    report("snapshot: after the revert web1 boots and reads the marker again",
           ok and len(lines) >= 3 and lines[-1].endswith(written), lines or out)
    rc, out = m.run("tarnctl guest destroy web1 --wait && tarnctl guest delete web1 --disks --wait", 120)
    report("template guest: destroyed and deleted with its disks and snapshots", rc == 0, out)


def pvgrub(m):
    """A PV guest whose kernel is pvgrub2, which boots the kernel on its disk."""
    rc, out = m.run("tarnctl guest create-from-template r1 pvgrub pv1 --wait", 180)
    report("pvgrub guest: created from a template whose kernel is pvgrub2", rc == 0, out)
    ok, out = start(m, "pv1")
    up = wait_console(m, "pv1", "TARN-GUEST-UP pvgrub")
    report("pvgrub guest: pvgrub2 boots the kernel from its disk's grub.cfg, and the init prints its marker",
           ok and bool(up), up or out)
    m.run("tarnctl guest destroy pv1 --wait; tarnctl guest delete pv1 --disks --wait", 120)
