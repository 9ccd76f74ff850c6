"""A real reading-station server for browser tests and screenshots: uvicorn on a free port."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import uvicorn
from fastapi import FastAPI

from reporting import demo
from reporting.app import create_app
from reporting.core import migrate
from reporting.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Demo accounts (reporting.demo.ACCOUNTS): username -> password.
PASSWORDS = {username: password for username, password, *_ in demo.ACCOUNTS}


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start_server(workdir: Path, **overrides: Any) -> LiveServer:
    """Migrate a fresh SQLite db, load the demo data, and serve the app on 127.0.0.1."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'reporting.db'}"
    migrate.upgrade(url)
    options: dict[str, Any] = {
        "environment": "test",
        "data_dir": workdir / "data",
        "database_url": url,
        "hl7": {"listen": ""},
        "run_workers": True,
        "asr": {"model": "tiny.en"},
        "log_level": "WARNING",
        "destinations": [{"name": "printouts", "kind": "folder",
                          "path": str(workdir / "printouts")}],
    }
    options.update(overrides)
    settings = Settings(**options)
    app = create_app(settings)
    with app.state.sessionmaker() as session:
        demo.load(session, app.state.lifecycle)
        session.commit()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="websockets-sansio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="reading-station-server")
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the reading-station server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", app, settings, server, thread)


def fixture_wav(fixture_id: str, target: Path, *, lead_seconds: float = 0.5,
                tail_seconds: float = 2.5) -> Path:
    """Convert audio_fixtures/<id>.flac to a 16-bit WAV with silence around it (fake mic)."""
    data, rate = soundfile.read(ROOT / "audio_fixtures" / f"{fixture_id}.flac", dtype="int16")
    lead = np.zeros(int(rate * lead_seconds), dtype="int16")
    tail = np.zeros(int(rate * tail_seconds), dtype="int16")
    soundfile.write(target, np.concatenate([lead, data, tail]), rate, subtype="PCM_16")
    return target


def chromium_args(wav: Path | None) -> list[str]:
    """Headless Chromium flags: no sandbox, fake media devices, nothing phoning home."""
    args = ["--no-sandbox", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--disable-gpu"]
    if wav is not None:
        args.append(f"--use-file-for-fake-audio-capture={wav}%noloop")
    return args
