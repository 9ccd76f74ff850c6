from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from reporting.asr.decoder import (
    DecodeOptions,
    collapse_loops,
    drop_loop_back,
    drop_repeated_sentences,
    guard,
    is_silence_phrase,
    window_for,
)
from reporting.asr.manager import MAX_AUTO_DECODE_THREADS, AsrManager, Overloaded
from reporting.core.config import AsrSettings

from .conftest import SR, load_fixture, word_error_rate


def test_window_is_rounded_up_and_capped() -> None:
    opts = DecodeOptions()
    assert window_for(3.0, opts) == 10.0
    assert window_for(12.0, opts) == 15.0
    assert window_for(29.9, opts) == 30.0
    assert window_for(3.0, DecodeOptions(short_window=False)) == 30.0


def test_repeated_ngram_loops_are_collapsed() -> None:
    text, looped = collapse_loops("No effusion. No effusion. No effusion. No effusion.")
    assert looped
    assert text == "No effusion."
    assert collapse_loops("very very small nodule") == ("very very small nodule", False)


def test_a_jump_back_in_the_audio_is_read_once() -> None:
    looped = ("The calcaneofibular ligament is thickened but intact. Small tibiotalar joint "
              "effusion. Osteochondral lesion of the medial talofibular ligament is thickened "
              "but intact. Small tibiotalar joint effusion. Osteochondral lesion of the medial "
              "talar dome.")
    assert drop_loop_back(looped) == (
        "The calcaneofibular ligament is thickened but intact. Small tibiotalar joint "
        "effusion. Osteochondral lesion of the medial talar dome.", True)
    # Sentences in a row that differ inside (the side) are both dictated.
    sides = ("There is no fracture or dislocation of the left ankle. "
             "There is no fracture or dislocation of the right ankle.")
    assert drop_loop_back(sides) == (sides, False)
    short = "Mild degenerative change. Mild degenerative change."  # under eight words
    assert drop_loop_back(short) == (short, False)
    assert collapse_loops("No acute fracture. no acute fracture")[0] == "No acute fracture."
    assert collapse_loops("left to right to left")[1] is False
    assert is_silence_phrase("Thank you.")
    assert not is_silence_phrase("Thank you for the referral of this patient.")


def test_a_sentence_repeated_faster_than_speech_is_dropped() -> None:
    looped = ("Soft tissue swelling over the dorsum of the wrist. "
              "Soft tissue swelling over the dorsum of the wrist.")
    assert drop_repeated_sentences(looped, 3.4) == (
        "Soft tissue swelling over the dorsum of the wrist.", True)
    # A near copy goes too; a different sentence after it stays.
    near = ("Endotracheal tube tip terminates 4 cm above the carina. Endotracheal tube "
            "terminates 4 cm above the carina. No pneumothorax.")
    restarted = "Subcutaneous emphysema along the right chest wall. Subcutaneous emphysema"
    assert drop_repeated_sentences(restarted, 2.4) == (
        "Subcutaneous emphysema along the right chest wall.", True)
    assert drop_repeated_sentences(restarted, 6.0) == (restarted, False)
    # A loop of two sentences: both copies go, in order.
    pair = ("Interval increase in the right apical pneumothorax, now measuring approximately "
            "2 cm. Subcutaneous emphysema along the right chest wall.")
    assert drop_repeated_sentences(f"{pair} {pair}", 8.0) == (pair, True)
    assert drop_repeated_sentences(f"{pair} {pair}", 14.0) == (f"{pair} {pair}", False)
    assert drop_repeated_sentences(near, 4.0)[0] == (
        "Endotracheal tube tip terminates 4 cm above the carina. No pneumothorax.")
    # Similar sentences really said (the audio holds them) are dictation.
    said = ("There is a 5 mm nodule in the right upper lobe. "
            "There is a 4 mm nodule in the right lower lobe.")
    assert drop_repeated_sentences(said, 7.5) == (said, False)
    assert drop_repeated_sentences(looped, 6.0) == (looped, False)
    assert drop_repeated_sentences("No effusion. No pneumothorax.", 0.5)[1] is False


def test_a_repeat_that_ran_out_of_tokens_drops_the_output_for_a_retry() -> None:
    text = ("Endotracheal tube tip terminates 4 cm above the carina. Endotracheal tube tip "
            "terminates 4 cm above the carina. Endotracheal t")
    kept, why = guard(text, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=40,
                      max_new=40, duration=2.0)
    assert (kept, why) == ("", "repetition")
    kept, why = guard(text, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=30,
                      max_new=40, duration=2.0)
    assert why is None
    assert kept.count("carina") == 1
    # Output that never ended is dropped even when no repeat shows in what was kept...
    cut = "Endotracheal tube tip terminates 4 cm above the carina. Endotracheal tube"
    assert guard(cut, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=30, max_new=30,
                 duration=6.0) == ("", "repetition")
    # ... unless all it did was repeat one sentence that fits the audio at a speaking rate
    # (9 words in 3.2 s): that sentence is what was said, no retry needed.
    assert guard(cut, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=30, max_new=30,
                 duration=3.2) == ("Endotracheal tube tip terminates 4 cm above the carina.", None)
    # A loop of two sentences may hide what followed them: dropped.
    two = "No effusion is seen. The heart is normal. No effusion is seen. The heart"
    assert guard(two, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=30, max_new=30,
                 duration=3.0) == ("", "repetition")
    # Ended in time, but the loop's restart is left at the end: the fragment goes.
    assert guard(cut, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=20, max_new=30,
                 duration=2.6) == ("Endotracheal tube tip terminates 4 cm above the carina.", None)


def test_short_window_is_padded_with_silence(asr_manager: AsrManager) -> None:
    audio, _ = load_fixture("msk_wrist")
    piece = audio[: 4 * SR]
    padded = asr_manager.decoder.features(piece, 10.0)
    silence_padded = asr_manager.decoder.model.feature_extractor(
        np.concatenate([piece, np.zeros(6 * SR, dtype=np.float32)]), padding=160)
    assert padded.shape == (80, 1000)
    # The pad is what zero samples compute to (the log-Mel floor), not 0.0.
    assert np.allclose(padded[:, -200:], silence_padded[:, 800:1000], atol=1e-4)
    assert padded[:, -1].max() < -0.5


def test_a_real_dictation_decodes_to_the_expected_words(asr_manager: AsrManager) -> None:
    audio, reference = load_fixture("cxr_cardiomegaly")
    result = asr_manager.transcribe_file(audio)
    assert word_error_rate(reference, result.text) <= 0.25, result.text
    assert "thoracic spine" in result.text.lower()
    assert len(result.segments) >= 1
    assert result.segments[0].start < 1.0 < result.segments[-1].end


def test_short_window_decodes_like_the_full_window(asr_manager: AsrManager) -> None:
    audio, _ = load_fixture("msk_wrist")
    piece = audio[: 6 * SR]
    short = asr_manager.decoder.decode(piece, options=DecodeOptions(short_window=True))
    full = asr_manager.decoder.decode(piece, options=DecodeOptions(short_window=False))
    assert short.window_s == 10.0
    assert full.window_s == 30.0
    assert short.text
    assert word_error_rate(full.text, short.text) <= 0.2, (short.text, full.text)


def test_silence_gives_no_text(asr_manager: AsrManager) -> None:
    zeros = np.zeros(30 * SR, dtype=np.float32)
    assert asr_manager.transcribe_file(zeros).text == ""
    direct = asr_manager.decoder.decode(zeros)
    assert direct.text == ""
    assert direct.dropped == "silence"


@pytest.mark.parametrize("colour", ["white", "pink"])
def test_low_noise_gives_no_text(asr_manager: AsrManager, colour: str) -> None:
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(30 * SR)
    if colour == "pink":  # 1/f spectrum
        spectrum = np.fft.rfft(noise)
        spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
        noise = np.fft.irfft(spectrum, n=noise.size)
    noise = (0.01 * noise / np.std(noise)).astype(np.float32)  # about -40 dBFS
    assert asr_manager.transcribe_file(noise).text == ""


def test_noise_only_fixture_gives_no_text(asr_manager: AsrManager) -> None:
    audio, _ = load_fixture("noise_only")
    assert asr_manager.transcribe_file(audio).text == ""


async def test_two_sessions_decode_concurrently_without_mixing(asr_manager: AsrManager) -> None:
    a, _ = load_fixture("cxr_cardiomegaly")
    b, _ = load_fixture("mr_knee")
    a, b = a[: 5 * SR], b[: 5 * SR]
    # Under a backlog finals may fall back to greedy: either decode is this audio's own.
    greedy = replace(asr_manager.final_options, beam_size=1)
    alone_a = {asr_manager.decoder.decode(a, options=o).text
               for o in (asr_manager.final_options, greedy)}
    alone_b = {asr_manager.decoder.decode(b, options=o).text
               for o in (asr_manager.final_options, greedy)}
    ra, rb = await asyncio.gather(
        asr_manager.decode(a, session_id="sess-a"), asr_manager.decode(b, session_id="sess-b")
    )
    assert ra is not None
    assert rb is not None
    assert ra.text in alone_a
    assert rb.text in alone_b
    assert ra.text != rb.text


def _block_decoder(manager: AsrManager) -> tuple[threading.Event, threading.Event]:
    """Hold the (single) decode thread inside a decode until `release` is set."""
    started, release = threading.Event(), threading.Event()
    decoder = manager.decoder
    original = decoder.decode

    def slow_decode(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(10)
        decoder.decode = original  # type: ignore[method-assign]
        return original(*args, **kwargs)

    decoder.decode = slow_decode  # type: ignore[method-assign]
    return started, release


def _release_and_finish(release: threading.Event, blocker: Any,
                        waiting: dict[str, Any]) -> list[str]:
    """Let the blocked decode go; return the names of `waiting` in the order they finished."""
    order: list[str] = []
    for name, future in waiting.items():
        future.add_done_callback(lambda _f, name=name: order.append(name))
    release.set()
    assert blocker.result(30) is not None
    for future in waiting.values():
        assert future.result(30) is not None
    return order


async def test_stale_partials_are_dropped_and_finals_go_first(asr_manager: AsrManager) -> None:
    assert asr_manager.decode_threads == 1
    audio, _ = load_fixture("msk_wrist")
    clip = audio[: 2 * SR]
    started, release = _block_decoder(asr_manager)
    blocker = asr_manager.submit(clip, session_id="blocker", kind="final")
    assert started.wait(10)
    before = asr_manager.stats().dropped_partials
    p1 = asr_manager.submit(clip, session_id="s1", kind="partial")
    p2 = asr_manager.submit(clip, session_id="s1", kind="partial")
    p3 = asr_manager.submit(clip, session_id="s1", kind="partial")
    f2 = asr_manager.submit(clip, session_id="s2", kind="final")
    stats = asr_manager.stats()
    assert stats.queued_partials == 1
    assert stats.queued_finals == 1
    assert stats.in_flight == 1
    assert p1.result(1) is None  # superseded by a newer partial of the same session
    assert p2.result(1) is None
    assert stats.dropped_partials == before + 2
    time.sleep(0.05)
    assert asr_manager.stats().lag_s > 0.0
    done_order = _release_and_finish(release, blocker, {"partial": p3, "final": f2})
    assert done_order == ["final", "partial"]  # the other session's final went first
    assert asr_manager.stats().queue_depth == 0


async def test_a_speculative_final_goes_before_live_partials(asr_manager: AsrManager) -> None:
    audio, _ = load_fixture("msk_wrist")
    clip = audio[: 2 * SR]
    started, release = _block_decoder(asr_manager)
    blocker = asr_manager.submit(clip, session_id="blocker", kind="final")
    assert started.wait(10)
    assert not asr_manager.busy()
    draft = asr_manager.submit(clip, session_id="s1", kind="partial")
    assert not asr_manager.busy()  # a live partial waiting holds nobody back
    speculative = asr_manager.submit(clip, session_id="s2", kind="partial",
                                     options=asr_manager.final_options)
    assert asr_manager.busy()  # a final-to-be waits: other sessions' partials hold back
    done_order = _release_and_finish(release, blocker,
                                     {"draft": draft, "speculative": speculative})
    assert done_order == ["speculative", "draft"]


def test_live_partials_leave_a_decode_thread_free_for_finals(tmp_path) -> None:
    manager = AsrManager(AsrSettings(model="tiny.en", rescore_finals=False), tmp_path,
                         decode_threads=2)
    assert manager.max_draft_threads == 1
    manager.load()
    audio, _ = load_fixture("msk_wrist")
    clip = audio[: 2 * SR]
    decoder = manager.decoder
    original = decoder.decode
    started, release = threading.Event(), threading.Event()

    def first_call_blocks(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not started.is_set():
            started.set()
            release.wait(10)
        return original(*args, **kwargs)

    decoder.decode = first_call_blocks  # type: ignore[method-assign]
    try:
        a = manager.submit(clip, session_id="a", kind="partial")
        assert started.wait(10)
        b = manager.submit(clip, session_id="b", kind="partial")
        time.sleep(0.2)
        stats = manager.stats()
        assert (stats.in_flight, stats.queued_partials) == (1, 1)  # b waits: thread 2 idles
        final = manager.submit(clip, session_id="c", kind="final")
        assert final.result(30) is not None  # served at once by the free thread
        assert not b.done()
        release.set()
        assert a.result(30) is not None
        assert b.result(30) is not None
    finally:
        release.set()
        manager.close()


def test_admission_control_refuses_the_extra_session(tmp_path) -> None:
    manager = AsrManager(AsrSettings(model="tiny.en", max_sessions=2), tmp_path)
    manager.admit("one")
    manager.admit("two")
    manager.admit("two")  # idempotent
    with pytest.raises(Overloaded) as err:
        manager.admit("three")
    assert err.value.code == "overloaded"
    assert err.value.status == 503
    manager.release("one")
    with manager.session("three"):
        assert manager.active_sessions == 2
    assert manager.active_sessions == 1
    assert not manager.loaded  # admission never loads the model


def test_partials_use_the_partial_model_and_finals_the_configured_one(tmp_path) -> None:
    from reporting.asr.models import tiny_en_dir

    copy = tmp_path / "tiny-copy"
    shutil.copytree(tiny_en_dir(), copy)
    manager = AsrManager(
        AsrSettings(model="tiny.en", partial_model=str(copy), rescore_finals=False), tmp_path
    )
    manager.load()
    assert manager.partial_decoder is not manager.decoder
    assert manager.partial_model_path == str(copy.resolve())
    assert manager.stats().partial_model == str(copy)
    used: list[str] = []
    for label, decoder in (("final", manager.decoder), ("partial", manager.partial_decoder)):
        real = decoder.decode

        def traced(*args, _real=real, _label=label, **kwargs):  # type: ignore[no-untyped-def]
            used.append(_label)
            return _real(*args, **kwargs)

        decoder.decode = traced  # type: ignore[method-assign]
    audio, _ = load_fixture("mr_knee")
    clip = audio[: 3 * SR]
    assert manager.submit(clip, session_id="p", kind="partial").result(30) is not None
    assert manager.submit(clip, session_id="p", kind="final").result(30) is not None
    speculative = manager.submit(clip, session_id="p", kind="partial",
                                 options=manager.final_options)
    assert speculative.result(30) is not None  # may become the final: the final model
    manager.close()
    assert used == ["partial", "final", "final"]

    # One model when the partial model is the final one, empty, or cannot be loaded.
    for name in ("tiny.en", "", str(tmp_path / "missing")):
        same = AsrManager(AsrSettings(model="tiny.en", partial_model=name), tmp_path)
        same.load()
        assert same.partial_decoder is same.decoder
        assert same.partial_model_name == "tiny.en"
        same.close()


def test_decode_threads_default_to_one_per_core_with_one_cpu_thread_each(tmp_path) -> None:
    cores = os.cpu_count() or 1
    auto = AsrManager(AsrSettings(model="tiny.en"), tmp_path)
    assert auto.decode_threads == min(MAX_AUTO_DECODE_THREADS, cores)
    assert auto.cpu_threads == max(1, cores // auto.decode_threads)
    explicit = AsrManager(AsrSettings(model="tiny.en", cpu_threads=3), tmp_path)
    assert (explicit.decode_threads, explicit.cpu_threads) == (1, 3)
    gpu = AsrManager(AsrSettings(model="tiny.en", device="cuda"), tmp_path)
    assert gpu.decode_threads == 2
    assert not auto.loaded  # nothing was loaded to decide this


@pytest.mark.parametrize("rescore", [True, False])
def test_finals_are_rescored_with_the_language_model_unless_turned_off(
    tmp_path, rescore: bool
) -> None:
    manager = AsrManager(AsrSettings(model="tiny.en", rescore_finals=rescore), tmp_path,
                         decode_threads=1)
    manager.load()
    audio, reference = load_fixture("cxr_effusion")
    clip = audio[: 5 * SR]
    try:
        final = manager.submit(clip, session_id="r", kind="final").result(60)
        partial = manager.submit(clip, session_id="r", kind="partial").result(60)
    finally:
        manager.close()
    assert final is not None
    assert partial is not None
    assert final.text.strip()
    assert word_error_rate(reference, final.text) < 1.0
    # Rescored finals carry the beam they were chosen from; partials are never rescored.
    assert ("hypotheses" in final.extra) is rescore
    assert "hypotheses" not in partial.extra
