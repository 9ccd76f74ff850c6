"""`reporting dictate` against a real `reporting serve` in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.dictation.conftest import fixture
from tests.support.postgres import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "REPORTING_DATA_DIR": str(tmp_path / "var"),
           "REPORTING_ASR__MODEL": "tiny.en", "REPORTING_HL7__LISTEN": "",
           "REPORTING_RUN_WORKERS": "false"}
    env.pop("REPORTING_DATABASE_URL", None)
    cli = [sys.executable, "-m", "reporting.cli.main"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    try:
        yield base, env
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_dictate_cli_streams_a_file_into_a_report(server: tuple[str, dict[str, str]]) -> None:
    base, env = server
    token = httpx.post(f"{base}/api/auth/token",
                       data={"username": "drokafor", "password": "demo-radiologist"}
                       ).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    study = next(s for s in httpx.get(f"{base}/api/worklist", headers=h).json()
                 if s["modality"] == "CR")
    report = httpx.post(f"{base}/api/reports", json={"study_id": study["id"]}, headers=h).json()
    entry = fixture("cxr_cardiomegaly")
    result = subprocess.run(
        [sys.executable, "-m", "reporting.cli.main", "dictate",
         str(ROOT / "audio_fixtures" / entry["file"]), "--report", report["id"],
         "--url", f"{base.replace('http', 'ws')}/ws/dictation", "--username", "drokafor",
         "--password", "demo-radiologist", "--speed", "3", "--field", "findings"],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert '"type": "ready"' in result.stdout
    assert "[findings]" in result.stdout
    assert "cardiomegaly" in result.stdout.lower()
    saved = httpx.get(f"{base}/api/reports/{report['id']}", headers=h).json()
    assert "cardiomegaly" in saved["fields"]["findings"].lower()
    bad = subprocess.run(
        [sys.executable, "-m", "reporting.cli.main", "dictate",
         str(ROOT / "audio_fixtures" / entry["file"]), "--report", "nope",
         "--url", f"{base.replace('http', 'ws')}/ws/dictation", "--token", token],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode == 1 and "report_not_found" in bad.stdout


def test_transcribe_cli_and_api(server: tuple[str, dict[str, str]]) -> None:
    base, env = server
    entry = fixture("ct_head_noncontrast")
    path = ROOT / "audio_fixtures" / entry["file"]
    out = subprocess.run([sys.executable, "-m", "reporting.cli.main", "transcribe", str(path),
                          "--modality", "CT"], env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr
    assert "hemorrhage" in out.stdout.lower()
    token = httpx.post(f"{base}/api/auth/token",
                       data={"username": "drokafor", "password": "demo-radiologist"}
                       ).json()["access_token"]
    r = httpx.post(f"{base}/api/transcribe", headers={"Authorization": f"Bearer {token}"},
                   files={"file": (path.name, path.read_bytes(), "audio/flac")}, timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "hemorrhage" in body["text"].lower() and body["segments"]
    junk = httpx.post(f"{base}/api/transcribe", headers={"Authorization": f"Bearer {token}"},
                      files={"file": ("x.wav", b"not audio at all", "audio/wav")}, timeout=60)
    assert junk.status_code == 422 and junk.json()["code"] == "bad_audio"
