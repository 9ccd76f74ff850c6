"""The recogniser's own score of other readings of the audio (`AcousticScorer`, real tiny.en),
and how the corrector weighs its context swaps with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reporting.asr.correction import correct
from reporting.asr.decoder import DecodeOptions
from reporting.asr.pipeline import speech_chunks, transcribe_pipeline
from reporting.asr.rescoring import decode_nbest_batch, decode_rescored
from tests.asr.conftest import load_fixture, word_error_rate


def _first_sentence_audio():  # type: ignore[no-untyped-def]
    audio, _ = load_fixture("cxr_effusion")
    chunk = speech_chunks(audio)[0]
    return audio[chunk.start:chunk.end]


def test_the_scorer_prefers_what_was_said_to_a_word_that_was_not(tiny_decoder) -> None:
    piece = _first_sentence_audio()
    heard = tiny_decoder.decode(piece, options=DecodeOptions(beam_size=5,
                                                             keep_audio_scorer=True))
    assert heard.scorer is not None and heard.text
    said, tokens = heard.scorer(heard.text)
    assert said < 0  # a log-probability
    assert tokens == len(tiny_decoder.tokenizer.encode(" " + heard.text)) + 1  # and <eot>
    # Every content word swapped for one the dictation does not hold costs the reading.
    words = [w for w in heard.text.split() if len(w.strip(".,")) >= 5]
    assert words
    for word in words:
        other = heard.text.replace(word, "pancreatitis", 1)
        assert heard.scorer(other)[0] < said - 3, (word, heard.text)
    assert heard.scorer(heard.text) == (said, tokens)  # remembered
    assert heard.scorer("  " + heard.text) == (said, tokens)  # spacing is not a reading


def test_a_scorer_is_kept_only_when_asked(tiny_decoder) -> None:
    piece = _first_sentence_audio()
    assert tiny_decoder.decode(piece, options=DecodeOptions(beam_size=5)).scorer is None
    rescored = decode_rescored(tiny_decoder, piece,
                               options=DecodeOptions(beam_size=5, keep_audio_scorer=True))
    assert rescored.scorer is not None
    assert rescored.scorer(rescored.text)[0] > rescored.scorer(
        rescored.text + " No pneumothorax.")[0]
    # A batch of several utterances shares one encoder output: no scorer (not sliced).
    batch = decode_nbest_batch(tiny_decoder, [piece, piece],
                               options=DecodeOptions(beam_size=5, keep_audio_scorer=True))
    assert [item.scorer for item in batch] == [None, None]


def test_the_pipeline_corrects_with_and_without_the_audio(tiny_decoder) -> None:
    audio, reference = load_fixture("cxr_effusion")
    weighed = transcribe_pipeline(audio, decoder=tiny_decoder, modality="CR")
    alone = transcribe_pipeline(audio, decoder=tiny_decoder, modality="CR",
                                acoustic_check=False)
    assert word_error_rate(reference, weighed.text) <= 0.1, weighed.text
    assert word_error_rate(reference, weighed.text) <= word_error_rate(reference, alone.text)


def _prefers(words: str, by: float = 5.0) -> Callable[[str], tuple[float, int]]:
    """An audio score that finds texts containing `words` likelier by `by` (over the same
    number of tokens)."""
    return lambda text: (by if words in text.lower() else 0.0, 10)


def _indifferent(text: str) -> tuple[float, int]:
    return 0.0, 10


@pytest.mark.parametrize(
    ("heard", "said"),
    [
        # A radiology word heard as another one: the model alone never swaps those.
        ("Sesamoid diverticulosis without diverticulitis.",
         "Sigmoid diverticulosis without diverticulitis."),
        # A swap short of the model's bar.
        ("The tumor butts the pleura.", "The tumor abuts the pleura."),
    ],
)
def test_swaps_the_model_alone_would_not_make_need_the_audio(lexicon, heard: str,
                                                             said: str) -> None:
    assert correct(heard, lexicon=lexicon).text == heard
    assert correct(heard, lexicon=lexicon, acoustic=_indifferent).text == heard
    wanted = next(w for w in said.lower().split() if w not in heard.lower().split())
    assert correct(heard, lexicon=lexicon, acoustic=_prefers(wanted)).text == said
    assert correct(heard, lexicon=lexicon, acoustic=_prefers(wanted, -5.0)).text == heard


@pytest.mark.parametrize(
    ("heard", "said"),
    [
        # Three heard words that sound like one term.
        ("There is no paraphrase that a lucency to suggest loosening.",
         "There is no periprosthetic lucency to suggest loosening."),
        ("The core co-humeral ligament is thickened.",
         "The coracohumeral ligament is thickened."),
        # Two.
        ("A round radio pack foreign body projects over the upper esophagus.",
         "A round radiopaque foreign body projects over the upper esophagus."),
        # A radiology word heard without its ending.
        ("There is a mass in the left front lobe with central necrosis.",
         "There is a mass in the left frontal lobe with central necrosis."),
    ],
)
def test_merges_and_endings_are_made_unless_the_audio_finds_them_far_less_likely(
        lexicon, heard: str, said: str) -> None:
    # Whisper's own score often favours the pieces it wrote ("radio pack" over radiopaque by
    # about 4 nats on the test voice): it may doubt such a swap, not veto it.
    assert correct(heard, lexicon=lexicon).text == heard
    wanted = next(w for w in said.lower().split() if w not in heard.lower().split())
    assert correct(heard, lexicon=lexicon, acoustic=_indifferent).text == said
    assert correct(heard, lexicon=lexicon, acoustic=_prefers(wanted, -3.0)).text == said
    assert correct(heard, lexicon=lexicon, acoustic=_only(heard, -5.0)).text == heard


def _only(said: str, others: float) -> Callable[[str], tuple[float, int]]:
    """An audio score that finds every text but `said` less likely by `others`."""
    return lambda text: (0.0 if text == said else others, 10)


@pytest.mark.parametrize(
    "sentence",
    [
        "The sesamoid bones of the great toe are normal.",
        "There is a paraphrase of the findings.",
        "The scapholunate interval is normal.",
        "No acute intracranial hemorrhage, mass effect, or midline shift.",
    ],
)
def test_audio_that_likes_another_word_does_not_make_a_swap_the_model_rejects(
        lexicon, sentence: str) -> None:
    for word in ("sigmoid", "periprosthetic", "scaphoid", "hemorrhagic"):
        assert correct(sentence, lexicon=lexicon, acoustic=_prefers(word)).text == sentence


def test_swaps_the_model_makes_alone_are_made_whatever_the_audio(lexicon) -> None:
    # Spellings that sound alike cannot be told apart by ear; the model decides.
    heard = "The gallbladder is distended with acute calculus cholecystitis."
    expected = correct(heard, lexicon=lexicon).text
    assert expected != heard
    against = _prefers("calculus ", 5.0)
    assert correct(heard, lexicon=lexicon, acoustic=against).text == expected
