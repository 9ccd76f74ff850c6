"""N-best rescoring with the radiology language model (real tiny.en for the decode paths)."""

from __future__ import annotations

import numpy as np
import pytest

from reporting.asr.decoder import SAMPLE_RATE, DecodeOptions, WhisperDecoder, guard
from reporting.asr.pipeline import speech_chunks, transcribe_pipeline
from reporting.asr.rescoring import (
    Hypothesis,
    decode_nbest,
    decode_nbest_batch,
    decode_rescored,
    decode_rescored_batch,
    lm_score,
    rescore,
)
from reporting.asr.vocabulary import build_prompt
from tests.asr.conftest import FIXTURES, load_fixture


def _hyp(text: str, acoustic: float, rank: int) -> Hypothesis:
    return Hypothesis(text=text, tokens=len(text.split()) + 2, acoustic=acoustic, rank=rank)


# Two radiology words the corrector never swaps for each other: only rescoring can choose.
_SESAMOID = "Small hiatal hernia and sesamoid diverticulosis."
_SIGMOID = "Small hiatal hernia and sigmoid diverticulosis."


def test_report_language_wins_a_close_acoustic_call() -> None:
    ranked = rescore([_hyp(_SESAMOID, -0.20, 0), _hyp(_SIGMOID, -0.24, 1)])
    assert ranked[0].rank == 1
    assert ranked[0].corrected == _SIGMOID
    assert ranked[0].lm > ranked[1].lm


def test_acoustic_evidence_wins_a_clear_call() -> None:
    assert rescore([_hyp(_SESAMOID, -0.10, 0), _hyp(_SIGMOID, -2.50, 1)])[0].rank == 0


def test_without_lm_weight_beam_order_stands() -> None:
    hyps = [_hyp("Bone marrow edema and the lateral condyle.", -0.20, 0),
            _hyp("Bone marrow edema in the lateral condyle.", -0.21, 1)]
    assert rescore(hyps, lm_weight=0.0)[0].rank == 0
    with pytest.raises(ValueError, match="lm_weight"):
        rescore(hyps, lm_weight=-1.0)


def test_hypotheses_of_another_length_are_not_candidates() -> None:
    top = _hyp("Small volume ascites in the pelvis and the right paracolic gutter.", -0.30, 0)
    short = _hyp("Small volume ascites.", -0.10, 1)
    ranked = rescore([top, short])
    assert [h.rank for h in ranked] == [0]


def test_same_corrected_text_is_scored_once() -> None:
    hyps = [_hyp("Moderate joint effusion.", -0.10, 0),
            _hyp("Moderate joint efusion.", -0.12, 1)]
    ranked = rescore(hyps)
    assert [h.rank for h in ranked] == [0]


def test_lm_score_counts_words_sentence_by_sentence() -> None:
    from reporting.asr.language_model import load_language_model

    lm = load_language_model()
    log10, words = lm_score("No pneumothorax. Small right pleural effusion.", lm)
    assert words == 6
    assert log10 < 0
    good, _ = lm_score("Small volume ascites.", lm)
    bad, _ = lm_score("Small volume of sites.", lm)
    assert good > bad


def test_guard_drops_loops_and_stock_phrases() -> None:
    assert guard("No pneumothorax.", level=0.1, no_speech=0.01, avg_logprob=-0.2, n_tokens=4,
                 max_new=40) == ("No pneumothorax.", None)
    assert guard("Thank you.", level=0.01, no_speech=0.5, avg_logprob=-0.9, n_tokens=3,
                 max_new=40)[1] == "silence_phrase"
    looped = " ".join(["the lungs are clear."] * 6)
    assert guard(looped, level=0.1, no_speech=0.0, avg_logprob=-0.2, n_tokens=40,
                 max_new=40)[1] == "repetition"


def test_top_hypothesis_is_the_decoders_own_result(tiny_decoder: WhisperDecoder) -> None:
    audio, _ = load_fixture("cxr_cardiomegaly")
    chunk = speech_chunks(audio)[0]
    samples = audio[chunk.start:chunk.end]
    prompt = build_prompt("findings", "CR", "")
    options = DecodeOptions(beam_size=5)
    nbest = decode_nbest(tiny_decoder, samples, prompt=prompt, options=options)
    single = tiny_decoder.decode(samples, prompt=prompt, options=options)
    assert nbest.dropped is None
    assert len(nbest.hypotheses) >= 2
    assert nbest.hypotheses[0].text == single.text
    assert [h.rank for h in nbest.hypotheses] == sorted(h.rank for h in nbest.hypotheses)
    chosen = decode_rescored(tiny_decoder, samples, prompt=prompt, options=options)
    assert chosen.text in {h.text for h in nbest.hypotheses}
    assert chosen.extra["hypotheses"] == len(nbest.hypotheses)
    with pytest.raises(ValueError, match="num_hypotheses"):
        decode_nbest(tiny_decoder, samples, num_hypotheses=0)


def test_silence_and_noise_give_no_text(tiny_decoder: WhisperDecoder) -> None:
    silence = np.zeros(3 * SAMPLE_RATE, dtype=np.float32)
    result = decode_rescored(tiny_decoder, silence)
    assert (result.text, result.dropped) == ("", "silence")
    noise = transcribe_pipeline(FIXTURES / "noise_only.flac", decoder=tiny_decoder)
    assert noise.text == ""


def test_pipeline_rescoring_is_optional_and_validated(tiny_decoder: WhisperDecoder) -> None:
    path = FIXTURES / "cxr_cardiomegaly.flac"
    with pytest.raises(ValueError, match="num_hypotheses"):
        transcribe_pipeline(path, decoder=tiny_decoder, num_hypotheses=0)
    rescored = transcribe_pipeline(path, decoder=tiny_decoder, modality="CR", field="findings")
    assert "cardiomegaly" in rescored.text.lower()
    assert "pleural effusions" in rescored.text.lower()


def test_batch_rescoring_keeps_items_apart(tiny_decoder: WhisperDecoder) -> None:
    first, _ = load_fixture("cxr_cardiomegaly")
    second, _ = load_fixture("us_abdomen")
    a = first[speech_chunks(first)[0].start:speech_chunks(first)[0].end]
    b = second[speech_chunks(second)[0].start:speech_chunks(second)[0].end]
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    options = DecodeOptions(beam_size=5)
    nbests = decode_nbest_batch(tiny_decoder, [a, silence, b], options=options)
    assert [n.dropped for n in nbests] == [None, "silence", None]
    assert nbests[0].hypotheses and nbests[2].hypotheses
    results = decode_rescored_batch(tiny_decoder, [a, silence, b], options=options,
                                    preceding=["", "", ""])
    assert results[1].text == ""
    assert "vascular congestion" in results[0].text.lower()  # raw text: corrected later
    assert "gallbladder" in results[2].text.lower()
    assert "gallbladder" not in results[0].text.lower()
    with pytest.raises(ValueError, match="one entry per audio"):
        decode_rescored_batch(tiny_decoder, [a, b], preceding=[""])
