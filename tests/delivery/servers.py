"""Real peer processes for delivery tests and benchmarks: Orthanc and a FHIR stand-in."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

FHIR_STANDIN = Path(__file__).with_name("fhir_standin.py")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Orthanc:
    """The Debian `orthanc` package run with its own config, ports and storage in a folder."""

    def __init__(self, workdir: Path, ae_title: str = "ORTHANC") -> None:
        binary = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
        self.binary = binary
        self.workdir = workdir
        self.ae_title = ae_title
        self.dicom_port = free_port()
        self.http_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        config = {
            "Name": "reporting-tests",
            "StorageDirectory": str(workdir / "storage"),
            "IndexDirectory": str(workdir / "index"),
            "StorageCompression": False,
            "HttpServerEnabled": True,
            "HttpPort": self.http_port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "DicomServerEnabled": True,
            "DicomAet": ae_title,
            "DicomPort": self.dicom_port,
            "DicomCheckCalledAet": True,
            "DicomAlwaysAllowStore": True,
            "Plugins": [],
            "ConcurrentJobs": 1,
            "HttpThreadsCount": 4,
        }
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "orthanc.json"
        self.config_path.write_text(json.dumps(config, indent=2))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        """Start Orthanc and wait until its REST API answers."""
        log = (self.workdir / "orthanc.log").open("ab")
        self.proc = subprocess.Popen(
            [self.binary, str(self.config_path)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        _wait_http(f"{self.url}/system", self.proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the DICOM port opens a moment after HTTP
            try:
                socket.create_connection(("127.0.0.1", self.dicom_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Orthanc DICOM port did not open")

    def stop(self) -> None:
        """Stop Orthanc (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def get(self, path: str) -> Any:
        response = httpx.get(f"{self.url}{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def file(self, instance_id: str) -> bytes:
        response = httpx.get(f"{self.url}/instances/{instance_id}/file", timeout=10)
        response.raise_for_status()
        return response.content

    def lookup(self, uid: str) -> list[dict[str, Any]]:
        response = httpx.post(f"{self.url}/tools/lookup", content=uid, timeout=10)
        response.raise_for_status()
        return list(response.json())


class FhirStandIn:
    """A small HTTP server process that records PUT/POST bodies (no FHIR server offline)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(FHIR_STANDIN),
             "--port", str(self.port), "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_http(f"http://127.0.0.1:{self.port}/_requests", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def respond_with(self, status: int | None) -> None:
        """Make the next requests answer with this HTTP status (None: normal behaviour)."""
        path = self.workdir / "respond.json"
        if status is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps({"status": status}))

    def requests(self) -> list[dict[str, Any]]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/_requests", timeout=5)
        return list(response.json())
