"""Second opinion: a second recogniser's reading of the same audio, taken region by region.

Two small Whisper models err in different places: on the tuned fixture splits base wrote
"highway" for hyoid, "osteochromicosis" for osteonecrosis and "a piece of" for adhesive
where tiny.en heard them right, and tiny.en was right at 44 of base's 97 remaining error
regions (while wrong at others base had right). `merge_readings` aligns the two corrected
readings word by word and, for each stretch where they differ, puts the second reading's
words into the main one when the main recogniser's own score of the audio
(`reporting.asr.decoder.AcousticScorer`, forced decoding with the encoder output it already
has) plus the radiology language model prefer them by more than `MARGIN` natural-log
units. The main model keeps the last word on the sound, so a fluent mistake of the second
model that the audio does not carry is refused, and the language model decides between
readings the audio finds about equally likely.

Whole-file recognition (`reporting.asr.pipeline.transcribe_pipeline`) always; live finals
only with `asr.live_second_opinion` (on 2 CPU cores the second decode costs more latency
than it buys). The weighing itself, `adopt_better`, also serves `reporting.asr.reconsider`,
whose proposals come from word lists instead of a second model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, NamedTuple

from reporting.asr.correction import (
    ACOUSTIC_DOUBT,
    FUNCTION_ZIPF,
    REAL_WORD_ZIPF,
    AcousticCheck,
    english_frequency,
)

if TYPE_CHECKING:
    from reporting.asr.language_model import RadiologyLM

MARGIN = 1.0
"""Natural-log units by which acoustic + LM must prefer the second reading of a region."""
LM_WEIGHT = 1.0
"""Weight of the LM (converted to natural log) against the acoustic score, as in rescoring."""
DOUBT = ACOUSTIC_DOUBT
"""A second reading the main model finds more than this much less likely (natural log, per
token scaled to the reading's length) is refused however much the LM likes it ("peripherally"
-> "peripheral": -4.5 acoustic, +6.3 LM); the same bar as the corrector's audio-first swaps."""
MAX_REGION_WORDS = 4
"""Longer disagreements are different sentences, not a misheard word or two: left alone."""

_KEY = re.compile(r"[^a-z0-9']+")
_WORD_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
"""Whisper writes "epididymo orchitis" with a space: a lexicon hyphen would cost the main
reading ~9 nats of acoustic score it does not deserve."""


def _key(word: str) -> str:
    return _KEY.sub("", word.lower())


def _punctuated(old: list[str], new: list[str]) -> list[str] | None:
    """`new` carrying the main reading's capital and closing punctuation, or None when the
    swap changes no word or would drop punctuation with the words."""
    if [_key(w) for w in new] == [_key(w) for w in old]:
        return None
    if not new:
        return None if old and any(not w[-1].isalnum() for w in old) else []
    new = list(new)
    if old:
        tail = re.search(r"[.,;:?!]+$", old[-1])
        new[-1] = re.sub(r"[.,;:?!]+$", "", new[-1]) + (tail.group() if tail else "")
        if old[0][:1].isupper():
            new[0] = new[0][:1].upper() + new[0][1:]
        elif new[0][:1].isupper() and not new[0].isupper():
            new[0] = new[0][:1].lower() + new[0][1:]
    return new


def _carves_function_word(old: list[str], new: list[str], lm: RadiologyLM) -> bool:
    """True when the second reading carves a function word out of one real word of the main
    reading ("abnormal" -> "a normal", "unchanged" -> "and change"): such easy tokens score
    well per token and per word, and the negation or finding they break is the report's
    meaning. Two content words from one ("hyperintensities" -> "hyperintense cyst") may pass.
    """
    if len(old) != 1 or len(new) < 2:
        return False
    word = _key(old[0])
    if word not in lm.vocabulary and english_frequency(word) < REAL_WORD_ZIPF:
        return False
    return any(english_frequency(_key(w)) >= FUNCTION_ZIPF for w in new)


@dataclass(frozen=True)
class Merge:
    """The merged text and the (main words, second words) swaps made."""

    text: str
    changes: tuple[tuple[str, str], ...]


def _text_score(text: str, acoustic: AcousticCheck, lm: RadiologyLM) -> tuple[float, float]:
    """(acoustic log-probability per token, LM natural-log probability per word) of a text."""
    from reporting.asr.pipeline import unhyphenate
    from reporting.asr.rescoring import lm_score
    from reporting.dictation.text import to_written

    sound, tokens = acoustic(_WORD_HYPHEN.sub(" ", text))
    log10, words = lm_score(to_written(unhyphenate(text)), lm)
    return sound / max(1, tokens), math.log(10) * log10 / max(1, words)


class Proposal(NamedTuple):
    """Words `[start, end)` of a reading and the words that might replace them; `prior`
    (natural log) is what is known for them beyond the audio and the LM."""

    start: int
    end: int
    words: list[str]
    prior: float = 0.0


def merge_readings(main: str, second: str, *, acoustic: AcousticCheck,
                   lm: RadiologyLM | None = None, margin: float = MARGIN,
                   lm_weight: float = LM_WEIGHT) -> Merge:
    """`main` with each differing stretch of `second` that the audio and LM prefer."""
    from reporting.asr.language_model import load_language_model

    words = main.split()
    other = second.split()
    if not words or not other:
        return Merge(main, ())
    matcher = SequenceMatcher(a=[_key(w) for w in words], b=[_key(w) for w in other],
                              autojunk=False)
    lm = lm or load_language_model()
    proposals = [Proposal(i1, i2, other[j1:j2]) for op, i1, i2, j1, j2 in matcher.get_opcodes()
                 if op != "equal" and max(i2 - i1, j2 - j1) <= MAX_REGION_WORDS
                 and not _carves_function_word(words[i1:i2], other[j1:j2], lm)]
    return adopt_better(words, proposals, acoustic=acoustic, lm=lm, margin=margin,
                        lm_weight=lm_weight)


def adopt_better(words: list[str], proposals: list[Proposal], *, acoustic: AcousticCheck,
                 lm: RadiologyLM | None = None, margin: float = MARGIN,
                 lm_weight: float = LM_WEIGHT) -> Merge:
    """`words` with each proposal that the audio and LM prefer by more than `margin`.

    Proposals are weighed right to left, each against the text as it stands; of those for
    the same words the best-scoring one is taken, and one that overlaps words already
    replaced is dropped.
    """
    from reporting.asr.language_model import load_language_model

    if not words or not proposals:
        return Merge(" ".join(words), ())
    lm = lm or load_language_model()
    current = list(words)
    # Both scores per token / word, scaled to the main reading's length (as in rescoring):
    # a reading is not better for being shorter.
    tokens = max(1, acoustic(_WORD_HYPHEN.sub(" ", " ".join(words)))[1])
    length = max(1, len(words))

    def total(text: str) -> tuple[float, float]:
        sound, language = _text_score(text, acoustic, lm)
        return sound * tokens, lm_weight * language * length

    best = total(" ".join(current))
    changes: list[tuple[str, str]] = []
    frontier = len(words)  # proposals ending after this overlap a replacement
    spans = sorted({(p.start, p.end) for p in proposals}, key=lambda s: (-s[0], -s[1]))
    for i1, i2 in spans:  # right to left: earlier indices stay valid
        if i2 > frontier:
            continue
        chosen: tuple[list[str], tuple[float, float]] | None = None
        bar = sum(best) + margin
        for proposal in proposals:
            if (proposal.start, proposal.end) != (i1, i2):
                continue
            replacement = _punctuated(current[i1:i2], proposal.words)
            if replacement is None:
                continue
            candidate = [*current[:i1], *replacement, *current[i2:]]
            score = total(" ".join(candidate))
            if score[0] - best[0] >= -DOUBT and sum(score) + proposal.prior > bar:
                chosen, bar = (replacement, score), sum(score) + proposal.prior
        if chosen is not None:
            replacement, best = chosen
            changes.append((" ".join(current[i1:i2]), " ".join(replacement)))
            current = [*current[:i1], *replacement, *current[i2:]]
            frontier = i1
    return Merge(" ".join(current), tuple(reversed(changes)))
