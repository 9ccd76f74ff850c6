"""MediaRecorder-style webm/opus over the socket, and personal vocabulary learned from edits."""

from __future__ import annotations

import io
from types import SimpleNamespace

import av
import numpy as np
import soundfile as sf

from reporting.asr.vocabulary import build_prompt, exam_terms
from reporting.dictation import service as dictation
from reporting.dictation.models import DictationSegment, DictationSession
from reporting.dictation.session import DictationConnection
from tests.dictation.conftest import FIXTURES, Live, fixture
from tests.dictation.test_websocket import receive_until, wer


def webm_opus(name: str) -> bytes:
    """Encode a fixture the way a browser's MediaRecorder does: Opus at 48 kHz in WebM."""
    audio, rate = sf.read(FIXTURES / fixture(name)["file"], dtype="float32")
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        frame = av.AudioFrame.from_ndarray((audio * 32767).astype(np.int16).reshape(1, -1),
                                           format="s16", layout="mono")
        frame.sample_rate = rate
        for resampled in resampler.resample(frame):
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def test_webm_opus_stream_is_transcribed(live: Live) -> None:
    entry = fixture("mr_knee")
    data = webm_opus("mr_knee")
    with live.client.websocket_connect(f"/ws/dictation?token={live.doc.token}") as ws:
        ws.send_json({"type": "start", "report_id": live.report["id"], "encoding": "webm_opus",
                      "sample_rate": 48000, "field": "findings"})
        receive_until(ws, "ready")
        for i in range(0, len(data), 4000):  # MediaRecorder timeslices cut anywhere
            ws.send_bytes(data[i:i + 4000])
        ws.send_json({"type": "stop"})
        messages = receive_until(ws, "stopped")
    text = " ".join(m["text"] for m in messages if m["type"] == "final")
    assert wer(entry["text"], text) <= 0.3, text
    assert messages[-1]["audio_seconds"] > entry["duration"] - 1


def test_broken_webm_gives_an_error_and_the_session_goes_on(live: Live) -> None:
    with live.client.websocket_connect(f"/ws/dictation?token={live.doc.token}") as ws:
        ws.send_json({"type": "start", "report_id": live.report["id"], "encoding": "webm_opus"})
        receive_until(ws, "ready")
        ws.send_bytes(b"this is not a webm stream" * 100)
        ws.send_json({"type": "stop"})
        seen = []
        while not seen or seen[-1]["type"] != "stopped":
            seen.append(ws.receive_json())
        assert any(m["type"] == "error" and m["code"] == "bad_audio" for m in seen)
        ws.send_json({"type": "start", "report_id": live.report["id"]})
        assert receive_until(ws, "ready")[-1]["type"] == "ready"
        ws.send_json({"type": "stop"})
        receive_until(ws, "stopped")


def test_personal_vocabulary_is_learned_from_edits_and_applied(live: Live) -> None:
    report_id = live.report["id"]
    app = live.client.app  # type: ignore[attr-defined]
    factory = app.state.sessionmaker
    dictated = "Small calcific nodule in the liver."
    with factory() as session:
        row = DictationSession(report_id=report_id, user_id=live.doc.user.id, model="test")
        session.add(row)
        session.flush()
        session.add(DictationSegment(session_id=row.id, seq=1, field="findings",
                                     heard=dictated, inserted=dictated))
        session.commit()
        session_id = row.id
    report = live.get(report_id)
    r = live.client.patch(f"/api/reports/{report_id}", headers=live.doc.headers, json={
        "version": report["version"], "fields": {"findings": dictated}})
    report = r.json()
    r = live.client.patch(f"/api/reports/{report_id}", headers=live.doc.headers, json={
        "version": report["version"],
        "fields": {"findings": "Small calcified nodule in the liver."}})
    assert r.status_code == 200
    learned = live.client.get("/api/vocabulary", headers=live.doc.headers).json()
    assert [(v["wrong"], v["right"]) for v in learned] == [("calcific", "calcified")]
    outcome = dictation.apply_final(factory, app.state.templates,
                                    session_id=session_id, user_id=live.doc.user.id,
                                    report_id=report_id, heard="Another calcific nodule.",
                                    start=0.0, end=1.0)
    assert "calcified nodule" in outcome.inserted
    other = live.client.get("/api/vocabulary", headers={
        "Authorization": f"Bearer {live.doc.token}"}).json()
    assert other
    gone = live.client.delete(f"/api/vocabulary/{learned[0]['id']}", headers=live.doc.headers)
    assert gone.status_code == 204
    assert live.client.get("/api/vocabulary", headers=live.doc.headers).json() == []


def _final_target(live: Live) -> dict[str, str]:
    """apply_final's session/user/report arguments for a fresh dictation session."""
    factory = live.client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        row = DictationSession(report_id=live.report["id"], user_id=live.doc.user.id)
        session.add(row)
        session.commit()
        return {"session_id": row.id, "user_id": live.doc.user.id,
                "report_id": live.report["id"]}


def test_a_repeated_sentence_is_kept_but_a_prompt_echo_is_dropped(live: Live) -> None:
    app = live.client.app  # type: ignore[attr-defined]
    factory = app.state.sessionmaker
    kwargs = _final_target(live)
    prompt = "Heart size is normal. No pleural effusion."
    # Said again on purpose, at a normal speaking rate: kept.
    kept = dictation.apply_final(factory, app.state.templates, heard="No pleural effusion.",
                                 start=0.0, end=1.6, prompt=prompt, **kwargs)
    assert kept.inserted == "No pleural effusion."
    # Ten words in one second: the prompt echoed in front of the real speech.
    echoed = dictation.apply_final(
        factory, app.state.templates, heard="No pleural effusion. Stable mild cardiomegaly.",
        start=2.0, end=3.0, prompt=prompt, **kwargs)
    assert echoed.inserted == "Stable mild cardiomegaly."


def test_readings_taken_from_the_prompt_are_decoded_again_without_the_fields_text() -> None:
    stream = SimpleNamespace(
        tail="Endotracheal tube tip terminates 4 cm above the carina.",
        recognizer=SimpleNamespace(
            context="Endotracheal tube tip terminates four centimeters above the carina."),
        state=SimpleNamespace(current_field="findings", modality="CR", exam="XR CHEST 2 VIEWS"))
    judge = DictationConnection._second_prompt
    plain = build_prompt("findings", "CR", "", exam_terms("XR CHEST 2 VIEWS"))
    # A copy of the field's last sentence, and a sentence cut short after three words of
    # four seconds of speech: decoded again with the prompt that lacks the field's text.
    assert judge(stream, "Endotracheal tube tip terminates 4 cm above the carina.", 3.0) == plain
    assert judge(stream, "Endotracheal tube tip terminates four centimeters above the carina.",
                 3.0) == plain
    assert judge(stream, "The enteric tube", 4.0) == plain
    # New sentences at a speaking rate, however short, are kept.
    assert judge(stream, "Enteric tube courses below the diaphragm.", 2.4) is None
    assert judge(stream, "No pneumothorax.", 1.1) is None


def test_a_hyphenated_measurement_is_written_with_its_unit_symbol(live: Live) -> None:
    app = live.client.app  # type: ignore[attr-defined]
    # Whisper writes "6-millimeter nodule"; the report says "6 mm nodule", as whole files do.
    outcome = dictation.apply_final(
        app.state.sessionmaker, app.state.templates, heard="There is a 6-millimeter solid nodule.",
        start=0.0, end=2.5, **_final_target(live))
    assert outcome.inserted == "There is a 6 mm solid nodule."
