"""Reconsidering words the recogniser split or confused, with its own score of the audio.

Both small Whisper models share some mistakes, so the second opinion cannot repair them:
a rarer word heard as everyday words that sound the same ("hilar" -> "hill or", "lobar" ->
"low bar", "infiltrative" -> "infiltrate of") and the short words a dictating voice blurs
("There are" -> "Their", "An appendicolith" -> "And appendicolith"). The corrector leaves
such real words alone, because spelling and sound cannot tell them from dictation. Here
they are only proposals: each is put to the recogniser's own score of the chunk's audio
and the radiology language model, exactly as the second opinion's readings are
(`reporting.asr.second_opinion.adopt_better`), and taken only where both together prefer
it and the audio does not find it much less likely.

Proposals:
- a run of two or three heard words whose letters sound like one radiology or report
  word (metaphone keys; the radiology word lists and the language model's vocabulary);
- confusable short words in their places: "they're" / "their" / "they" before a verb of
  being -> "there are" / "there"; "and" before a vowel -> "an"; "and" <-> "in"; contractions
  a report does not use ("hasn't" -> "has an"); "common" for the spoken "comma".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import jellyfish
from rapidfuzz import fuzz

from reporting.asr.second_opinion import Merge, Proposal, adopt_better

if TYPE_CHECKING:
    from reporting.asr.correction import AcousticCheck
    from reporting.asr.language_model import RadiologyLM

MERGE_MIN_LETTERS = 5
"""Letters a run of heard words needs before it may be one word: "at a" is not "ata"."""
MERGE_MIN_SPELLING = 70
"""Spelling likeness (0-100) of the joined words and the word they may be: metaphone keys
drop vowels, so "the right" sounds like "third"; "hill or" / "hilar" is 73."""
NEGATING_STARTS = frozenset({"a", "an", "in", "un", "non", "no", "not", "de", "dis", "im",
                             "ir", "il"})
"""A run opening with one of these is never joined into a word that begins with it: "a
typical" is not "atypical", "in active" not "inactive"."""
SENTENCE_AND = 3.0
"""Prior (natural log) for "An" where a sentence was heard to open with "And" before a
vowel: report sentences do not open with "and", but the small language model backs off
to how common "and" is and prefers it."""
BEING = frozenset({"is", "are", "was", "were"})

_KEY = re.compile(r"[^a-z]+")
_WORD = re.compile(r"[^a-z']+")


def _key(word: str) -> str:
    return _KEY.sub("", word.lower())


@lru_cache(maxsize=1)
def _sound_index() -> dict[str, tuple[str, ...]]:
    """Metaphone key -> words of the radiology lists and the LM vocabulary."""
    from reporting.asr.correction import known_medical_words
    from reporting.asr.language_model import load_language_model
    from reporting.asr.vocabulary import load_lexicon

    words = set(load_language_model().vocabulary) | known_medical_words(load_lexicon())
    index: dict[str, set[str]] = {}
    for word in words:
        if word.isalpha() and len(word) >= 4:
            index.setdefault(jellyfish.metaphone(word), set()).add(word)
    return {k: tuple(sorted(v)) for k, v in index.items()}


def _ends_clause(word: str) -> bool:
    return not word[-1].isalnum()


def merge_proposals(words: Sequence[str]) -> list[Proposal]:
    """Runs of two or three heard words that sound like one known word."""
    index = _sound_index()
    keys = [_key(w) for w in words]
    out: list[Proposal] = []
    for size in (2, 3):
        for i in range(len(words) - size + 1):
            run = keys[i:i + size]
            if (not all(run) or any(_ends_clause(w) for w in words[i:i + size - 1])
                    or any(not w.replace("-", "").rstrip(".,;:?!").isalpha()
                           for w in words[i:i + size])):
                continue
            joined = "".join(run)
            if len(joined) < MERGE_MIN_LETTERS:
                continue
            for word in index.get(jellyfish.metaphone(joined), ()):
                if word in run or fuzz.ratio(joined, word) < MERGE_MIN_SPELLING:
                    continue
                if run[0] in NEGATING_STARTS and word.startswith(run[0]):
                    continue
                out.append(Proposal(i, i + size, [word]))
    return out


_CONFUSABLE: dict[str, tuple[tuple[str, ...], ...]] = {
    "they're": (("there", "are"), ("they", "are")),
    "their": (("there", "are"), ("there",)),
    "hasn't": (("has", "an"),),
    "isn't": (("is", "an"),),
    "common": (("comma",),),  # the spoken punctuation word ("shaft comma measuring")
}


def word_proposals(words: Sequence[str]) -> list[Proposal]:
    """Short words a blurred syllable turns into one another, in the places they confuse."""
    keys = [_WORD.sub("", w.lower()) for w in words]
    out: list[Proposal] = []
    for i, key in enumerate(keys):
        after = keys[i + 1] if i + 1 < len(keys) and not _ends_clause(words[i]) else ""
        opens = i == 0 or words[i - 1][-1] in ".?!:"
        for alternative in _CONFUSABLE.get(key, ()):
            out.append(Proposal(i, i + 1, list(alternative)))
        if key == "they" and after in BEING:
            out.append(Proposal(i, i + 1, ["there"]))
        if key == "and" and after[:1] in tuple("aeiou"):
            out.append(Proposal(i, i + 1, ["an"], SENTENCE_AND if opens else 0.0))
        if key == "an":
            out.append(Proposal(i, i + 1, ["and"]))
        if key == "and":
            out.append(Proposal(i, i + 1, ["in"]))
        if key == "in":
            out.append(Proposal(i, i + 1, ["and"]))
    return out


def reconsider(text: str, *, acoustic: AcousticCheck, lm: RadiologyLM | None = None,
               merges: bool = True, short_words: bool = True) -> Merge:
    """`text` with each proposal the audio and the language model prefer."""
    words = text.split()
    proposals = [*(merge_proposals(words) if merges else ()),
                 *(word_proposals(words) if short_words else ())]
    return adopt_better(words, proposals, acoustic=acoustic, lm=lm)
