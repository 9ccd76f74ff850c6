"""The dictation WebSocket with the real tiny.en model and synthesized dictations."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from starlette.testclient import WebSocketTestSession

from tests.dictation.conftest import Live, fixture, pcm16

CHUNK = 3200  # 100 ms of 16 kHz s16le


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)] / max(len(ref), 1)


def receive_until(ws: WebSocketTestSession, kind: str, limit: int = 500) -> list[dict[str, Any]]:
    seen = []
    for _ in range(limit):
        message = ws.receive_json()
        seen.append(message)
        if message["type"] == kind:
            return seen
        if message["type"] == "error" and kind in ("ready", "stopped"):
            raise AssertionError(f"error while waiting for {kind}: {message}")
    raise AssertionError(f"no {kind} message in {limit}")


def stream(ws: WebSocketTestSession, audio: bytes, *, chunk: int = CHUNK) -> None:
    for i in range(0, len(audio), chunk):
        ws.send_bytes(audio[i:i + chunk])


def start(ws: WebSocketTestSession, report_id: str, **extra: Any) -> dict[str, Any]:
    ws.send_json({"type": "start", "report_id": report_id, "sample_rate": 16000,
                  "encoding": "pcm_s16le", **extra})
    ready = receive_until(ws, "ready")[-1]
    ready["report"] = receive_until(ws, "report")[-1]  # the saved state follows `ready`
    return ready


def url(live: Live) -> str:
    return f"/ws/dictation?token={live.doc.token}"


def test_streaming_a_fixture_yields_the_expected_text(live: Live) -> None:
    entry = fixture("cxr_effusion")
    with live.client.websocket_connect(url(live)) as ws:
        ready = start(ws, live.report["id"], field="findings")
        assert ready["model"] == "tiny.en" and ready["sample_rate"] == 16000
        audio = pcm16("cxr_effusion")
        for i in range(0, len(audio), 1234):  # odd sizes split samples
            ws.send_bytes(audio[i:i + 1234])
            if i < 6 * 32000:  # the first 6 s in real time, as a microphone would
                time.sleep(1234 / 32000)
        ws.send_json({"type": "stop"})
        messages = receive_until(ws, "stopped")
    finals = [m for m in messages if m["type"] == "final"]
    partials = [m for m in messages if m["type"] == "partial"]
    assert finals and all(f["field"] == "findings" for f in finals)
    assert [f["seq"] for f in finals] == sorted({f["seq"] for f in finals})
    text = " ".join(f["text"] for f in finals)
    assert wer(entry["text"], text) <= 0.2, text
    assert "pleural effusion" in text.lower()
    assert partials, "partials arrive while speaking"
    assert messages[-1]["audio_seconds"] > 13
    saved = live.get(live.report["id"])["fields"]["findings"]
    assert all(f["text"] in saved for f in finals), "every final is saved in the report"
    assert len(words(saved)) <= len(words(entry["text"])) + 3, "no doubled words"


def record_prompts(live: Live, monkeypatch: Any) -> list[str]:
    """The prompts of every decode the live app's speech manager runs from now on."""
    manager = live.client.app.state.asr  # type: ignore[attr-defined]
    prompts: list[str] = []
    decode = manager.decode

    async def recording(audio: Any, **kwargs: Any) -> Any:
        prompts.append(kwargs.get("prompt", ""))
        return await decode(audio, **kwargs)

    monkeypatch.setattr(manager, "decode", recording)
    return prompts


def test_each_prompt_carries_the_fields_text_once(live: Live, monkeypatch: Any) -> None:
    # Whisper reads its prompt as what was said just before; a sentence in it twice (the
    # field's saved text and the recognizer's own context) made it copy that sentence
    # instead of hearing the next one.
    prompts = record_prompts(live, monkeypatch)
    with live.client.websocket_connect(url(live)) as ws:
        start(ws, live.report["id"], field="findings")
        stream(ws, pcm16("cxr_lines_tubes"))
        ws.send_json({"type": "stop"})
        finals = [m for m in receive_until(ws, "stopped") if m["type"] == "final"]
    assert len(finals) >= 3 and "carina" in finals[0]["text"]
    later = [p for p in prompts if "carina" in p]
    assert later, "the next utterances are decoded with the field's text"
    assert all(p.count("carina") == 1 for p in later), later
    # The study is an "XR CHEST 2 VIEWS": the chest exam vocabulary is in every prompt.
    assert all("hemidiaphragms" in p.lower() for p in prompts), prompts[0]


def test_the_prompt_carries_the_vocabulary_of_the_study_exam(
    live: Live, accounts_sqlite: dict, monkeypatch: Any
) -> None:
    knee = live.new_report(accounts_sqlite, accession="K1", procedure_code="MRKNEE",
                           procedure_description="MR KNEE WITHOUT CONTRAST", modality="MR",
                           body_part="KNEE")
    prompts = record_prompts(live, monkeypatch)
    with live.client.websocket_connect(url(live)) as ws:
        start(ws, knee["id"], field="findings")
        stream(ws, pcm16("mr_knee"))
        ws.send_json({"type": "stop"})
        receive_until(ws, "stopped")
    assert prompts
    assert all("anterior cruciate ligament" in p.lower() and "medial meniscus" in p
               for p in prompts)
    assert not any("hemidiaphragms" in p.lower() for p in prompts)


def test_voice_commands_move_fields_and_undo(live: Live) -> None:
    with live.client.websocket_connect(url(live)) as ws:
        start(ws, live.report["id"], field="findings")
        stream(ws, pcm16("cmd_scratch_that"))
        ws.send_json({"type": "stop"})
        messages = receive_until(ws, "stopped")
    commands = [m for m in messages if m["type"] == "command"]
    assert [c["command"] for c in commands] == ["scratch_that"]
    findings = live.get(live.report["id"])["fields"]["findings"].lower()
    assert "atelectasis" in findings
    assert "opacity" not in findings, "scratch that removed the previous utterance"


def test_buttons_and_next_field(live: Live) -> None:
    report_id = live.report["id"]
    order = [f["id"] for f in live.report["field_order"]]
    with live.client.websocket_connect(url(live)) as ws:
        start(ws, report_id, field="findings")
        ws.send_json({"type": "command", "command": "next_field"})
        moved = receive_until(ws, "report")
        command = next(m for m in moved if m["type"] == "command")
        assert command["field"] == order[(order.index("findings") + 1) % len(order)]
        ws.send_json({"type": "command", "command": "go_to", "field": "impression"})
        state = receive_until(ws, "report")[-1]
        assert state["current_field"] == "impression"
        ws.send_json({"type": "command", "command": "go_to", "field": "nonsense words"})
        err = receive_until(ws, "error")[-1]
        assert err["code"] == "command_failed"
        ws.send_json({"type": "command", "command": "macro", "argument": "normal chest",
                      "field": "findings"})
        state = receive_until(ws, "report")[-1]
        assert "The lungs are clear" in state["fields"]["findings"]
        ws.send_json({"type": "command", "command": "macro", "argument": "zebra crossing"})
        assert receive_until(ws, "error")[-1]["code"] == "unknown_macro"
        ws.send_json({"type": "stop"})
        receive_until(ws, "stopped")


def test_bad_frames_and_bad_json_give_errors_and_the_session_goes_on(live: Live) -> None:
    with live.client.websocket_connect(url(live)) as ws:
        ws.send_bytes(b"\x00\x01" * 100)  # audio before start
        assert ws.receive_json()["code"] == "not_started"
        ws.send_text("{not json")
        assert ws.receive_json()["code"] == "bad_json"
        ws.send_text(json.dumps({"type": "dance"}))
        assert ws.receive_json()["code"] == "unknown_message"
        ws.send_json({"type": "start", "report_id": live.report["id"], "encoding": "mp3"})
        assert ws.receive_json()["code"] == "bad_encoding"
        ws.send_json({"type": "start", "report_id": "no-such-report"})
        assert ws.receive_json()["code"] == "report_not_found"
        ws.send_json({"type": "command", "command": "fly"})
        assert ws.receive_json()["code"] == "bad_command"
        start(ws, live.report["id"], field="impression")
        ws.send_json({"type": "start", "report_id": live.report["id"]})
        assert receive_until(ws, "error")[-1]["code"] == "already_started"
        stream(ws, pcm16("cmd_next_field")[: 16000 * 2 * 3])
        ws.send_json({"type": "stop"})
        messages = receive_until(ws, "stopped")
        assert any(m["type"] == "final" for m in messages)


def test_unauthorized_socket(live: Live) -> None:
    with live.client.websocket_connect("/ws/dictation?token=garbage") as ws:
        message = ws.receive_json()
        assert message == {"type": "error", "code": "unauthorized",
                           "message": message["message"]}


def test_silence_and_noise_produce_no_text(live: Live) -> None:
    with live.client.websocket_connect(url(live)) as ws:
        start(ws, live.report["id"], field="impression")
        before = live.get(live.report["id"])["fields"]["impression"]
        stream(ws, pcm16("silence_only"), chunk=16000)
        stream(ws, pcm16("noise_only"), chunk=16000)
        ws.send_json({"type": "stop"})
        messages = receive_until(ws, "stopped")
    assert [m for m in messages if m["type"] in ("final", "partial")] == []
    assert live.get(live.report["id"])["fields"]["impression"] == before


def test_dropped_socket_loses_no_finals(tmp_path: Path, shared_asr: Any) -> None:
    """A real server and a real TCP connection cut without `stop`: every final is saved."""
    import asyncio

    import httpx
    import websockets

    from tests.web.server import PASSWORDS, start_server

    server = start_server(tmp_path, run_workers=False,
                          asr={"model": "tiny.en", "preload": False})
    server.app.state.asr = shared_asr  # one model for the whole test session
    server.app.state.owns_asr = False
    try:
        base = server.url
        token = httpx.post(f"{base}/api/auth/token", data={
            "username": "drokafor", "password": PASSWORDS["drokafor"]}).json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        study = next(s for s in httpx.get(f"{base}/api/worklist", headers=h).json()
                     if s["modality"] == "CR")
        report = httpx.post(f"{base}/api/reports", json={"study_id": study["id"]},
                            headers=h).json()
        entry = fixture("cxr_cardiomegaly")
        audio = pcm16("cxr_cardiomegaly")

        async def dictate_then_vanish() -> None:
            ws_url = base.replace("http", "ws") + f"/ws/dictation?token={token}"
            ws = await websockets.connect(ws_url)
            await ws.send(json.dumps({"type": "start", "report_id": report["id"],
                                      "field": "findings"}))
            while json.loads(await ws.recv())["type"] != "ready":
                pass
            for i in range(0, len(audio), CHUNK):
                await ws.send(audio[i:i + CHUNK])
            while ws.transport.get_write_buffer_size():  # everything is on the wire
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
            ws.transport.abort()  # the network drops: no close frame, no `stop`

        asyncio.run(dictate_then_vanish())
        deadline = time.monotonic() + 150  # generous: CI machines may be busy
        saved = ""
        while time.monotonic() < deadline:
            saved = httpx.get(f"{base}/api/reports/{report['id']}",
                              headers=h).json()["fields"]["findings"]
            if "spine" in saved.lower():
                break
            time.sleep(0.5)
        assert wer(entry["text"], saved) <= 0.25, saved
        from sqlalchemy import select

        from reporting.dictation.models import DictationSession

        while time.monotonic() < deadline:
            with server.app.state.sessionmaker() as session:
                row = session.execute(select(DictationSession)).scalar_one()
            if row.status != "open":
                break
            time.sleep(0.2)
        assert row.status == "interrupted"
        assert abs(row.audio_seconds - len(audio) / 32000) < 0.01, "all audio was received"

        async def reconnect() -> dict[str, Any]:
            ws_url = base.replace("http", "ws") + f"/ws/dictation?token={token}"
            async with websockets.connect(ws_url) as ws:
                await ws.send(json.dumps({"type": "start", "report_id": report["id"]}))
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == "report":
                        return message

        assert asyncio.run(reconnect())["fields"]["findings"] == saved, \
            "a reconnect shows the saved report"
    finally:
        server.stop()


def test_two_sessions_at_once_do_not_mix(live: Live, accounts_sqlite: dict) -> None:
    other = live.new_report(accounts_sqlite, accession="B2", procedure_code="XRCHEST2V",
                            modality="CR", procedure_description="XR CHEST 2 VIEWS")
    a, b = pcm16("cxr_effusion"), pcm16("cxr_cardiomegaly")
    with live.client.websocket_connect(url(live)) as ws1, \
            live.client.websocket_connect(url(live)) as ws2:
        start(ws1, live.report["id"], field="findings")
        start(ws2, other["id"], field="findings")
        for i in range(0, max(len(a), len(b)), CHUNK):
            if i < len(a):
                ws1.send_bytes(a[i:i + CHUNK])
            if i < len(b):
                ws2.send_bytes(b[i:i + CHUNK])
        ws1.send_json({"type": "stop"})
        ws2.send_json({"type": "stop"})
        receive_until(ws1, "stopped")
        receive_until(ws2, "stopped")
    one = live.get(live.report["id"])["fields"]["findings"].lower()
    two = live.get(other["id"])["fields"]["findings"].lower()
    assert "effusion with adjacent" in one and "cardiomegaly" not in one
    assert "cardiomegaly" in two and "mediastinal contours" not in two


def test_next_field_walks_macro_pick_lists_and_dictation_fills_them(live: Live) -> None:
    with live.client.websocket_connect(url(live)) as ws:
        start(ws, live.report["id"], field="findings")
        ws.send_json({"type": "command", "command": "macro", "argument": "pleural effusion",
                      "field": "findings"})
        text = receive_until(ws, "report")[-1]["fields"]["findings"]
        assert "[Small|Moderate|Large]" in text
        ws.send_json({"type": "command", "command": "next_field"})
        moved = receive_until(ws, "report")
        command = next(m for m in moved if m["type"] == "command")
        assert command["field"] == "findings", "stays in the field while pick lists remain"
        assert command["span"]["options"] == ["Small", "Moderate", "Large"]
        assert moved[-1]["current_field"] == "findings"
        # Saying an option fills the selected pick list instead of appending.
        stream(ws, pcm16("cmd_next_field")[: int(16000 * 2 * 0.1)])  # keep the stream alive
        ws.send_json({"type": "stop"})
        receive_until(ws, "stopped")
    from reporting.dictation import service as dictation
    from reporting.templating.macros import find_spans

    app = live.client.app  # type: ignore[attr-defined]
    span = find_spans(text)[0]
    with app.state.sessionmaker() as session:
        from reporting.dictation.models import DictationSession

        row = DictationSession(report_id=live.report["id"], user_id=live.doc.user.id)
        session.add(row)
        session.commit()
        session_id = row.id
    outcome = dictation.apply_final(app.state.sessionmaker, app.state.templates,
                                    session_id=session_id, user_id=live.doc.user.id,
                                    report_id=live.report["id"], heard="Moderate.",
                                    start=0.0, end=1.0, selected=("findings", span))
    filled = outcome.state.fields["findings"]
    assert "Moderate [right|left|bilateral]" in filled
    assert "[Small|Moderate|Large]" not in filled
