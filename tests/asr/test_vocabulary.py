"""Lexicon loading and decoder prompts."""

from __future__ import annotations

import os

import pytest

from reporting.asr.vocabulary import (
    PROMPT_TOKEN_BUDGET,
    build_prompt,
    count_tokens,
    load_lexicon,
    parse_terms,
    section_terms,
    split_words,
    template_terms,
)


def test_lexicon_is_large_and_has_phrases() -> None:
    lexicon = load_lexicon(include_templates=False)
    phrases = lexicon.phrases()
    assert len(lexicon.terms) > 1500
    for phrase in ["pleural effusion", "pulmonary embolism", "ground-glass opacity",
                   "mediastinal lymphadenopathy", "neural foraminal narrowing"]:
        assert split_words(phrase) in phrases, phrase
    assert {t.section for t in lexicon.terms} >= {"chest", "neuro", "spine", "body", "msk",
                                                  "breast", "ultrasound", "vascular"}


def test_parse_terms_format() -> None:
    terms = parse_terms(["# c", "[breast]", "BI-RADS=BI-RADS", "spiculated mass", ""])
    assert [(t.written, t.words, t.section) for t in terms] == [
        ("BI-RADS", ("bi", "rads"), "breast"),
        ("spiculated mass", ("spiculated", "mass"), "breast"),
    ]


def test_template_words_are_read_at_runtime(tmp_path) -> None:
    (tmp_path / "t.j2").write_text("Findings: {{ x }} cholangiopancreatography and the heart\n")
    words = template_terms([tmp_path])
    assert "cholangiopancreatography" in words
    assert "x" not in words


@pytest.mark.parametrize(("field", "modality", "expected"), [
    ("findings", "CR", "pleural effusion"),
    ("findings", "MR", "intracranial"),
    ("findings", "MG", "BI-RADS"),
    ("impression", "CR", "Impression:"),
])
def test_prompt_includes_section_terms(field: str, modality: str, expected: str) -> None:
    prompt = build_prompt(field, modality, "")
    assert expected.lower() in prompt.lower()
    assert prompt.endswith(".")


def test_prompt_stays_within_budget_with_long_prior_text_and_terms() -> None:
    prior = " ".join(f"Sentence number {i} about the left lower lobe." for i in range(200))
    terms = [f"term{i} opacity" for i in range(100)]
    prompt = build_prompt("findings", "CT", prior, terms)
    assert count_tokens(prompt) <= PROMPT_TOKEN_BUDGET
    # The newest dictated text is kept (the end of the prior text), whole sentences only.
    assert prompt.endswith("Sentence number 199 about the left lower lobe.")
    assert "term0 opacity" in prompt.lower()


def test_prompt_budget_is_far_below_whisper_limit() -> None:
    assert PROMPT_TOKEN_BUDGET <= 150  # Whisper shares ~223 tokens with hotwords/prefix


def test_prompt_budget_validation() -> None:
    with pytest.raises(ValueError, match="budget"):
        build_prompt("findings", "CT", "", budget=4)


def test_section_terms_follow_modality() -> None:
    assert "rotator cuff tear" in section_terms("findings", "MR", limit=1000)
    assert "pleural effusion" in section_terms("findings", "CR", limit=1000)


def test_prompt_covers_several_body_regions_of_the_modality() -> None:
    from reporting.asr.vocabulary import SECTION_SEEDS

    prompt = build_prompt("findings", "MR")
    # MR reads neuro, spine, MSK and body studies: each region's seed primes its words.
    for section in ("neuro", "spine", "msk"):
        assert SECTION_SEEDS[section] in prompt
    assert count_tokens(prompt) <= PROMPT_TOKEN_BUDGET


def test_caller_terms_outrank_extra_section_seeds() -> None:
    prompt = build_prompt("findings", "MR", "", [f"term{i} enhancement" for i in range(40)])
    assert "term0 enhancement" in prompt.lower()
    assert count_tokens(prompt) <= PROMPT_TOKEN_BUDGET


def test_lexicon_is_cached_until_a_template_changes(tmp_path, monkeypatch) -> None:
    from reporting.asr import vocabulary

    templates = tmp_path / "templates"
    templates.mkdir()
    template = templates / "ct_abdomen.j2"
    template.write_text("Findings: {{ findings }} No xanthogranulomatous change.\n")
    monkeypatch.setattr(vocabulary, "_template_roots", lambda: [templates, tmp_path / "macros"])
    first = vocabulary.load_lexicon()
    assert "xanthogranulomatous" in first.words
    assert vocabulary.load_lexicon() is first  # no re-read per utterance
    template.write_text("Findings: {{ findings }} No emphysematous cholecystitis.\n")
    os.utime(template, ns=(1, 1))  # a different mtime even on coarse clocks
    second = vocabulary.load_lexicon()
    assert second is not first
    assert "emphysematous" in second.words
    assert "xanthogranulomatous" not in second.words
