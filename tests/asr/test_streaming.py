from __future__ import annotations

import asyncio
import itertools
import threading
from pathlib import Path

import numpy as np
import pytest

from reporting.asr.manager import AsrManager
from reporting.asr.streaming import Final, Partial, StreamingRecognizer
from reporting.core.config import AsrSettings

from .conftest import SR, load_fixture, word_error_rate


async def _stream(
    rec: StreamingRecognizer, audio: np.ndarray, *, seed: int = 0, pace: float = 0.0
) -> list[Partial | Final]:
    """Feed audio in random 20-100 ms chunks while collecting events; then finish."""
    rng = np.random.default_rng(seed)
    events: list[Partial | Final] = []

    async def collect() -> None:
        async for event in rec.events():
            assert isinstance(event, Partial | Final), event
            events.append(event)

    collector = asyncio.create_task(collect())
    pos = 0
    while pos < audio.size:
        step = int(rng.integers(20, 101)) * SR // 1000
        rec.feed(audio[pos : pos + step])
        pos += step
        await asyncio.sleep(pace * step / SR)
    await rec.finish()
    await asyncio.wait_for(collector, 60)
    return events


def _finals(events: list[Partial | Final]) -> list[Final]:
    return [e for e in events if isinstance(e, Final)]


def _no_doubled_words_at_borders(finals: list[Final]) -> None:
    for left, right in itertools.pairwise(finals):
        last = left.text.lower().strip(" .,").split()[-1:]
        first = right.text.lower().strip(" .,").split()[:1]
        assert last != first, (left.text, right.text)
        assert left.end <= right.start


async def test_streamed_dictation_matches_the_reference(asr_manager: AsrManager) -> None:
    # mr_knee: tiny.en knows its words, so WER measures the streaming, not the model.
    audio, reference = load_fixture("mr_knee")
    rec = StreamingRecognizer(asr_manager, "stream-1", partial_interval_s=0.5)
    events = await _stream(rec, audio, pace=0.1)
    finals = _finals(events)
    assert len(finals) >= 2  # a final at each sentence pause
    text = " ".join(f.text for f in finals)
    assert word_error_rate(reference, text) <= 0.15, text
    _no_doubled_words_at_borders(finals)
    assert all(0.0 <= f.start < f.end <= audio.size / SR + 0.01 for f in finals)
    assert all(f.audio.size == round((f.end - f.start) * SR) for f in finals)
    assert any(isinstance(e, Partial) for e in events)
    assert rec.transcribed_until == pytest.approx(rec.audio_seconds, abs=0.7)


async def test_streaming_a_medical_dictation_keeps_every_sentence(
    asr_manager: AsrManager, effusion: tuple[np.ndarray, str]
) -> None:
    audio, reference = effusion
    finals = _finals(await _stream(StreamingRecognizer(asr_manager, "stream-fx"), audio))
    assert len(finals) >= 4  # one per sentence pause
    text = " ".join(f.text for f in finals)
    # tiny.en misspells the medical terms ("plural effusion"); the plain words must all be there.
    assert word_error_rate(reference, text) <= 0.6, text
    for words in ("heart size is normal", "unremarkable", "no focal consolidation"):
        assert words in text.lower()
    _no_doubled_words_at_borders(finals)


async def test_finals_arrive_at_pauses_before_the_stream_ends(asr_manager: AsrManager) -> None:
    audio, _ = load_fixture("cxr_middle_silence")
    rec = StreamingRecognizer(asr_manager, "stream-2")
    got_before_finish: list[Final] = []

    async def collect() -> None:
        async for event in rec.events():
            if isinstance(event, Final):
                got_before_finish.append(event)

    collector = asyncio.create_task(collect())
    half = audio.size * 3 // 4
    for pos in range(0, half, 800):
        rec.feed(audio[pos : min(pos + 800, half)])
        await asyncio.sleep(0)
    for _ in range(200):  # give the decoder time; no finish() yet
        if got_before_finish:
            break
        await asyncio.sleep(0.05)
    assert got_before_finish, "a pause must produce a final without waiting for the end"
    rec.feed(audio[half:])
    await rec.finish()
    await collector


async def test_a_long_utterance_without_pause_is_cut_into_finals(
    asr_manager: AsrManager,
) -> None:
    # Three dictations with their pauses squeezed out: ~25 s of continuous speech.
    pieces = []
    for fixture in ("cxr_cardiomegaly", "mr_knee", "msk_wrist"):
        audio, _ = load_fixture(fixture)
        frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
        loud = np.sqrt(np.mean(frames**2, axis=1)) > 0.01
        pieces.append(frames[loud].reshape(-1))
    speech = np.concatenate(pieces)
    rec = StreamingRecognizer(asr_manager, "stream-long", max_utterance_s=12.0, partials=False)
    finals = _finals(await _stream(rec, speech, seed=3))
    assert len(finals) >= 2
    assert max(f.end - f.start for f in finals) <= 12.0 + 0.05
    _no_doubled_words_at_borders(finals)
    text = " ".join(f.text for f in finals).lower()
    assert "thoracic spine" in text


@pytest.mark.parametrize("kind", ["silence", "noise"])
async def test_silence_and_room_noise_produce_no_events(asr_manager: AsrManager, kind: str) -> None:
    if kind == "silence":
        audio = np.zeros(10 * SR, dtype=np.float32)
    else:
        audio, _ = load_fixture("noise_only")
        audio = audio[: 12 * SR]
    rec = StreamingRecognizer(asr_manager, f"stream-{kind}")
    events = await _stream(rec, audio, seed=5)
    assert events == []
    assert rec.transcribed_until >= rec.audio_seconds - 0.5


async def test_the_speculative_decode_becomes_the_final(
    asr_manager: AsrManager, effusion: tuple[np.ndarray, str]
) -> None:
    audio, _ = effusion
    # Real-time pacing lets the decoder finish the speculative decode during the pause.
    rec = StreamingRecognizer(asr_manager, "stream-reuse")
    first_pause = audio[: 5 * SR]
    events = await _stream(rec, np.concatenate([first_pause, np.zeros(SR, np.float32)]), pace=1.0)
    finals = _finals(events)
    assert finals
    assert finals[0].reused_partial
    assert finals[0].latency_s < 1.5


async def test_a_speculative_decode_started_before_the_pad_arrived_becomes_the_final(
    asr_manager: AsrManager, effusion: tuple[np.ndarray, str]
) -> None:
    audio, _ = effusion
    rec = StreamingRecognizer(asr_manager, "stream-early", speculative_ms=64)
    clip = np.concatenate([audio[: 5 * SR], np.zeros(SR, np.float32)])
    events = await _stream(rec, clip, pace=1.0)
    finals = _finals(events)
    assert finals and finals[0].reused_partial
    # The final keeps the audio really heard, not the silence the early decode assumed.
    first = finals[0]
    start, end = round(first.start * SR), round(first.end * SR)
    assert np.array_equal(first.audio, clip[start:end])
    assert "heart" in first.text.lower()


@pytest.mark.parametrize("second_passes", [True, False])
async def test_a_final_the_judge_rejects_is_decoded_again_with_its_prompt(
    asr_manager: AsrManager, effusion: tuple[np.ndarray, str], second_passes: bool
) -> None:
    audio, _ = effusion
    clip = np.concatenate([audio[: 5 * SR], np.zeros(SR, np.float32)])
    readings: list[tuple[str, float]] = []

    def judge(text: str, speech_s: float) -> str | None:
        readings.append((text, speech_s))
        if len(readings) % 2 == 1 or not second_passes:
            return "Heart size is normal. The lungs are clear."
        return None

    rec = StreamingRecognizer(asr_manager, "stream-judge", prompt="Chest radiograph.",
                              second_prompt=judge)
    finals = _finals(await _stream(rec, clip))
    assert finals and "heart" in finals[0].text.lower()
    speech_s = readings[0][1]
    # Judged on the seconds of speech alone: less than the padded utterance.
    assert 0.5 < speech_s < finals[0].end - finals[0].start
    assert len(readings) % 2 == 0, "every rejected reading was decoded once more"
    if second_passes:
        assert finals[0].prompt == "Heart size is normal. The lungs are clear."
        assert finals[0].text in [text for text, _ in readings[1::2]]
    else:  # the second reading fails too: the first is kept, with the prompt it came from
        assert finals[0].prompt == "Chest radiograph."
        assert finals[0].text in [text for text, _ in readings[0::2]]


def test_invalid_settings_are_refused(asr_manager: AsrManager) -> None:
    with pytest.raises(ValueError, match="speculative_ms"):
        StreamingRecognizer(asr_manager, "x", pad_ms=200, speculative_ms=300)
    with pytest.raises(ValueError, match="sample_rate"):
        StreamingRecognizer(asr_manager, "x", sample_rate=48000)
    with pytest.raises(ValueError, match="max_utterance_s"):
        StreamingRecognizer(asr_manager, "x", max_utterance_s=60)


async def test_a_final_does_not_wait_for_a_live_partial_in_flight(
    tmp_path: Path, effusion: tuple[np.ndarray, str]
) -> None:
    audio, _ = effusion
    manager = AsrManager(AsrSettings(model="tiny.en", partial_model=""), tmp_path,
                         decode_threads=2)
    manager.load()
    decoder = manager.decoder
    real = decoder.decode
    partial_started, release = threading.Event(), threading.Event()

    def hold_partials(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs["options"] == manager.partial_options:  # live partials only
            partial_started.set()
            release.wait(30)
        return real(*args, **kwargs)

    decoder.decode = hold_partials  # type: ignore[method-assign]
    rec = StreamingRecognizer(manager, "stream-beside", partial_interval_s=0.5)
    events: list[Partial | Final] = []

    async def collect() -> None:
        async for event in rec.events():
            assert isinstance(event, Partial | Final), event
            events.append(event)

    collector = asyncio.create_task(collect())
    first_sentence = np.concatenate([audio[: 3 * SR], np.zeros(SR, np.float32)])
    for pos in range(0, first_sentence.size, SR // 10):
        rec.feed(first_sentence[pos : pos + SR // 10])
        await asyncio.sleep(0.005)
    for _ in range(400):
        if _finals(events):
            break
        await asyncio.sleep(0.05)
    held = partial_started.is_set() and not release.is_set()
    release.set()
    await rec.finish()
    await asyncio.wait_for(collector, 30)
    manager.close()
    finals = _finals(events)
    assert held  # the live partial was still stuck in its decode ...
    assert finals  # ... and the pause's final came anyway
    assert "heart size is normal" in finals[0].text.lower()
    after = events[events.index(finals[0]) + 1 :]
    # The held partial turned stale: it is never sent after its utterance's final.
    assert not [e for e in after if isinstance(e, Partial) and e.start == finals[0].start]


def test_partials_back_off_beyond_the_sessions_the_decoder_serves_at_full_rate(
    tmp_path: Path,
) -> None:
    cpu = AsrManager(AsrSettings(model="tiny.en", max_sessions=8), tmp_path, decode_threads=2)
    gpu = AsrManager(AsrSettings(model="tiny.en", device="cuda", max_sessions=8), tmp_path)
    assert (cpu.full_rate_sessions, gpu.full_rate_sessions) == (2, 8)
    for manager in (cpu, gpu):
        rec = StreamingRecognizer(manager, "s0", partial_interval_s=0.4)
        for i in range(2):
            manager.admit(f"s{i}")
        assert rec.current_partial_interval() == 0.4 * SR
        for i in range(2, 8):
            manager.admit(f"s{i}")
        expected = 0.4 * SR * (4 if manager is cpu else 1)  # 8 sessions, 2 at full rate
        assert rec.current_partial_interval() == expected
    assert not cpu.loaded and not gpu.loaded  # the policy needs no model
