"""Boot a Tarn image under QEMU and talk to it over the serial console.

The serial line is QEMU's stdio, read by a thread into a log; tests wait for
patterns in it the way a person watches the console, and type into it.
"""
import os
import re
import subprocess
import threading
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


class Timeout(Exception):
    pass


class Machine:
    def __init__(self, name, logdir, iso=None, disk=None, data=None,
                 uefi=False, memory=2048, forward=None, extra=(), cpu="qemu64,+svm"):
        self.name = name
        self.log_path = os.path.join(logdir, name + ".serial.log")
        self.buf = b""
        self.mark = 0
        self.lock = threading.Lock()
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
               "-cpu", cpu, "-smp", "2", "-m", str(memory),
               "-device", "virtio-rng-pci", "-display", "none",
               "-serial", "stdio", "-monitor", "none", "-no-reboot",
               "-netdev", "user,id=n0" + "".join(
                   f",hostfwd=tcp:127.0.0.1:{h}-:{g}" for h, g in (forward or {}).items()),
               "-device", "e1000,netdev=n0"]
        if uefi:
            vars_copy = os.path.join(logdir, name + ".OVMF_VARS.fd")
            with open(OVMF_VARS, "rb") as src, open(vars_copy, "wb") as dst:
                dst.write(src.read())
            cmd += ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                    "-drive", f"if=pflash,format=raw,file={vars_copy}"]
        if iso:
            cmd += ["-drive", f"file={iso},media=cdrom,readonly=on,if=none,id=cd",
                    "-device", "ide-cd,drive=cd,bootindex=0"]
        if disk:  # a raw image on a USB stick, as a user would write it with dd
            cmd += ["-device", "qemu-xhci,id=xhci",
                    "-drive", f"file={disk},format=raw,if=none,id=stick",
                    "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0"]
        if data:
            cmd += ["-drive", f"file={data},format=raw,if=none,id=data",
                    "-device", "virtio-blk-pci,drive=data"]
        cmd += list(extra)
        self.cmd = cmd
        self.started = time.monotonic()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                break
            with self.lock:
                self.buf += chunk
            self.log.write(chunk)
            self.log.flush()

    def elapsed(self):
        return time.monotonic() - self.started

    def expect(self, pattern, timeout=120):
        """Wait for a regex in the output after the last match; return it."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                m = rx.search(self.buf, self.mark)
                if m:
                    self.mark = m.end()
                    return m
            if self.proc.poll() is not None and not self.reader.is_alive():
                raise Timeout(f"{self.name}: QEMU exited before /{pattern}/")
            if time.monotonic() > deadline:
                raise Timeout(f"{self.name}: no /{pattern}/ within {timeout}s "
                              f"(see {self.log_path})")
            time.sleep(0.1)

    def send(self, text, chunk=8, pause=0.03):
        """Type text at a steady pace: the Xen console's input ring is small
        and drops characters that arrive faster than dom0 reads them."""
        data = text.encode()
        for i in range(0, len(data), chunk):
            self.proc.stdin.write(data[i:i + chunk])
            self.proc.stdin.flush()
            time.sleep(pause)

    def run(self, command, timeout=60):
        """Run a shell command at the root prompt; return (status, output).

        The markers are printed with printf so the echoed command line never
        contains them literally."""
        tag = "%08x" % (int(time.monotonic() * 1000) & 0xffffffff)
        self.send(f"printf 'BE%sIN{tag}\\n' G; {command}; "
                  f"printf 'E%sD{tag} %d\\n' N $?\n")
        begin = self.expect(rf"BEGIN{tag}\r*\n", timeout)
        end = self.expect(rf"END{tag} (\d+)", timeout)
        with self.lock:
            out = self.buf[begin.end():end.start()].decode(errors="replace")
        return int(end.group(1)), out.replace("\r", "").strip("\n")

    def login(self, timeout=300):
        """A getty login prompt, as root with no password (the baseline)."""
        self.expect(r"login: ", timeout)
        self.send("root\n")
        self.expect(r"# ", 30)

    def console_shell(self, password, timeout=300):
        """From the Tarn console (tarn-tui) to its local shell, as a person
        would: wait for the menu (skipping the first-boot wizard, which
        greets a host with no data partition), press x, give the console
        password (or set it, the first time). Returns when the shell prompts."""
        if self.expect(r"(Local shell|Welcome to Tarn)", timeout).group(1) == b"Welcome to Tarn":
            time.sleep(1)
            self.send("c")  # the "console" item: skip setup
            time.sleep(0.5)
            self.send("\r")
            self.expect(r"Local shell", 60)
        time.sleep(1)  # let the first screen finish drawing
        self.send("x")
        first = self.expect(r"(No console password|Password:)", 30)
        if first.group(1).startswith(b"No"):
            self.send("\r")
            self.expect(r"Set the console password", 30)
            self.send(password + "\t")
            time.sleep(0.5)
            self.send(password + "\r")
            self.expect(r"password is set", 60)  # yescrypt takes a moment under TCG
            self.send("\r")
        else:
            time.sleep(0.5)
            self.send(password + "\r")
        self.expect(r"# ", 60)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(5)
        self.log.close()
