"""Lexicon loading and decoder prompts."""

from __future__ import annotations

import os

import pytest

from reporting.asr.vocabulary import (
    PROMPT_TOKEN_BUDGET,
    build_prompt,
    count_tokens,
    exam_terms,
    load_lexicon,
    parse_exam_sections,
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


def test_prompt_budget_is_below_whisper_limit() -> None:
    # Whisper keeps the last 223 prompt tokens; the budget leaves room for the start-of-
    # transcript tokens so the seeds and exam terms at the prompt's start are never cut.
    assert PROMPT_TOKEN_BUDGET <= 223 - 32


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
    template.write_text("Findings: {{ findings }} No dermatofibrosarcoma change.\n")
    monkeypatch.setattr(vocabulary, "_template_roots", lambda: [templates, tmp_path / "macros"])
    first = vocabulary.load_lexicon()
    assert "dermatofibrosarcoma" in first.words
    assert vocabulary.load_lexicon() is first  # no re-read per utterance
    template.write_text("Findings: {{ findings }} No emphysematous cholecystitis.\n")
    os.utime(template, ns=(1, 1))  # a different mtime even on coarse clocks
    second = vocabulary.load_lexicon()
    assert second is not first
    assert "emphysematous" in second.words
    assert "dermatofibrosarcoma" not in second.words


def test_exam_terms_follow_the_procedure_description_and_body_part() -> None:
    knee = exam_terms("MR KNEE WITHOUT CONTRAST")
    assert knee[:2] == ("anterior cruciate ligament", "posterior cruciate ligament")
    assert exam_terms("MR LEFT KNEES") == knee  # plurals and extra words do not matter
    assert "cholesteatoma" in exam_terms("CT TEMPORAL BONES WITHOUT CONTRAST")  # a phrase
    assert exam_terms("XR CHEST 2 VIEWS")[0] == "hemidiaphragms"
    assert exam_terms("") == () and exam_terms("OUTSIDE FILM READ") == ()
    # Two exams in one order: the first terms of each, in turn, up to the limit.
    both = exam_terms("CT CHEST ABDOMEN AND PELVIS WITH CONTRAST", limit=6)
    assert len(both) == 6
    assert both[:2] == (exam_terms("CT CHEST")[0], exam_terms("CT ABDOMEN")[0])


def test_exam_sections_parse_headers_keywords_and_terms() -> None:
    sections = parse_exam_sections([
        "# comment", "[knee | patella | knees]", "medial meniscus", "", "[temporal bone]",
        "cholesteatoma"])
    assert [s.name for s in sections] == ["knee", "temporal bone"]
    assert sections[0].keywords == (("knee",), ("patella",))
    assert sections[0].terms == ("medial meniscus",)
    assert sections[1].keywords == (("temporal", "bone"),)


def test_exam_terms_fit_the_prompt_budget_with_the_seeds() -> None:
    terms = exam_terms("MR KNEE WITHOUT CONTRAST")
    prompt = build_prompt("findings", "MR", "Small joint effusion. " * 20, terms)
    assert count_tokens(prompt) <= PROMPT_TOKEN_BUDGET
    assert "Anterior cruciate ligament" in prompt and "Small joint effusion." in prompt
