"""The console (tarn-tui, the ASan/UBSan build) on a real agent's node store
and local socket, in an 80x24 window of a tmux server of its own: keys in,
the screen read back. For the Python tests; the shell ones have tui.sh."""
import atexit
import os
import shutil
import subprocess

from tarnd import TOP, until

TUI = os.path.join(TOP, "out", "c-san", "tarn-tui")
MENU = "Enter or letter: open"


class Console:
    def __init__(self, state, port):
        """The console of the agent whose state directory is state and API port port, at its main menu."""
        self.tmux = ["tmux", "-L", f"tarn-console-{os.getpid()}-{port}", "-f", "/dev/null"]
        subprocess.run(["make", "-s", "-C", TOP, "SAN=1", "out/c-san/tarn-tui"], check=False)
        subprocess.run(self.tmux + ["new-session", "-d", "-x", "80", "-y", "24", "-s", "c",
                                    f"{TUI} --allow-quit --store {state}/db/node.db --agent-port {port} "
                                    f"--agent-socket {state}/run/tarn/api.sock"], check=False)
        atexit.register(self.close)  # a test that fails on the way leaves no console behind
        self.started = until(10, lambda: MENU in self.screen())

    @staticmethod
    def missing():
        """Why no console can be run here, or None."""
        return None if shutil.which("tmux") else "tmux is not installed"

    def keys(self, *keys):
        subprocess.run(self.tmux + ["send-keys", "-t", "c", *keys], check=False)

    def screen(self):
        return subprocess.run(self.tmux + ["capture-pane", "-p", "-t", "c"], capture_output=True, text=True).stdout

    def wait_for(self, text, seconds=10):
        """Whether text shows within seconds."""
        return bool(until(seconds, lambda: text in self.screen(), step=0.25))

    def close(self):
        subprocess.run(self.tmux + ["kill-server"], check=False, stderr=subprocess.DEVNULL)
