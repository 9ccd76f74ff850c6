"""Radiology language model: counts, smoothing and context preferences."""

from __future__ import annotations

import math

import pytest

from reporting.asr.language_model import (
    NUMBER,
    MixtureLM,
    RadiologyLM,
    load_language_model,
    semantic_dict_sentences,
    sentences,
    template_sentences,
    tokens,
)


def test_tokens_lower_case_and_numbers() -> None:
    assert tokens("The CBD measures 4.5 mm.") == ["the", "cbd", "measures", NUMBER, "mm"]
    assert sentences("No effusion. Heart normal;\nLungs clear") == [
        ["no", "effusion"], ["heart", "normal"], ["lungs", "clear"]]


def test_template_sentences_drop_keys_and_take_first_choice() -> None:
    text = 'id: ct_chest\n  text: "[Mild|Moderate] hepatic steatosis."\n  loinc: 1-2'
    assert template_sentences(text) == [["mild", "hepatic", "steatosis"]]


def test_seen_words_take_most_but_not_all_probability_mass() -> None:
    lm = RadiologyLM([["fat", "stranding"], ["fat", "stranding"], ["fat", "density"]])
    seen = ["fat", "stranding", "density", "</s>"]
    total = sum(lm.prob(w, ["<s>", "fat"]) for w in seen)
    assert 0.5 < total < 1.0  # the rest is left to English words never seen in reports
    assert lm.prob("stranding", ["fat"]) > lm.prob("density", ["fat"]) > 0


def test_unseen_english_word_gets_english_probability() -> None:
    lm = RadiologyLM([["fat", "stranding"]])
    assert lm.prob("straining", ["fat"]) > lm.prob("qzxv", ["fat"]) > 0
    assert math.isfinite(lm.sentence_logprob(["qzxv", "qzxv"]))


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="corpus"):
        RadiologyLM([])
    with pytest.raises(ValueError, match="discount"):
        RadiologyLM([["a"]], discount=1.5)


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("small volume ascites", "small volume of sites"),
        ("peripancreatic fat stranding", "peripancreatic fat straining"),
        ("the common bile duct measures <num> mm", "the common bowel duct measures <num> mm"),
        ("edema in the lateral femoral condyle", "edema and the lateral femoral condyle"),
    ],
)
def test_packaged_model_prefers_report_language(right: str, wrong: str) -> None:
    lm = load_language_model()
    assert lm.sentence_logprob(right.split()) > lm.sentence_logprob(wrong.split()) + 2
    assert "ascites" in lm.vocabulary


def test_mixture_interpolates_and_keeps_report_vocabulary_primary() -> None:
    report = RadiologyLM([["fat", "stranding"], ["fat", "stranding"]])
    background = RadiologyLM([["pneumatosis", "intestinalis"], ["pneumatosis", "coli"]])
    mix = MixtureLM(report, background, weight=0.25)
    p = mix.prob("stranding", ["fat"])
    assert p == pytest.approx(0.75 * report.prob("stranding", ["fat"])
                              + 0.25 * background.prob("stranding", ["fat"]))
    assert mix.vocabulary == report.vocabulary
    assert "pneumatosis" in mix.background_vocabulary  # seen twice in the background
    assert "coli" not in mix.background_vocabulary  # seen once
    assert mix.sentence_logprob(["pneumatosis", "coli"]) > report.sentence_logprob(
        ["pneumatosis", "coli"])
    with pytest.raises(ValueError, match="weight"):
        MixtureLM(report, background, weight=1.0)


def test_packaged_model_knows_radiology_words_beyond_the_report_text() -> None:
    background = semantic_dict_sentences()
    assert len(background) > 10_000
    lm = load_language_model()
    assert isinstance(lm, MixtureLM)
    assert {"clonorchiasis", "hemangiopericytoma", "hypophysitis"} <= lm.background_vocabulary
    # A CT/MR phrase absent from the report text is still far likelier than its mishearing.
    assert lm.sentence_logprob(tokens("findings of lymphocytic hypophysitis")) > (
        lm.sentence_logprob(tokens("findings of lymphocytic hypo physitis")) + 2)
