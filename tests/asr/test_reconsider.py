"""Words the recogniser split or confused, reconsidered with its own score of the audio
(`reporting.asr.reconsider`), weighed with the real tiny.en scorer."""

from __future__ import annotations

import pytest

from reporting.asr.decoder import DecodeOptions, Transcript
from reporting.asr.pipeline import speech_chunks
from reporting.asr.reconsider import (
    SENTENCE_AND,
    merge_proposals,
    reconsider,
    word_proposals,
)
from tests.asr.conftest import load_fixture, word_error_rate


def _first_chunk(decoder, fixture_id: str) -> Transcript:  # type: ignore[no-untyped-def]
    audio, _ = load_fixture(fixture_id)
    chunk = speech_chunks(audio)[0]
    result = decoder.decode(audio[chunk.start:chunk.end],
                            options=DecodeOptions(beam_size=5, keep_audio_scorer=True))
    assert result.scorer is not None
    return result


@pytest.fixture(scope="module")
def effusion(tiny_decoder) -> Transcript:  # type: ignore[no-untyped-def]
    """tiny.en's reading of "... There is a small right pleural effusion ...", with the
    scorer of its audio."""
    result = _first_chunk(tiny_decoder, "cxr_effusion")
    assert "There is a small" in result.text and "effusion" in result.text
    return result


@pytest.mark.parametrize("misheard", ["They is a small", "Their is a small"])
def test_a_blurred_there_is_restored_where_the_audio_and_report_language_say_so(
        effusion, misheard) -> None:
    text = effusion.text.replace("There is a small", misheard, 1)
    again = reconsider(text, acoustic=effusion.scorer)
    assert again.text == effusion.text
    assert again.changes == ((misheard.split()[0], "There"),)


@pytest.mark.parametrize("fixture_id", ["mr_lumbar_spine", "ct_chest_nodule"])
def test_what_was_heard_right_is_left_alone(tiny_decoder, fixture_id) -> None:
    heard = _first_chunk(tiny_decoder, fixture_id)
    _, reference = load_fixture(fixture_id)
    words = heard.text.split()
    assert [*merge_proposals(words), *word_proposals(words)]  # there were some to refuse
    again = reconsider(heard.text, acoustic=heard.scorer)
    said = set(reference.lower().replace(",", " ").replace(".", " ").split())
    for old, new in again.changes:  # only misheard words change, toward what was said
        assert not set(old.lower().strip(".,").split()) <= said, (old, new)
        assert set(new.lower().strip(".,").split()) <= said, (old, new)
    assert word_error_rate(reference, again.text) <= word_error_rate(reference, heard.text)


def test_runs_of_words_that_sound_like_one_word_are_proposed() -> None:
    proposals = {(p.start, p.end, tuple(p.words))
                 for p in merge_proposals("Findings suggest a hill or mass.".split())}
    assert (3, 5, ("hilar",)) in proposals
    proposals = {tuple(p.words) for p in merge_proposals("into the low bar branches".split())}
    assert ("lobar",) in proposals


@pytest.mark.parametrize("text", [
    "The pattern is a typical for infection.",  # never "atypical": the opposite finding
    "The nodule is in active.",
    "There is a hill. Or a mass.",  # not across a sentence end
    "at a",  # too short to be one word
])
def test_no_run_is_joined_into_its_opposite_or_across_a_sentence(text) -> None:
    joined = {w for p in merge_proposals(text.split()) for w in p.words}
    assert not joined & {"atypical", "inactive", "hilar", "ata"}


def test_confusable_short_words_are_proposed_in_their_places() -> None:
    def proposed(text: str) -> set[tuple[int, tuple[str, ...], float]]:
        return {(p.start, tuple(p.words), p.prior) for p in word_proposals(text.split())}

    assert (0, ("there", "are"), 0.0) in proposed("They're filling defects.")
    assert (0, ("there", "are"), 0.0) in proposed("Their marginal erosions.")
    assert (0, ("there",), 0.0) in proposed("They are dilated veins.")
    assert not any(w == ("there",) for _, w, _ in proposed("They represent plugging."))
    # A sentence opening with "And" before a vowel: "An", with the prior the small
    # language model lacks; "and" inside a sentence gets no such help.
    assert (4, ("an",), SENTENCE_AND) in proposed("The appendix is dilated. And appendicolith.")
    assert (1, ("an",), 0.0) in proposed("cisterns and either")
    assert (2, ("an",), 0.0) in proposed("5 cm, and enlarged node")  # a comma is no end
    assert not any(w == ("an",) for _, w, _ in proposed("cisterns and both"))
