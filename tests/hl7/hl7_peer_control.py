"""Drive the MLLP test peer (tests/hl7/peer.py) from tests: PeerProcess and free_port.

Reusable from other test directories: put tests/hl7 on sys.path (or copy the fixture in
tests/hl7/conftest.py) and `from hl7_peer_control import PeerProcess`.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

PEER_SCRIPT = Path(__file__).with_name("peer.py")


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PeerProcess:
    """Drives tests/hl7/peer.py in a subprocess: start, stop, restart, switch mode, read log."""

    def __init__(self, workdir: Path, *, mode: str = "ack", delay: float = 5.0,
                 port: int | None = None) -> None:
        self.port = port or free_port()
        self.mode = mode
        self.delay = delay
        self.record_dir = workdir / "received"
        self.mode_file = workdir / "mode"
        self.proc: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 10.0) -> PeerProcess:
        """Start the peer and wait until it listens."""
        if self.proc is not None:
            raise RuntimeError("peer already running")
        cmd = [sys.executable, str(PEER_SCRIPT), "--port", str(self.port), "--mode", self.mode,
               "--delay", str(self.delay), "--record", str(self.record_dir),
               "--mode-file", str(self.mode_file)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("READY"):
                    return self
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"MLLP peer did not start on port {self.port}")

    def stop(self) -> None:
        """Terminate the peer (kill if it does not exit)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def kill(self) -> None:
        """Kill -9 the peer, as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None

    def restart(self) -> PeerProcess:
        self.stop()
        return self.start()

    def set_mode(self, mode: str) -> None:
        """Change the mode at runtime (takes effect for the next message)."""
        self.mode_file.write_text(mode + "\n")

    def received(self) -> list[bytes]:
        """Every complete message the peer received, in order (across restarts)."""
        if not self.record_dir.exists():
            return []
        return [p.read_bytes() for p in sorted(self.record_dir.glob("*.hl7"))]

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None
