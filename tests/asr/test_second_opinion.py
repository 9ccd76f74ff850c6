"""A second model's reading merged into the main one where the audio and the LM prefer it
(`reporting.asr.second_opinion`), weighed with the real tiny.en's own score of the audio."""

from __future__ import annotations

import shutil

import pytest

from reporting.asr.decoder import DecodeOptions, Transcript
from reporting.asr.manager import AsrManager
from reporting.asr.pipeline import speech_chunks, transcribe_pipeline
from reporting.asr.second_opinion import merge_readings
from reporting.core.config import AsrSettings
from tests.asr.conftest import FIXTURES, load_fixture, word_error_rate


def _tiny_copy(tmp_path):  # type: ignore[no-untyped-def]
    """tiny.en in another folder: a partial (second) model the manager loads on its own."""
    from reporting.asr.models import tiny_en_dir

    copy = tmp_path / "tiny-copy"
    shutil.copytree(tiny_en_dir(), copy)
    return copy


@pytest.fixture(scope="module")
def heard(tiny_decoder) -> Transcript:  # type: ignore[no-untyped-def]
    """tiny.en's reading of a chest X-ray dictation, with the scorer of its audio."""
    audio, _ = load_fixture("cxr_effusion")
    chunk = speech_chunks(audio)[0]
    result = tiny_decoder.decode(audio[chunk.start:chunk.end],
                                 options=DecodeOptions(beam_size=5, keep_audio_scorer=True))
    assert result.scorer is not None
    assert "effusion" in result.text and "unremarkable" in result.text
    return result


@pytest.mark.parametrize(("said", "misheard"), [
    ("effusion", "infusion"),  # a real word the audio does not carry
    ("unremarkable", "a remarkable"),  # one word heard as two
    ("consolidation", "consolation"),
])
def test_a_second_reading_the_audio_prefers_is_taken(heard, said, misheard) -> None:
    main = heard.text.replace(said, misheard, 1)
    merged = merge_readings(main, heard.text, acoustic=heard.scorer)
    assert merged.text == heard.text
    assert len(merged.changes) == 1
    assert merged.changes[0][1].strip(".,") == said


@pytest.mark.parametrize(("said", "other"), [
    ("effusion", "infusion"),
    ("small", "large"),  # as fluent, and the opposite finding
    ("right", "left"),
    ("basilar", "basal"),
    ("No pneumothorax", "No pneumothorax or"),
])
def test_a_second_reading_the_audio_does_not_carry_is_refused(heard, said, other) -> None:
    second = heard.text.replace(said, other, 1)
    assert second != heard.text
    merged = merge_readings(heard.text, second, acoustic=heard.scorer)
    assert merged.text == heard.text
    assert merged.changes == ()


def test_several_stretches_are_weighed_each_on_its_own(heard) -> None:
    main = heard.text.replace("effusion", "infusion", 1).replace("small", "large", 1)
    second = heard.text.replace("basilar", "basal", 1)
    merged = merge_readings(main, second, acoustic=heard.scorer)
    assert merged.text == heard.text  # "small" and "effusion" taken, "basal" refused
    assert sorted(new.strip(".,") for _, new in merged.changes) == ["effusion", "small"]


def test_punctuation_and_capitals_stay_with_the_main_reading() -> None:
    def indifferent(text: str) -> tuple[float, int]:
        return -10.0, 10  # an audio that finds every reading equally likely

    merged = merge_readings("There is a small pleural infusion.",
                            "there is a small pleural effusion", acoustic=indifferent)
    assert merged.text == "There is a small pleural effusion."
    # The language model alone never carves a function word out of a word the main
    # model heard ("abnormal" -> "a normal" flips the finding).
    kept = merge_readings("There is no abnormal signal.", "there is no a normal signal.",
                          acoustic=indifferent)
    assert kept.text == "There is no abnormal signal."
    # Long disagreements are different sentences, not a misheard word: left alone.
    long = merge_readings("The liver is normal.", "Gallbladder wall is thick and edematous.",
                          acoustic=indifferent)
    assert long.text == "The liver is normal."
    assert merge_readings("", "words", acoustic=indifferent).text == ""


def test_the_pipeline_asks_the_second_model_about_every_chunk(tiny_decoder) -> None:
    from reporting.asr.decoder import WhisperDecoder

    audio, reference = load_fixture("cxr_effusion")
    second = WhisperDecoder(tiny_decoder.model)
    calls: list[int] = []
    real = second.features

    def traced(audio, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(audio))
        return real(audio, *args, **kwargs)

    second.features = traced  # type: ignore[method-assign]
    alone = transcribe_pipeline(audio, decoder=tiny_decoder, modality="CR")
    both = transcribe_pipeline(audio, decoder=tiny_decoder, modality="CR", second=second)
    assert len(calls) == len(both.segments) >= 1  # one second decode per chunk
    # The same model as its own second opinion hears the same words: nothing to merge.
    assert both.text == alone.text
    assert word_error_rate(reference, both.text) <= 0.1


def test_the_server_uses_the_partial_model_as_second_opinion(tmp_path) -> None:
    from reporting.dictation.router import transcribe_path

    copy = _tiny_copy(tmp_path)
    manager = AsrManager(AsrSettings(model="tiny.en", partial_model=str(copy),
                                     rescore_finals=False), tmp_path)
    manager.load()
    try:
        assert manager.second_decoder is manager.partial_decoder
        assert manager.second_decoder is not manager.decoder
        fixture = tmp_path / "effusion.flac"
        shutil.copy(FIXTURES / "cxr_effusion.flac", fixture)
        result = transcribe_path(manager, fixture, modality="CR")
        assert result["second_model"] == str(copy)
        assert "effusion" in result["text"]
    finally:
        manager.close()
    for settings in (AsrSettings(model="tiny.en", partial_model=str(copy),
                                 second_opinion=False),
                     AsrSettings(model="tiny.en", partial_model="")):
        off = AsrManager(settings, tmp_path)
        off.load()
        assert off.second_decoder is None
        off.close()


def test_live_finals_take_a_second_opinion_while_the_machine_is_unhurried(tmp_path) -> None:
    copy = _tiny_copy(tmp_path)
    audio, reference = load_fixture("cxr_effusion")
    chunk = speech_chunks(audio)[0]
    piece = audio[chunk.start:chunk.end]
    texts = {}
    for live in (True, False):
        manager = AsrManager(AsrSettings(model="tiny.en", partial_model=str(copy),
                                         live_second_opinion=live), tmp_path,
                             decode_threads=1)
        manager.load()
        second = manager.second_decoder
        assert second is not None
        calls: list[int] = []
        real = second.features

        def traced(samples, *args, _real=real, _calls=calls, **kwargs):  # type: ignore[no-untyped-def]
            _calls.append(len(samples))
            return _real(samples, *args, **kwargs)

        second.features = traced  # type: ignore[method-assign]
        try:
            final = manager.submit(piece, session_id="s", kind="final").result(60)
            assert final is not None and final.scorer is None
            texts[live] = final.text
            assert len(calls) == (1 if live else 0)  # the partial model read the final too
            draft = manager.submit(piece[: 2 * 16000], session_id="s", kind="partial")
            assert draft.result(60) is not None
            assert len(calls) == (2 if live else 1)  # a partial is the partial model's alone
        finally:
            manager.close()
    assert word_error_rate(reference, texts[True]) <= 0.15, texts[True]
    assert word_error_rate(reference, texts[True]) < word_error_rate(reference, texts[False])
    # The final arrives corrected (weighed by its audio) when the second opinion runs.
    assert "pleural" in texts[True] and "atelectasis" in texts[True], texts


def test_a_failing_second_reading_leaves_the_final_as_heard(tmp_path) -> None:
    copy = _tiny_copy(tmp_path)
    audio, reference = load_fixture("cxr_effusion")
    chunk = speech_chunks(audio)[0]
    manager = AsrManager(AsrSettings(model="tiny.en", partial_model=str(copy),
                                     live_second_opinion=True), tmp_path, decode_threads=1)
    manager.load()
    second = manager.second_decoder
    assert second is not None

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("second model fault")  # a fault a real model does not offer

    second.features = broken  # type: ignore[method-assign]
    try:
        final = manager.submit(audio[chunk.start:chunk.end], session_id="s",
                               kind="final").result(60)
    finally:
        manager.close()
    assert final is not None and final.scorer is None
    assert word_error_rate(reference, final.text) <= 0.2, final.text
