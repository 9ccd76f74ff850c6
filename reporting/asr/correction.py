"""Correct near-miss medical words and phrases in recognised text.

Whisper without domain knowledge writes "plural effusion", "pneumothorex",
"media stenom". We slide windows of one to four words over the text, compare
each window (spelling and metaphone sound-alike key) with the radiology lexicon
and replace it when the match is close. Guards keep plain English intact:

- a window that already is a lexicon phrase is locked;
- a common English word is only changed as part of a multi-word lexicon phrase
  that keeps at least one of the window's words (``plural effusion`` ->
  ``pleural effusion``), never on its own;
- windows never cross punctuation, similarity thresholds are high, and the
  longest well-scored window wins.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jellyfish
from rapidfuzz import fuzz, process

from reporting.asr.vocabulary import Lexicon, Term, load_lexicon
from reporting.dictation.text import SPOKEN_MARK_WORDS

if TYPE_CHECKING:
    from reporting.asr.language_model import RadiologyLM

COMMON_ZIPF = 2.5
"""wordfreq Zipf frequency at or above which a word counts as common English."""
REAL_WORD_ZIPF = 2.0
"""Zipf frequency at or above which a word is a real (if rare) English word: a word form such
as "vasculature" or "infiltrates" is never replaced on its own."""
FUNCTION_ZIPF = 5.5
"""Words this frequent ("and", "the", "in") are never rewritten into a different word."""
NEGATIONS = frozenset({"no", "not", "without", "negative", "nor", "none", "never", "absent"})
"""Words that flip a finding's meaning: never part of a corrected window."""
# Prefix pairs whose swap reverses a finding (hypo/hyper-dense, intra/extra-axial).
_ANTONYM_PREFIXES = (("hypo", "hyper"), ("intra", "extra"), ("pre", "post"), ("ante", "retro"),
                     ("infra", "supra"), ("endo", "exo"), ("micro", "macro"))
_WORD_SUFFIXES = frozenset({"", "s", "es", "ed", "d", "ing", "ic", "is", "ive", "ure", "ures",
                            "ity", "ation", "ations", "ion", "ions", "al", "ally", "y", "ies",
                            "ous", "ate", "ates", "ated", "ly", "ia", "ial"})

MAX_WINDOW = 4
_TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[^A-Za-z]+")
_JOINERS = re.compile(r"^[ \-]+$")
_DICT_PATHS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/words"))


@dataclass(frozen=True)
class CorrectionResult:
    """Corrected text and the (from, to) replacements that were made."""

    text: str
    changes: list[tuple[str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------------
# English word knowledge (wordfreq, else a system word list, else none)
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dict_words() -> frozenset[str]:
    for path in _DICT_PATHS:
        if path.is_file():
            words = path.read_text(encoding="utf-8", errors="ignore").split()
            return frozenset(w.lower() for w in words if w.isalpha())
    return frozenset()


@lru_cache(maxsize=1)
def _zipf():  # type: ignore[no-untyped-def]
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return None
    return zipf_frequency


@lru_cache(maxsize=65536)
def english_frequency(word: str) -> float:
    """Zipf frequency of `word` in English (0 unknown); list membership counts as 3.5."""
    zipf = _zipf()
    word = word.lower()
    if zipf is not None:
        return float(zipf(word, "en"))
    return 3.5 if word in _dict_words() else 0.0


def is_common_english(word: str) -> bool:
    """True for words common enough in English that they are never corrected alone."""
    return english_frequency(word) >= COMMON_ZIPF


def english_source() -> str:
    """Which English word source is in use (for reports and benchmarks)."""
    if _zipf() is not None:
        return "wordfreq"
    if _dict_words():
        return "system word list"
    return "none"


# ---------------------------------------------------------------------------
# Lexicon index
# ---------------------------------------------------------------------------


def _key(words: Sequence[str]) -> str:
    return "".join(words)


_MEMO_SIZE = 20_000


def _remembered(memo: dict[tuple[object, ...], Any], key: tuple[object, ...],
                compute: Callable[[], Any]) -> Any:
    """`compute()`, remembered in `memo` under `key` (cleared when it grows past _MEMO_SIZE).
    Decode threads may compute one key twice; the results are equal."""
    found = memo.get(key, _MISSING)
    if found is _MISSING:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        found = memo[key] = compute()
    return found


_MISSING = object()


def _sound(text: str) -> str:
    return jellyfish.metaphone(text) if text else ""


@dataclass
class _Index:
    keys: list[str]
    terms: list[Term]
    sounds: dict[str, list[int]]
    phrases: set[tuple[str, ...]]
    words: frozenset[str]
    lexicon_words: frozenset[str]
    phrase_list: list[tuple[str, ...]] = field(default_factory=list)
    """Multi-word lexicon terms of letters only, and their sound keys (`_phrase_candidates`)."""
    phrase_sounds: list[str] = field(default_factory=list)
    never_written: frozenset[str] = frozenset()
    """Words of the lexicon's `known` section only: left alone, never a replacement."""
    hyphenated: dict[tuple[str, ...], str] = field(default_factory=dict)
    """Written forms of lexicon phrases that join words with a hyphen ("gray-white
    differentiation"), by their words: heard with spaces, they get the hyphens back (unless
    the lexicon lists the spaced form as well)."""
    memo: dict[tuple[object, ...], object] = field(default_factory=dict)
    """Candidates already found for a heard window (`_remembered`): the beam hypotheses of one
    utterance share most of their windows."""


_INDEX_CACHE: dict[int, tuple[Lexicon, _Index]] = {}


def _index_for(lexicon: Lexicon) -> _Index:
    cached = _INDEX_CACHE.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    if len(_INDEX_CACHE) > 8:
        _INDEX_CACHE.clear()
    index = _build_index(lexicon)
    _INDEX_CACHE[id(lexicon)] = (lexicon, index)
    return index


def _build_index(lexicon: Lexicon) -> _Index:
    keys: list[str] = []
    terms: list[Term] = []
    by_key: dict[str, int] = {}
    for term in [*lexicon.targets(), *dictionary_terms(), *_phrase_words(lexicon)]:
        key = _key(term.words)
        if len(key) < 4 or key in by_key:
            continue
        by_key[key] = len(keys)
        keys.append(key)
        terms.append(term)
    sounds: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        sounds.setdefault(_sound(key), []).append(i)
    phrase_list = sorted({t.words for t in lexicon.targets()
                          if len(t.words) >= 2 and all(w.isalpha() for w in t.words)})
    spaced = {t.words for t in lexicon.terms if t.written.lower() == " ".join(t.words)}
    hyphenated = {t.words: t.written for t in lexicon.terms
                  if re.search(r"[A-Za-z]-[A-Za-z]", t.written) and t.words not in spaced
                  and tuple(t.written.lower().replace("-", " ").split()) == t.words
                  and not (len(t.words) == 2 and t.words[1] in _PARTICLES)}
    targets = {w for t in lexicon.targets() for w in t.words}
    never_written = frozenset(lexicon.words - targets)
    return _Index(keys, terms, sounds, lexicon.phrases(), known_medical_words(lexicon),
                  lexicon.words, phrase_list, [_sound(_key(p)) for p in phrase_list],
                  never_written, hyphenated)


PHRASE_WORD_MIN_LENGTH = 8
"""Letters a word of a lexicon phrase needs to be a one-word target of its own."""


def _phrase_words(lexicon: Lexicon) -> list[Term]:
    """Long, uncommon words of lexicon phrases as one-word targets ("microadenoma" of
    "pituitary microadenoma"): a phrase term is often dictated without its first words.
    They are matched like the semantic dictionary's uncurated one-word targets."""
    out: list[Term] = []
    for term in lexicon.targets():
        if len(term.words) < 2:
            continue
        for word in term.words:
            if (len(word) >= PHRASE_WORD_MIN_LENGTH and word.isalpha()
                    and english_frequency(word) < REAL_WORD_ZIPF):
                out.append(Term(written=word, words=(word,), section="dictionary"))
    return out


_PARTICLES = frozenset({"up", "off", "out", "in", "on", "over", "through", "back", "down"})
"""Second words of phrasal verbs: "follow up with" is a verb, "follow-up" a noun, so a
two-word lexicon term ending in one keeps the spelling it was heard with."""


def known_medical_words(lexicon: Lexicon) -> frozenset[str]:
    """Words of the lexicon, the medwer term list and the radiology semantic dictionary."""
    words = set(lexicon.words)
    words |= _medwer_words()
    words |= _radiology_dictionary_words()
    return frozenset(words)


DICTIONARY_MIN_ENTRIES = 2
"""A radiology-semantic-dict word becomes a correction target when this many entries use it."""


@lru_cache(maxsize=1)
def dictionary_terms() -> tuple[Term, ...]:
    """Extra single-word correction targets: uncommon words of radiology-semantic-dict names.

    Words of six letters or more, not common English, used by at least
    DICTIONARY_MIN_ENTRIES finding/concept names or synonyms (CT, MR, MSK, US vocabulary
    such as "syndesmotic", "isointense", "angiomyolipoma"). They are targets of the lexicon
    pass only: they do not go into prompts, and unlike lexicon words they do not stop the
    context pass from replacing a heard word.
    """
    from collections import Counter

    from reporting.asr.language_model import semantic_dict_terms

    seen: Counter[str] = Counter()
    for term in semantic_dict_terms():
        seen.update({w.lower() for w in re.findall(r"[A-Za-z]+", term)})
    return tuple(Term(w, (w,), "dictionary") for w, n in sorted(seen.items())
                 if n >= DICTIONARY_MIN_ENTRIES and len(w) >= 6
                 and english_frequency(w) < COMMON_ZIPF)


@lru_cache(maxsize=1)
def _radiology_dictionary_words() -> frozenset[str]:
    """Uncommon words of radiology-semantic-dict's finding and concept names (protected)."""
    from reporting.asr.language_model import semantic_dict_terms

    out: set[str] = set()
    for term in semantic_dict_terms():
        out.update(w.lower() for w in re.findall(r"[A-Za-z]+", term)
                   if len(w) > 4 and english_frequency(w) < COMMON_ZIPF)
    return frozenset(out)


@lru_cache(maxsize=1)
def _medwer_words() -> frozenset[str]:
    """Single words of the medwer term list (protected from correction, not targets)."""
    try:
        import medwer
    except ImportError:
        return frozenset()
    path = Path(medwer.default_terms_path())
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        out.update(w for w in line.split() if w.isalpha() and len(w) > 3)
    return frozenset(out)


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    start: int  # index into words
    end: int  # exclusive
    term: Term
    score: float


def _similarity(window: str, target: str) -> float:
    spelled = fuzz.ratio(window, target) / 100.0
    sound_w, sound_t = _sound(window), _sound(target)
    sounded = fuzz.ratio(sound_w, sound_t) / 100.0 if sound_w and sound_t else 0.0
    return max(spelled, 0.45 * spelled + 0.55 * sounded)


def _word_close(a: str, b: str) -> bool:
    if a == b:
        return True
    sound = fuzz.ratio(_sound(a), _sound(b))
    return fuzz.ratio(a, b) >= 75 or (fuzz.ratio(a, b) >= 60 and sound >= 75)


_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "al")


def _plural_of(a: str, b: str) -> bool:
    """True when one word is the other's plural (indices/index, convexities/convexity)."""
    short, long_ = sorted((a, b), key=len)
    return (long_ in (short + "s", short + "es")
            or (short.endswith("y") and long_ == short[:-1] + "ies")
            or (short.endswith("ex") and long_ == short[:-2] + "ices")
            or (short.endswith("ix") and long_ == short[:-2] + "ices")
            or (short.endswith("us") and long_ == short[:-2] + "i")
            or (short.endswith("um") and long_ == short[:-2] + "a"))


def _inflection(a: str, b: str) -> bool:
    """True when a and b differ only by a common English suffix (veins/vein, cleared/clear)."""
    short, long_ = sorted((a, b), key=len)
    return long_.startswith(short) and long_[len(short):] in _SUFFIXES


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _extends(a: str, b: str) -> bool:
    """True when one word is the other plus a prefix ("pulmonary" / "cardiopulmonary")."""
    short, long_ = sorted((a, b), key=len)
    return long_.endswith(short) and len(long_) - len(short) >= 3


def same_stem(a: str, b: str) -> bool:
    """True when a and b share a long stem (predominate/predominantly): another word form,
    never a mishearing the context pass should swap."""
    n = _shared_prefix(a, b)
    return n >= 8 and n >= 0.75 * min(len(a), len(b))


def word_form_of(a: str, b: str) -> bool:
    """True when a and b are forms of one word (infiltrates/infiltrative, arthritic/arthritis)."""
    if a == b:
        return True
    n = _shared_prefix(a, b)
    # Back off so that a shared final letter can belong to the suffix (arthritic/arthritis).
    for stem in range(n, 4, -1):
        if a[stem:] in _WORD_SUFFIXES and b[stem:] in _WORD_SUFFIXES:
            return True
    return False


_COMBINING_PREFIXES = ("antero", "postero", "infero", "supero", "hypo", "hyper", "para", "peri",
                       "supra", "infra", "intra", "extra", "inter", "retro", "trans", "pseudo",
                       "micro", "macro", "semi", "mid", "sub", "pre", "post", "non", "bi")


def is_compound_word(word: str, known: frozenset[str]) -> bool:
    """True for a combining prefix plus a radiology word ("midlung", "anterolateral")."""
    for prefix in _COMBINING_PREFIXES:
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= 4 and rest in known:
            return True
    return False


_DERIVING_SUFFIXES = ("ally", "ly", "ity", "ness")


def derived_from(word: str, known: frozenset[str]) -> bool:
    """True for an adverb or noun made from a radiology word ("focally", "chronicity")."""
    return any(word.endswith(suffix) and word[:-len(suffix)] in known
               for suffix in _DERIVING_SUFFIXES if len(word) - len(suffix) >= 4)


def _drops_a_word(window: Sequence[str], target: Sequence[str]) -> bool:
    """True when target is the window with one or more of its words left out ("Chiari I
    malformation" is not "Chiari malformation"): a heard word is never deleted."""
    if len(target) >= len(window):
        return False
    rest = iter(window)
    return all(word in rest for word in target)


def _absorbs_leading_function_word(window: Sequence[str], target: Sequence[str],
                                   target_key: str) -> bool:
    """True when a heard function word in front ("the interior humoral line") would vanish
    into a target that does not begin with its sound ("anterior humeral line"); "a cute" may
    still become "acute" and "a symmetric" "asymmetric"."""
    first = window[0]
    if len(window) < 2 or first in target or english_frequency(first) < FUNCTION_ZIPF:
        return False
    return not (target_key.startswith(first) or _sound(first)[:1] == _sound(target_key)[:1])


def flips_meaning(window: Sequence[str], target: Sequence[str]) -> bool:
    """True when replacing window by target would swap an antonym prefix (hypo- for hyper-)
    or add or drop a negating a-/an- (calculous / acalculous, symmetric / asymmetric)."""
    for first, second in _ANTONYM_PREFIXES:
        for a, b in ((first, second), (second, first)):
            if any(t.startswith(a) for t in target) and any(
                w.startswith(b) and not w.startswith(a) for w in window
            ):
                return True
    for first, second in _OPPOSITE_FINDINGS:
        for a, b in ((first, second), (second, first)):
            if a in target and a not in window and any(
                    _similarity(w, b) > _similarity(w, a) for w in window if len(w) >= 4):
                return True  # "plastic lesion" was blastic, never lytic
    heard, meant = "".join(window), "".join(target)
    return _negated(heard, meant) or _negated(meant, heard)


_OPPOSITE_FINDINGS = (("lytic", "blastic"), ("lytic", "sclerotic"))
"""Finding words of opposite meaning: a heard word nearer one is never written as the other."""


def _negated(word: str, other: str) -> bool:
    """True when `other` is `word` with a negating prefix in front (typical / atypical,
    symmetric / asymmetric; mineralized / demineralized, where the longer one is an English
    word: "the osseous" heard as "deosseus" is no negation)."""
    for prefix in ("a", "an", "de", "dis", "un"):
        if (other.startswith(prefix) and not word.startswith(prefix) and len(word) >= 5
                and other[len(prefix):len(prefix) + 4] == word[:4]
                and (prefix in ("a", "an") or english_frequency(other) > 0)):
            return True
    return False


def _merge_candidate(window: list[str], term: Term, key: str, target: str,
                     index: _Index) -> float | None:
    """Score for a split mishearing ("medias dental" -> "mediastinal"), or None.

    Several heard words merge into a longer radiology term that sounds the same
    (metaphone keys): any words may take part except radiology words (which would
    be lost) and negations. Windows of common English words need an exact sound match.
    """
    if len(window) < 2 or len(term.words) >= len(window) or len(target) < 9:
        return None
    if window[-1] not in term.words and english_frequency(window[-1]) >= FUNCTION_ZIPF:
        return None  # "heart is is" is not "heart size": a trailing function word stays
    if window[-1] != term.words[-1] and (_plural_of(window[-1], term.words[-1])
                                         or word_form_of(window[-1], term.words[-1])):
        return None  # "the cerebral convexities" is the plural, not a merge
    changed = [w for w in window if w not in term.words]
    if not changed or any(w in NEGATIONS or w in SIDE_WORDS or (w in index.lexicon_words
                                              and english_frequency(w) < FUNCTION_ZIPF
                                              and not (len(w) >= 5 and target.endswith(w))
                                              and not _prefix_piece(w, window, target))
                          for w in changed):
        return None  # a radiology word may only merge as the stem ("pair splenic")
    others = [w for w in changed if w not in _CLAUSE_VERBS]
    if len(others) < len(changed) and all(
            w in index.words or english_frequency(w) >= REAL_WORD_ZIPF for w in others):
        return None  # a verb before real words is the sentence's: "are sclerotic" stays
    sim = _similarity(key, target)
    sound = fuzz.ratio(_sound(key), _sound(target))
    all_common = all(english_frequency(w) >= 3.0 for w in changed)
    if sim < 0.8 or sound < (100 if all_common else 90):
        return None
    # Sound explains the whole window: rank above single-word guesses inside it.
    return 0.5 * sim + 0.5 * sound / 100


def _prefix_piece(word: str, window: Sequence[str], target: str) -> bool:
    """True when `word` opens a two-word window whose second word is the stem of `target`
    and `word` stands for its combining prefix ("inner trochanteric" -> intertrochanteric):
    the prefix was heard as a word of its own."""
    if len(window) != 2 or word != window[0]:
        return False
    stem = window[1]
    if len(stem) < 5 or not target.endswith(stem):
        return False
    prefix = target[:-len(stem)]
    return (prefix in _COMBINING_PREFIXES and word != prefix and word[:1] == prefix[:1]
            and abs(len(word) - len(prefix)) <= 1 and _similarity(word, prefix) >= 0.6)


def _window_candidates(words: list[str], start: int, end: int, index: _Index,
                       known: frozenset[str], glued: bool = False) -> list[_Candidate]:
    """Lexicon terms the heard words `words[start:end]` may be a mishearing of.

    `glued`: the window is one hyphenated token of the heard text ("calcaneus-fibular"),
    i.e. the recogniser heard one word it could not spell.
    """
    window = tuple(words[start:end])
    found = _remembered(index.memo, ("window", window, glued, id(known)),
                        lambda: [(c.term, c.score) for c in
                                 _window_matches(list(window), index, known, glued)])
    return [_Candidate(start, end, term, score) for term, score in found]


def _window_matches(window: list[str], index: _Index, known: frozenset[str],
                    glued: bool) -> list[_Candidate]:
    """`_window_candidates` for one heard window (candidates span the whole window)."""
    start, end = 0, len(window)
    key = _key(window)
    if len(key) < 5:
        return []
    if tuple(window) in index.phrases:
        return []
    if any(w in NEGATIONS for w in window):
        return []
    unknown = [w for w in window if w not in known and english_frequency(w) < REAL_WORD_ZIPF
               and not is_compound_word(w, index.lexicon_words)
               and not derived_from(w, index.lexicon_words)]
    found: dict[int, float] = {}
    for _, _, i in process.extract(key, index.keys, scorer=fuzz.ratio, limit=8,
                                   score_cutoff=62):
        found[i] = 0.0
    for i in index.sounds.get(_sound(key), []):
        found[i] = 0.0
    out: list[_Candidate] = []
    for i in found:
        term = index.terms[i]
        target = index.keys[i]
        if target == key:
            if tuple(window) != term.words:  # same letters, different split/hyphens
                out.append(_Candidate(start, end, term, 1.0))
            continue
        if not 0.7 <= len(target) / len(key) <= 1.45:
            continue
        if flips_meaning(window, term.words) or _drops_a_word(window, term.words):
            continue
        if _absorbs_leading_function_word(window, term.words, target):
            continue
        merged = _merge_candidate(window, term, key, target, index)
        if merged is not None:
            out.append(_Candidate(start, end, term, merged))
            continue
        score = _similarity(key, target)
        if unknown:
            # An unknown word is in the window: any lexicon term may replace it, but
            # known words dragged along must be explained by the target.
            threshold = 0.80 if len(window) == 1 else 0.84
            if len(key) <= 6 or (term.section == "dictionary" and len(window) == 1):
                threshold = 0.9  # short words and uncurated one-word targets need a close match
            if score < threshold and not _voicing_slip(window, key, target, threshold):
                continue
            if len(window) == 1 and len(term.words) == 1 and word_form_of(key, target):
                continue  # emphysemas/emphysema: a word form, not a mishearing
            if not _covers_known_words(window, term.words, unknown):
                continue
            if len(window) == len(term.words) and all(
                    a == b or word_form_of(a, b) or _plural_of(a, b)
                    for a, b in zip(window, term.words, strict=True)):
                continue  # "cerebral convexities" is not "cerebral convexity"
            # "sterno-clavicular" is not "sternoclavicular joint": no word added (a window of
            # the target's length may end in the misheard word: "terminal elitum" -> ileum).
            if (len(window) >= 2 and len(term.words) >= 2
                    and len(window) != len(term.words)
                    and not _word_close(window[-1], term.words[-1])):
                continue
        elif len(term.words) == 1 and len(window) >= 2:
            # Known words that merge into one long term ("grand loma" -> "granuloma"):
            # never medical words themselves, never short or function words.
            if glued:
                # A compound the recogniser hyphenated because it did not know the word
                # ("calcaneus-fibular" -> calcaneofibular): its pieces may be radiology
                # words; the whole must still sound and spell like one long term.
                # Its first piece must begin the term ("tibial" / tibiotalar), so that no
                # heard word is dropped ("well-demonstrated" is not redemonstrated,
                # "end-diastolic" not diastolic).
                if (score < 0.85 or len(target) < 9 or len(window) != 2
                        or len(window[0]) < 4
                        or _shared_prefix(window[0], target) < max(3, min(4, len(window[0]) - 2))
                        or fuzz.ratio(_sound(key), _sound(target)) < 80
                        or (window[-1] in known and not target.endswith(window[-1]))):
                    continue  # "post-infection" is not postinfectious
            elif (score < 0.88 or len(target) < 8
                    or any(len(w) < 3 or w in known or english_frequency(w) >= 5.0
                           for w in window)):
                continue
        else:
            # Only known words: allowed to become a multi-word phrase that keeps one
            # of them verbatim, with every other word a close spelling/sound match.
            if len(window) < 2 or len(term.words) != len(window):
                continue
            if any(_inflection(a, b) or (a != b and a[:2] == b[:2] and a in known)
                   or (a != b and a in index.lexicon_words)
                   or (a != b and (_extends(a, b) or word_form_of(a, b)
                                   or english_frequency(a) >= FUNCTION_ZIPF
                                   or _shared_prefix(a, b) >= 6
                                   or (a[0] != b[0] and english_frequency(a) >= 3.0)))
                   for a, b in zip(window, term.words, strict=True)):
                # veins/venous, pulmonary/cardiopulmonary, and/gland, thoracic pain/spine,
                # bone narrows/marrow: not mishearings (a radiology word becoming another,
                # or a common word becoming one that starts differently, needs the context
                # pass)
                continue
            same = sum(a == b for a, b in zip(window, term.words, strict=True))
            if same == 0 or same == len(window):
                continue
            if not all(_word_close(a, b) for a, b in zip(window, term.words, strict=True)):
                continue
            if score < 0.85:
                continue
        out.append(_Candidate(start, end, term, score))
    return out


_DEVOICE = str.maketrans("BDGVZbdgvz", "PTKFSptkfs")
VOICING_MIN_SIMILARITY = 0.72
"""Similarity a non-word needs with a term whose sounds it has but for voicing."""


def _voicing_slip(window: Sequence[str], key: str, target: str, threshold: float) -> bool:
    """True when one heard non-word sounds like the target but for voiced and voiceless
    consonants ("barricolanic" -> pericolonic: B for P), a slip the spelling score alone
    ranks below real mishearings."""
    if (len(window) != 1 or threshold > 0.8 or len(key) < 8
            or english_frequency(key) > 0 or _similarity(key, target) < VOICING_MIN_SIMILARITY):
        return False
    heard, meant = _sound(key), _sound(target)
    return heard != meant and heard.translate(_DEVOICE) == meant.translate(_DEVOICE)


def _covers_known_words(window: list[str], target: tuple[str, ...], unknown: list[str]) -> bool:
    """Known words in a window must stay or be part of a merged/split word of the target."""
    if len(window) == 1:
        return True
    known_words = [w for w in window if w not in unknown]
    if not known_words:
        return True
    if any(w not in target and any(word_form_of(w, t) for t in target) for w in known_words):
        return False  # "fractures" must not become "fracture" on an unknown neighbour's account
    target_key = "".join(target)
    for word in known_words:
        if word in target:
            continue
        # Pieces like "media" + "stenom" -> "mediastinum": the known piece must be
        # nearly contained in the target spelling.
        if fuzz.partial_ratio(word, target_key) < 80:
            return False
    return True


def _written(written: str, original: str) -> str:
    """`written` capitalised like the `original` text it replaces."""
    if original[:1].isupper() and written[:1].islower():
        written = written[:1].upper() + written[1:]
    return written


def correct(
    text: str,
    *,
    lexicon: Lexicon | None = None,
    personal_rules: Mapping[str, str] | None = None,
    use_context: bool = True,
    lm: RadiologyLM | None = None,
    acoustic: AcousticCheck | None = None,
) -> CorrectionResult:
    """Fix near-miss medical words/phrases against the lexicon, then in report context.

    Results are remembered per (text, lexicon, language model, rules): a streaming final is
    corrected while its beam hypotheses are rescored and again when it reaches the report.
    With `acoustic` (the recogniser's score of a text for the audio `text` was heard from)
    a context swap is weighed by the audio too (`context_correct`); nothing is remembered.
    """
    if not text.strip():
        return CorrectionResult(text, [])
    lexicon = lexicon or load_lexicon()
    if use_context:
        from reporting.asr.language_model import load_language_model

        lm = lm or load_language_model()
    rules = tuple(sorted((personal_rules or {}).items()))
    pieces = _SENTENCE_BREAK.split(text)
    if len(pieces) > 1 and not any(_SENTENCE_END.search(wrong) for wrong, _ in rules):
        # No window or rule crosses a sentence end, so each sentence is corrected (and
        # remembered) on its own: beam hypotheses that differ in one sentence share the rest.
        changes: list[tuple[str, str]] = []
        out: list[str] = []
        for n, piece in enumerate(pieces):
            if n % 2 or not piece.strip():
                out.append(piece)  # the separator
                continue
            if acoustic is None:
                part = _correct_remembered(piece, lexicon, personal_rules, rules, use_context,
                                           lm)
            else:
                # The audio is the whole text's: a sentence is weighed between its neighbours.
                part = _correct(piece, lexicon, personal_rules, use_context, lm,
                                _within(acoustic, "".join(out), "".join(pieces[n + 1:])))
            out.append(part.text)
            changes.extend(part.changes)
        return CorrectionResult("".join(out), changes)
    if acoustic is not None:
        return _correct(text, lexicon, personal_rules, use_context, lm, acoustic)
    return _correct_remembered(text, lexicon, personal_rules, rules, use_context, lm)


AcousticCheck = Callable[[str], tuple[float, int]]
"""The recogniser's natural-log probability of a text for the audio being corrected, and
the number of tokens it was summed over (`reporting.asr.decoder.AcousticScorer`)."""


def _within(acoustic: AcousticCheck, before: str, after: str) -> AcousticCheck:
    """`acoustic` for a piece of the text, with what comes before and after it unchanged."""
    return lambda piece: acoustic(before + piece + after)


_SENTENCE_END = re.compile(r"[.!?]")
_SENTENCE_BREAK = re.compile(r"((?<=[.!?])\s+)")


def _correct_remembered(
    text: str,
    lexicon: Lexicon,
    personal_rules: Mapping[str, str] | None,
    rules: tuple[tuple[str, str], ...],
    use_context: bool,
    lm: RadiologyLM | None,
) -> CorrectionResult:
    key = (text, id(lexicon), id(lm), rules, use_context)
    with _RESULT_LOCK:
        cached = _RESULT_CACHE.get(key)
    if cached is not None and cached[0] is lexicon and cached[1] is lm:
        return CorrectionResult(cached[2].text, list(cached[2].changes))
    result = _correct(text, lexicon, personal_rules, use_context, lm)
    with _RESULT_LOCK:  # decode threads and the event loop correct at the same time
        if len(_RESULT_CACHE) >= _RESULT_CACHE_SIZE:
            _RESULT_CACHE.pop(next(iter(_RESULT_CACHE)))  # oldest first
        _RESULT_CACHE[key] = (lexicon, lm, result)
    return CorrectionResult(result.text, list(result.changes))


_RESULT_CACHE_SIZE = 256
_RESULT_LOCK = threading.Lock()
_RESULT_CACHE: dict[tuple[object, ...], tuple[Lexicon, RadiologyLM | None, CorrectionResult]] = {}


def _correct(
    text: str,
    lexicon: Lexicon,
    personal_rules: Mapping[str, str] | None,
    use_context: bool,
    lm: RadiologyLM | None,
    acoustic: AcousticCheck | None = None,
) -> CorrectionResult:
    index = _index_for(lexicon)
    changes: list[tuple[str, str]] = []
    text = _apply_personal_rules(text, personal_rules or {}, changes)
    text = split_glued_words(text, index, changes)
    text = close_up_non(text, index, changes)

    tokens = _TOKEN_RE.findall(text)
    word_pos = [i for i, t in enumerate(tokens) if t[:1].isalpha()]
    words = [tokens[i].lower() for i in word_pos]
    # Runs of words not separated by punctuation: windows stay inside a run.
    run_id: list[int] = []
    run = 0
    for n, pos in enumerate(word_pos):
        if n and not _JOINERS.match("".join(tokens[word_pos[n - 1] + 1:pos]) or "-"):
            run += 1
        run_id.append(run)

    # Words written joined to the previous one by a hyphen ("calcaneus-fibular").
    hyphen_joined = [n > 0 and "".join(tokens[word_pos[n - 1] + 1:pos]) == "-"
                     for n, pos in enumerate(word_pos)]

    known = index.words
    acronym = [len(tokens[pos]) >= 2 and tokens[pos].isupper() for pos in word_pos]
    # A letter written against a digit is part of a code ("T2", "L4-5", "3T", "M1"): never
    # part of a window ("No abnormal T2 signal" is not "No abnormality2 signal").
    locked = [tokens[pos + 1][:1].isdigit() if pos + 1 < len(tokens) else False
              for pos in word_pos]
    locked = [lock or (pos > 0 and tokens[pos - 1][-1:].isdigit())
              for lock, pos in zip(locked, word_pos, strict=True)]
    hyphens: list[tuple[int, int, str]] = []
    for n in range(len(words)):
        for size in range(MAX_WINDOW, 1, -1):
            phrase = tuple(words[n:n + size])
            if n + size <= len(words) and run_id[n + size - 1] == run_id[n] and (
                phrase in index.phrases
            ):
                for k in range(n, n + size):
                    locked[k] = True
                heard = "".join(tokens[word_pos[n]:word_pos[n + size - 1] + 1])
                if phrase in index.hyphenated and "-" not in heard:
                    hyphens.append((n, n + size, index.hyphenated[phrase]))
                break

    candidates: list[_Candidate] = []
    for start in range(len(words)):
        for end in range(start + 1, min(start + MAX_WINDOW, len(words)) + 1):
            if run_id[end - 1] != run_id[start] or any(locked[start:end]):
                break
            if all(w in known for w in words[start:end]) and end - start == 1:
                continue
            if (end - start == 1 and words[start].endswith("o") and end < len(words)
                    and hyphen_joined[end]):
                continue  # a combining form ("supero-", "gastro-") is not a word alone
            glued = (end - start >= 2 and all(hyphen_joined[start + 1:end])
                     and not (end < len(words) and hyphen_joined[end])
                     and not hyphen_joined[start])
            found = _window_candidates(words, start, end, index, known, glued)
            if any(acronym[start:end]):
                # "SUV max" is not the semantic dictionary's "suvmax": uncurated one-word
                # targets never swallow an acronym the recogniser wrote in capitals.
                found = [c for c in found if c.term.section != "dictionary"]
            candidates.extend(found)

    # Best first: higher score, then longer windows (complete phrases) win.
    candidates.sort(key=lambda c: (round(c.score, 2), c.end - c.start, len(c.term.words)),
                    reverse=True)
    taken = [False] * len(words)
    chosen: list[_Candidate] = []
    for cand in candidates:
        if any(taken[cand.start:cand.end]):
            continue
        chosen.append(cand)
        for k in range(cand.start, cand.end):
            taken[k] = True

    # Replacements right to left; exact lexicon phrases heard with spaces get their hyphens
    # back ("gray white differentiation" -> "gray-white differentiation").
    spans = [(c.start, c.end, c.term.written) for c in chosen] + hyphens
    for start, end, written in sorted(spans, reverse=True):
        first, last = word_pos[start], word_pos[end - 1]
        original = "".join(tokens[first:last + 1])
        replacement = _written(written, original)
        if original == replacement:
            continue
        tokens[first:last + 1] = [replacement]
        changes.append((original, replacement))
    changes.reverse()
    text = "".join(tokens)
    if use_context:
        text = context_correct(text, lm=lm, lexicon=lexicon, changes=changes,
                               acoustic=acoustic)
    # The user's own vocabulary has the last word: a house-style or lexicon spelling the
    # corrector wrote over a rule's result ("Crohn's disease") is put back.
    text = _apply_personal_rules(text, _repeatable(personal_rules or {}), changes)
    return CorrectionResult(text, changes)


def _repeatable(rules: Mapping[str, str]) -> dict[str, str]:
    """Rules that may run twice: those whose result does not contain what they replace
    ("effusion" -> "pleural effusion" would grow on every run)."""
    return {wrong: right for wrong, right in rules.items() if wrong.strip() and not re.search(
        rf"(?<![A-Za-z]){re.escape(wrong.strip())}(?![A-Za-z])", right, re.I)}


_GLUED_NO = re.compile(r"(?<![A-Za-z])(no)([a-z]{3,})(?![A-Za-z])", re.I)


def split_glued_words(text: str, index: _Index | None = None,
                      changes: list[tuple[str, str]] | None = None) -> str:
    """Split "Noacute" into "No acute", "Mildhallex" into "Mild hallex".

    A negation fused to a known word must not vanish; a modifier fused to a word the
    recogniser could not spell is split off when the rest is a word or a near miss of a
    lexicon term, so that correction can repair it.
    """
    index = index if index is not None else _index_for(load_lexicon())

    def split(m: re.Match[str], keep: bool) -> str:
        if keep:
            return m.group(0)
        fixed = f"{m.group(1)} {m.group(2)}"
        if changes is not None:
            changes.append((m.group(0), fixed))
        return fixed

    text = _GLUED_NO.sub(lambda m: split(m, _negation_is_part(m, index)), text)
    return _GLUED_MODIFIER.sub(lambda m: split(m, _modifier_is_part(m, index)), text)


_NON_PREFIX = re.compile(r"(?<![A-Za-z-])(non)[- ]([a-z]{4,})(?![A-Za-z-])", re.I)
_HYPHENATED_PREFIX = re.compile(
    r"(?<![A-Za-z-])(post|pre|sub|peri|para|intra|inter|infra|supra|retro|trans|hemi|micro|"
    r"macro|hypo|hyper|extra|multi|mid|re)-([a-z]{4,})(?![A-Za-z-])", re.I)
"""A prefix Whisper wrote with a hyphen ("post-treatment", "micro-hemorrhages")."""


def close_up_non(text: str, index: _Index | None = None,
                 changes: list[tuple[str, str]] | None = None) -> str:
    """Write "non-displaced" and "non displaced" as "nondisplaced" when the lexicon spells the
    word closed up (as reports and AMA style do: nonspecific, nonenhancing, noncontrast), and
    likewise a prefix Whisper hyphenated ("post-treatment" -> posttreatment, "sub-segmental"
    -> subsegmental). Hyphenated lexicon forms ("non-mass", "post-treatment") stay as
    heard."""
    index = index if index is not None else _index_for(load_lexicon())

    def close(m: re.Match[str]) -> str:
        joined = m.group(1) + m.group(2)
        prefix, stem = m.group(1).lower(), m.group(2).lower()
        if joined.lower() not in index.words or (m.group(0)[len(prefix)] == "-" and (
                (prefix, stem) in index.phrases  # written hyphenated too ("post-treatment")
                or (prefix[-1] == stem[0] and stem[0] in "aeiou"))):  # "intra-abdominal"
            return m.group(0)
        if changes is not None:
            changes.append((m.group(0), joined))
        return joined

    return _HYPHENATED_PREFIX.sub(close, _NON_PREFIX.sub(close, text))


# Modifiers Whisper fuses to the next word it cannot spell ("Likelycronic", "Mildhallex").
_GLUED_MODIFIER = re.compile(
    r"(?<![A-Za-z])(mild|mildly|moderate|moderately|marked|markedly|severe|minimal|small|"
    r"large|likely|acute|chronic|left|right|trace|focal|diffuse|stable|possible|probable)"
    r"([a-z]{4,})(?![A-Za-z])", re.I)


def _negation_is_part(m: re.Match[str], index: _Index) -> bool:
    """Whether "no" belongs to the word ("notable", "nodular") rather than being fused to it."""
    whole, rest = m.group(0), m.group(2).lower()
    if english_frequency(whole) >= 1.0 or whole.lower() in index.words:
        return True  # a real word: "notable", "nodular", "nonspecific"
    return rest not in index.words and english_frequency(rest) < 3.0


def _modifier_is_part(m: re.Match[str], index: _Index) -> bool:
    """Whether the modifier begins a real word rather than being fused to a misheard one."""
    lowered, rest = m.group(0).lower(), m.group(2).lower()
    if (english_frequency(lowered) >= 1.0 or lowered in index.words
            or is_compound_word(lowered, index.lexicon_words)):
        return True  # a real word: "rightward", "smallest", "markedly", "leftover"
    return not (rest in index.words or any(
        c.score >= 0.85 for c in _window_candidates([rest], 0, 1, index, index.words)))


def _apply_personal_rules(text: str, rules: Mapping[str, str],
                          changes: list[tuple[str, str]]) -> str:
    """Whole-word, case-insensitive user replacements ("heart sighs" -> "heart size")."""
    for wrong, right in rules.items():
        if not wrong.strip():
            continue
        pattern = re.compile(rf"(?<![A-Za-z]){re.escape(wrong.strip())}(?![A-Za-z])", re.I)

        def repl(m: re.Match[str], right: str = right) -> str:
            changes.append((m.group(0), right))
            return right

        text = pattern.sub(repl, text)
    return text


# ---------------------------------------------------------------------------
# Context correction with the radiology language model
# ---------------------------------------------------------------------------

LM_MIN_GAIN = 3.0
"""log10 gain in sentence probability a sound-alike replacement needs (1000x likelier)."""
LM_FUNCTION_GAIN = 2.0
"""Gain needed to swap a confusable function word ("edema and the condyle" -> "in the")."""
LM_INFLECTION_GAIN = 3.0
"""Gain needed to swap a word for another form of itself ("increase signal" -> "increased",
"lungs are cleared" -> "clear", "free fluids" -> "fluid")."""
LM_PLURAL_GAIN = 0.2
"""Gain the plural needs after a quantifier: grammar says plural, the model only picks the
noun ("multiple vertebral body metastasis" -> metastases, not bodies)."""
LM_MERGE_LOOSE_SIMILARITY = 0.7
"""Similarity two heard words need with one radiology word they may merge into ..."""
LM_MERGE_LOOSE_GAIN = 6.0
"""... on this gain, when their sounds are not close enough for LM_MIN_GAIN."""
LM_MIN_SIMILARITY = 0.8
"""Spelling/sound similarity a replacement must have with the heard word(s)."""
LM_LOOSE_SIMILARITY = 0.6
"""A less similar word (same first sound) may replace a heard real word on a larger gain."""
LM_LOOSE_GAIN = 5.0
"""log10 gain needed for a replacement between LM_LOOSE_SIMILARITY and LM_MIN_SIMILARITY."""
SIDE_WORDS = frozenset({"left", "right", "bilateral", "bilaterally", "unilateral"})
"""Laterality: never merged into another word ("the right lobe" is not "thyroid lobe")."""
PROTECTED = NEGATIONS | SIDE_WORDS | frozenset({
    "new", "old", "increased", "decreased", "mild", "moderate", "severe", "large", "small",
    "acute", "chronic", "normal", "abnormal", "positive", "benign", "malignant", "stable",
    "treated", "untreated"})
"""Words whose change alters a finding: never replaced, never produced by context correction."""
_PROTECTED_FORMS = frozenset({"increased", "decreased"})
"""Protected words context correction may still write for another form of themselves
("increase signal" -> "increased signal")."""
EXTRA_CANDIDATES = 3
"""Sound-alike candidates taken from words only the background LM knows (spelling and sound)."""
_FUNCTION_CONFUSIONS: dict[str, tuple[str, ...]] = {"and": ("in",), "an": ("in",)}
"""Function words Whisper writes for another one ("edema and the condyle" for "in the")."""
_LEXICON_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "sclerotic": ("cirrhotic",),
    # found by scripts/probe_audio.py (the test voice) and known from dictation at large
    "military": ("miliary",), "consultative": ("consolidative",),
    "prosthetic": ("prostatic",), "plastic": ("blastic",), "sickle": ("sagittal",),
    "masked": ("mastoid",), "systems": ("cisterns",), "visualization": ("cephalization",),
    "emotionally": ("homogeneously",), "chaotic": ("kyphotic",), "scaling": ("scalene",),
    "dialysis": ("diaphysis",), "calculus": ("calculous",),
    "basement": ("effacement",), "plat": ("plaque",), "cabin": ("cavum",),
    "natural": ("nuchal",), "labyrinth": ("labrum",), "scaffolding": ("scapholunate",),
    "sandwich": ("sphenoid",), "dismay": ("dyspnea",),
}
"""Radiology words Whisper writes for another radiology word again and again ("the liver is
sclerotic" in three liver dictations of three splits, "military nodules", "sickle images"):
swapped, like any context swap, only on the language model's gain ("prosthetic hip" and
"sickle cell" stay). Other radiology words are never swapped for each other."""
_CLAUSE_VERBS = frozenset({"is", "are", "was", "were", "appears", "appear", "remains", "remain",
                           "has", "have", "demonstrates", "shows", "measures", "measure"})
"""A verb after "and" makes it join two clauses ("no ascites and the bowel is normal")."""
_LM_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:\.\d+)?")


@dataclass
class _LmIndex:
    words: list[str]
    sounds: list[str]
    extra_words: list[str] = field(default_factory=list)
    extra_sounds: list[str] = field(default_factory=list)
    followers: dict[str, frozenset[str]] = field(default_factory=dict)
    """Words the report text has after each word ("fatty" -> atrophy, infiltration, ...)."""
    leaders: dict[str, frozenset[str]] = field(default_factory=dict)
    """Words the report text has before each word."""
    gap_fillers: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    """Words after a word and a function word ("volume of" -> ascites, fluid, ...)."""
    memo: dict[tuple[object, ...], object] = field(default_factory=dict)
    """Sound-alike words already found for a heard word (`_remembered`)."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """How often the report text uses each word."""
    prefixed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Report words that are another report word with a prefix ("cardiac" -> retrocardiac,
    pericardiac): what a stem heard after a misheard prefix may have been."""


_LM_INDEX: dict[int, tuple[object, _LmIndex]] = {}


def _lm_index(lm: RadiologyLM) -> _LmIndex:
    cached = _LM_INDEX.get(id(lm))
    if cached is not None and cached[0] is lm:
        return cached[1]
    words = sorted(w for w in lm.vocabulary if len(w) >= 4 and w.isalpha())
    extra = sorted(w for w in lm.background_vocabulary if len(w) >= 4 and w.isalpha())
    followers: dict[str, set[str]] = {}
    leaders: dict[str, set[str]] = {}
    for prev, word in lm.word_pairs():
        if len(word) >= 4 and word.isalpha():
            followers.setdefault(prev, set()).add(word)
        if len(prev) >= 4 and prev.isalpha():
            leaders.setdefault(word, set()).add(prev)
    fillers: dict[tuple[str, str], set[str]] = {}
    for first, middle, word in lm.word_triples():
        if (len(word) >= 4 and word.isalpha() and english_frequency(middle) >= FUNCTION_ZIPF
                and english_frequency(first) < FUNCTION_ZIPF):
            fillers.setdefault((first, middle), set()).add(word)
    index = _LmIndex(words, [_sound(w) for w in words], extra, [_sound(w) for w in extra],
                     {k: frozenset(v) for k, v in followers.items()},
                     {k: frozenset(v) for k, v in leaders.items()},
                     {k: frozenset(v) for k, v in fillers.items()},
                     counts=_report_counts(lm), prefixed=_prefixed_words(words))
    _LM_INDEX.clear()
    _LM_INDEX[id(lm)] = (lm, index)
    return index


PREFIX_LENGTHS = range(2, 9)
"""Letters of a prefix or combining form the recogniser may hear as a word of its own ("or
gastric", "record cardiac", "rectus sigmoid", "temporal mandibular", "cervical thoracic")."""


def _prefixed_words(words: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Stem -> words that are the stem with a prefix, among `words`."""
    vocabulary = set(words)
    found: dict[str, list[str]] = {}
    for word in words:
        for n in PREFIX_LENGTHS:
            stem = word[n:]
            if len(stem) >= 4 and stem in vocabulary:
                found.setdefault(stem, []).append(word)
    return {stem: tuple(longer) for stem, longer in found.items()}


def _report_counts(lm: RadiologyLM) -> Mapping[str, int]:
    """Word counts of the report text (the mixture's report model, else the model itself)."""
    return dict(getattr(lm, "report", lm).counts)


def _sound_alikes(key: str, index: _LmIndex) -> frozenset[str]:
    """Report words spelled or sounding like `key`, plus a few background-only words."""
    return _remembered(index.memo, ("sound-alikes", key),  # type: ignore[no-any-return]
                       lambda: frozenset(_find_sound_alikes(key, index)))


def _find_sound_alikes(key: str, index: _LmIndex) -> set[str]:
    found: set[str] = set()
    sound = _sound(key)
    for words, sounds, limit in ((index.words, index.sounds, 6),
                                 (index.extra_words, index.extra_sounds, EXTRA_CANDIDATES)):
        if not words:
            continue
        found |= {words[i] for i in _nearest(key, words, limit, 65)}
        if sound:
            found |= {words[i] for i in _nearest(sound, sounds, limit, 80)}
    return found


def _context_alikes(words: list[str], i: int, index: _LmIndex) -> set[str]:
    """Words the report text puts between the neighbours of words[i] that are spelled or
    sound somewhat like it ("fatty apathy of" -> atrophy): candidates the nearest-spelling
    search misses when Whisper heard another real word."""
    word = words[i]
    seen: set[str] = set()
    # Function words predict too much to say anything ("the" is followed by most words).
    if i > 0 and english_frequency(words[i - 1]) < FUNCTION_ZIPF:
        seen |= index.followers.get(words[i - 1], frozenset())
    elif i > 1:
        seen |= index.gap_fillers.get((words[i - 2], words[i - 1]), frozenset())
    if i + 1 < len(words) and english_frequency(words[i + 1]) < FUNCTION_ZIPF:
        seen |= index.leaders.get(words[i + 1], frozenset())
    return {alt for alt in seen if _similarity(word, alt) >= LM_LOOSE_SIMILARITY}


_INFLECTIONS = (("", "s"), ("", "es"), ("", "ed"), ("", "d"), ("is", "es"), ("y", "ies"))
"""(singular or base ending, other ending) pairs of one word's forms; Whisper often hears the
one for the other ("free fluids", "increase signal", "the lungs are cleared")."""
RARE_FORM_COUNT = 2
"""A heard word form the report text uses at most this often ("fluids", "cleared") ..."""
COMMON_FORM_COUNT = 10
"""... may become a form of it used at least this often; both forms common ("fracture" /
"fractures", "radiograph" / "radiographs") is grammar the trigram model cannot judge."""
FORM_RATIO = 20
"""Or the other form is this many times as common as the heard one."""


def _word_forms(word: str, counts: Mapping[str, int]) -> list[str]:
    """Other forms of `word` (plural, singular, past participle) the report text uses."""
    if len(word) < 4:
        return []
    forms = set()
    for short, long_ in _INFLECTIONS:
        if word.endswith(short):
            forms.add(word[:len(word) - len(short)] + long_)
        if word.endswith(long_):
            forms.add(word[:len(word) - len(long_)] + short)
    return sorted(f for f in forms if f != word and len(f) >= 4 and counts.get(f, 0)
                  and f not in PROTECTED.difference(_PROTECTED_FORMS))


def _inflection_candidates(words: list[str], i: int,
                           counts: Mapping[str, int]) -> list[tuple[int, str, float]]:
    """Other forms of words[i] worth a context swap: one the report text uses far more often
    than the heard form, or the plural after a quantifier ("multiple vertebral body
    metastasis" -> metastases)."""
    word = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if _after_auxiliary(words, i):
        return []  # "does not enlarge", "to abut": the base form is the grammatical one
    heard = counts.get(word, 0)
    quantified = _after_quantifier(words, i)
    out: list[tuple[int, str, float]] = []
    for alt in _word_forms(word, counts):
        if _breaks_agreement(word, alt, nxt):
            continue
        plural = ((_plural_of(word, alt) and len(alt) > len(word))
                  or (word.endswith("is") and alt.endswith("es")))
        if quantified and plural:
            out.append((1, alt, LM_PLURAL_GAIN))
        elif ((heard <= RARE_FORM_COUNT and counts[alt] >= COMMON_FORM_COUNT)
              or heard * FORM_RATIO <= counts[alt]):
            out.append((1, alt, LM_INFLECTION_GAIN))
    return out


_AUXILIARIES = frozenset({"to", "does", "do", "did", "can", "could", "may", "might", "will",
                          "would", "should", "must"})


def _after_auxiliary(words: list[str], i: int) -> bool:
    """True when words[i] follows an auxiliary or "to" (with a "not" between or none)."""
    before = words[max(0, i - 2):i]
    if before[-1:] == ["not"]:
        before = before[:-1]
    return bool(before) and before[-1] in _AUXILIARIES


_QUANTIFIERS = frozenset({"multiple", "numerous", "several", "innumerable", "few", "many",
                          "various", "two", "three", "four", "five"})
_NOUN_PHRASE_BREAKS = frozenset({"of", "in", "with", "within", "and", "or", "at", "along",
                                 "is", "are", "was", "were", "to", "from", "the", "a", "an"})


def _after_quantifier(words: list[str], i: int) -> bool:
    """True when words[i] closes a noun phrase that begins with a quantifier, at most three
    words back ("multiple enlarged lymph node")."""
    for back in range(i - 1, max(-1, i - 4), -1):
        if words[back] in _QUANTIFIERS:
            return True
        if words[back] in _NOUN_PHRASE_BREAKS:
            return False
    return False


_PLURAL_VERBS = frozenset({"are", "were", "have", "remain", "appear", "demonstrate", "show",
                           "measure"})
_SINGULAR_VERBS = frozenset({"is", "was", "has", "remains", "appears", "demonstrates", "shows",
                             "measures"})


def _breaks_agreement(word: str, alt: str, verb: str) -> bool:
    """True when swapping a noun's number would disagree with the verb after it ("the discs
    are" stays plural, "the disc is" singular)."""
    plural_heard = word.endswith("s") and not alt.endswith("s")
    plural_meant = alt.endswith("s") and not word.endswith("s")
    return ((plural_heard and verb in _PLURAL_VERBS)
            or (plural_meant and verb in _SINGULAR_VERBS))


def _nearest(query: str, choices: list[str], limit: int, cutoff: float) -> list[int]:
    """Indexes of the `limit` choices closest to `query`, and any tied with the last one
    (a cut inside a tie would depend on the alphabet, and change when the lexicon grows)."""
    ranked = process.extract(query, choices, scorer=fuzz.ratio, limit=None,
                             score_cutoff=cutoff)
    if len(ranked) <= limit:
        return [i for _, _, i in ranked]
    last = ranked[limit - 1][1]
    return [i for _, score, i in ranked if score >= last]


_LOCATION_PREFIXES = ("intra", "extra", "retro", "ante", "antero", "postero", "pre", "post",
                      "supra", "infra", "sub", "hypo", "hyper", "endo", "exo", "inter", "trans")


def swaps_location_prefix(a: str, b: str) -> bool:
    """True when a and b are one stem with different location prefixes (intra-/retro-)."""
    for pa in _LOCATION_PREFIXES:
        for pb in _LOCATION_PREFIXES:
            if pa != pb and a.startswith(pa) and b.startswith(pb) and a[len(pa):] == b[len(pb):]:
                return True
    return False


def _may_stand_for(word: str, alt: str) -> bool:
    """Whether a heard word may be a mishearing of `alt` (one word for one word): of a like
    length, not another form or stem of it, and no finding word, meaning or location
    changed."""
    return not (alt == word or len(alt) < 5 or not 0.75 <= len(alt) / len(word) <= 1.4
                or alt in PROTECTED or word_form_of(word, alt) or same_stem(word, alt)
                or _inflection(word, alt) or _extends(word, alt)
                or flips_meaning([word], [alt]) or swaps_location_prefix(word, alt))


def _lm_candidates(words: list[str], i: int, index: _LmIndex,
                   known: frozenset[str]) -> list[tuple[int, str, float]]:
    """(window length, replacement, log10 gain needed) options for the word(s) at i."""
    word = words[i]
    out: list[tuple[int, str, float]] = []
    if word in PROTECTED or not word.isalpha():
        return out
    # "and" before a verb may join two clauses ("no ascites and the bowel is normal"): then
    # only a large gain swaps it ("tree and bud nodules are seen" -> tree-in-bud).
    clause = word == "and" and bool(_CLAUSE_VERBS.intersection(words[i + 1:]))
    out.extend((1, alt, LM_LOOSE_GAIN if clause else LM_FUNCTION_GAIN)
               for alt in _FUNCTION_CONFUSIONS.get(word, ()))
    if word == "in" and i + 1 < len(words) and words[i + 1] in _CLAUSE_VERBS:
        out.append((1, "and", LM_FUNCTION_GAIN))  # "anteverted in measures 9 cm": "and"
    out.extend(_inflection_candidates(words, i, index.counts))
    out.extend((1, alt, LM_MIN_GAIN) for alt in _LEXICON_CONFUSIONS.get(word, ()))
    if (len(word) >= 5 and english_frequency(word) < FUNCTION_ZIPF and word not in known
            and not derived_from(word, known)):
        # Words of the radiology lexicon (and adverbs or nouns made from them: "focally")
        # are never swapped for another one here.
        for alt in _sound_alikes(word, index) | _context_alikes(words, i, index):
            if not _may_stand_for(word, alt):
                continue
            sim = _similarity(word, alt)
            if sim >= LM_MIN_SIMILARITY:
                out.append((1, alt, LM_MIN_GAIN))
            elif (sim >= LM_LOOSE_SIMILARITY and _sound(word)[:1] == _sound(alt)[:1]
                  and english_frequency(word) >= REAL_WORD_ZIPF and word not in known):
                # A real word heard for a radiology word ("pubic synthesis"): non-words
                # are the lexicon corrector's job.
                out.append((1, alt, LM_LOOSE_GAIN))
    if i + 1 < len(words):
        out.extend(_prefix_candidates(word, words[i + 1], index))
        nxt = words[i + 1]
        key = word + nxt
        # Two heard words that sound like one term ("of sites" -> ascites); a trailing
        # function word ("contains a") is never absorbed.
        if (nxt.isalpha() and nxt not in PROTECTED and len(key) >= 7
                and english_frequency(nxt) < FUNCTION_ZIPF
                and not SPOKEN_MARK_WORDS.intersection((word, nxt))):
            # A content word and a non-word may come with a syllable too many ("vessel genic"
            # -> vasogenic); two real words, or a function word, must spell out the term.
            slack = 2 if (english_frequency(nxt) < REAL_WORD_ZIPF
                          and english_frequency(word) < FUNCTION_ZIPF) else 1
            for alt in _sound_alikes(key, index):
                if (len(alt) < max(7, len(key) - slack) or alt in (word, nxt)
                        or flips_meaning([word, nxt], [alt])):
                    continue
                sim = _similarity(key, alt)
                if (nxt not in known and sim >= LM_MIN_SIMILARITY
                        and fuzz.ratio(_sound(key), _sound(alt)) >= 85):
                    # Two real words ("there is perceptible") are a sentence already: only a
                    # merge the model finds a million times likelier replaces them.
                    real = min(english_frequency(word), english_frequency(nxt))
                    if real < COMMON_ZIPF:
                        out.append((2, alt, LM_MIN_GAIN))
                    elif word not in _CLAUSE_VERBS:
                        out.append((2, alt, LM_MERGE_LOOSE_GAIN))
                elif (alt in known and sim >= LM_MERGE_LOOSE_SIMILARITY
                        and word not in _CLAUSE_VERBS  # "are sclerotic" is no atherosclerotic
                        # a term the report text uses, not one it names once in passing
                        and index.counts.get(alt, 0) > RARE_FORM_COUNT
                        and english_frequency(word) >= FUNCTION_ZIPF
                        and _begin_alike(key, alt) and (nxt not in known or alt.endswith(nxt))
                        and (english_frequency(nxt) >= REAL_WORD_ZIPF
                             or fuzz.ratio(_sound(key), _sound(alt)) >= 70)):
                    # A function word heard for the first syllable: "a faceman" ->
                    # effacement, "of sites" -> ascites, "its lateral" -> ipsilateral. The
                    # sounds are too far apart to trust alone; the model must find the
                    # radiology word a million times likelier, and a non-word after the
                    # function word (whose unknown spelling inflates any gain) must still
                    # sound like it ("a rosical" is not acromial).
                    out.append((2, alt, LM_MERGE_LOOSE_GAIN))
    return out


PREFIX_MIN_SIMILARITY = 50
"""Spelling or sound similarity (0-100) a heard word needs with the prefix it stands for."""
PREFIX_FUNCTION_SIMILARITY = 75
"""... and a function word ("or" for oro-), which could stand for much else."""
PREFIX_FUNCTION_ZIPF = 6.0
"""Words this common (or, in, and, the) are function words here: "both" (5.8) is not."""


_DIRECTIONS = frozenset({"anterior", "posterior", "superior", "inferior", "medial", "lateral",
                         "proximal", "distal", "ventral", "dorsal", "cranial", "caudal"})
"""Direction words said in full: "anterior inferior labrum" is how it was dictated, not a
heard-apart "anteroinferior" (the combining form alone, "postero lateral", still joins)."""


def _prefix_candidates(word: str, nxt: str, index: _LmIndex) -> list[tuple[int, str, float]]:
    """A prefix or combining form heard as a word of its own before its stem: "record
    cardiac" -> retrocardiac, "both surgical" -> postsurgical, "or gastric tube" ->
    orogastric, "rectus sigmoid" -> rectosigmoid, "temporal mandibular" -> temporomandibular.

    The stem must be heard exactly, the prefixed word must be in the model's vocabulary, and
    the heard word must begin like the prefix and spell or sound like it; the language model
    then decides, with the loose merge gain when the heard word is a function word that is
    not the prefix itself ("esophageal or gastric" stays).
    """
    if (not word.isalpha() or not nxt.isalpha() or word in PROTECTED or nxt in PROTECTED
            or word in _CLAUSE_VERBS or SPOKEN_MARK_WORDS.intersection((word, nxt))
            or word in _DIRECTIONS):
        return []
    out: list[tuple[int, str, float]] = []
    function_word = english_frequency(word) >= PREFIX_FUNCTION_ZIPF
    for alt in index.prefixed.get(nxt, ()):
        prefix = alt[:len(alt) - len(nxt)]
        if (alt in PROTECTED or len(word) > len(prefix) + 2
                or flips_meaning([word, nxt], [alt])):
            continue  # "PA lateral" is no bilateral, "pancreas transplant" no peritransplant
        if word != prefix and _has_antonym(prefix, nxt, index.prefixed[nxt]):
            continue  # "high densities": hypo- or hyper-? The sound cannot tell.
        spelled = fuzz.ratio(word, prefix)
        sounded = fuzz.ratio(_sound(word).translate(_DEVOICE), _sound(prefix).translate(_DEVOICE))
        heard_like = (max(spelled, sounded) >= PREFIX_MIN_SIMILARITY
                      and _begin_alike(word.translate(_DEVOICE), prefix.translate(_DEVOICE)))
        if function_word:
            heard_like = heard_like and spelled >= PREFIX_FUNCTION_SIMILARITY
        if heard_like:
            out.append((2, alt, LM_MERGE_LOOSE_GAIN if function_word and word != prefix
                        else LM_MIN_GAIN))
    return out



def _has_antonym(prefix: str, stem: str, words: Sequence[str]) -> bool:
    """True when the stem with the opposite prefix is a word too (hypodense / hyperdense)."""
    for first, second in _ANTONYM_PREFIXES:
        for mine, other in ((first, second), (second, first)):
            if prefix.startswith(mine) and other + prefix[len(mine):] + stem in words:
                return True
    return False


def _begin_alike(a: str, b: str) -> bool:
    """True when a and b begin with the same consonant, or both with a vowel ("a faceman" /
    effacement, "of sites" / ascites)."""
    vowels = "aeiou"
    return a[:1] == b[:1] or (a[:1] in vowels and b[:1] in vowels)


PHRASE_MIN_SOUND = 85
"""Sound-key similarity (0-100) a heard window needs with a lexicon phrase to be replaced."""


def _phrase_candidates(words: list[str], i: int, index: _Index) -> list[tuple[int, str, float]]:
    """Lexicon phrases that heard words starting at i sound like ("with the normal limits" ->
    "within normal limits", "common bowel duct" -> "common bile duct").

    Whisper often hears a radiology phrase as other real words, some of them radiology
    words themselves, which the one-word candidates never swap. A phrase must share a word
    with the heard window, begin and end like it, keep its negations and finding words
    (`PROTECTED`) as they are, differ only where a part sounds like its counterpart
    (`_misheard_parts`), and still needs the language model's gain.
    """
    if not index.phrase_list:
        return []
    heard = tuple(words[i:i + MAX_WINDOW])
    return _remembered(index.memo, ("phrases", heard),  # type: ignore[no-any-return]
                       lambda: _find_phrases(list(heard), index))


def _find_phrases(heard: list[str], index: _Index) -> list[tuple[int, str, float]]:
    """`_phrase_candidates` for the heard words from the first one on."""
    out: list[tuple[int, str, float]] = []
    for size in range(2, MAX_WINDOW + 1):
        window = heard[:size]
        if len(window) < size or not all(w.isalpha() for w in window):
            break
        if tuple(window) in index.phrases:
            continue
        key = _key(window)
        sound = _sound(key)
        if len(key) < 8 or not sound:
            continue
        protected = sorted(w for w in window if w in PROTECTED)
        for _, _score, n in process.extract(sound, index.phrase_sounds, scorer=fuzz.ratio,
                                           limit=5, score_cutoff=PHRASE_MIN_SOUND):
            phrase = index.phrase_list[n]
            if (phrase == tuple(window) or not set(phrase) & set(window)
                    or any(w in _CLAUSE_VERBS and w not in phrase for w in window)
                    or not _word_close(window[0], phrase[0])
                    or not (_word_close(window[-1], phrase[-1])
                            or _sounds_begin_alike(window[-1], phrase[-1]))
                    or sorted(w for w in phrase if w in PROTECTED) != protected
                    or flips_meaning(window, phrase)
                    or _similarity(key, _key(phrase)) < LM_MIN_SIMILARITY
                    or not _misheard_parts(window, phrase)):
                continue
            out.append((size, " ".join(phrase), LM_MIN_GAIN))
    return out


def _sounds_begin_alike(heard: str, meant: str) -> bool:
    """A heard word that begins with the sounds of the phrase's last word ("acetabular
    labyrinth" for "acetabular labrum"): Whisper completes a word it knows."""
    return len(meant) >= 5 and len(_sound(meant)) >= 3 and _sound(heard)[:3] == _sound(meant)[:3]


def _misheard_parts(window: Sequence[str], phrase: Sequence[str]) -> bool:
    """True when every part of `window` that differs from `phrase` sounds like its
    counterpart and is not another form of it: "bowel" for "bile" is a mishearing,
    "fractures" for "fracture" or "aorta is aneurysmal" for "aortic aneurysm" is wording."""
    matcher = difflib.SequenceMatcher(a=list(window), b=list(phrase), autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        heard, meant = window[a0:a1], phrase[b0:b1]
        if not heard or not meant or len(heard) > 2 or len(meant) > len(heard):
            return False
        if len(heard) > len(meant) and sum(
                english_frequency(h) < FUNCTION_ZIPF for h in heard) > len(meant):
            return False  # only a function word may merge away ("with the" -> "within")
        if any(word_form_of(h, m) or _inflection(h, m) or _extends(h, m)
               or (len(heard) == len(meant) == 1 and h[:4] == m[:4])
               for h in heard for m in meant):
            return False
        joined_h, joined_m = _key(heard), _key(meant)
        sounded = fuzz.ratio(_sound(joined_h), _sound(joined_m))
        if max(fuzz.ratio(joined_h, joined_m), sounded) < 60:
            return False
    return True


def _combining_form(text: str, match: re.Match[str] | _MergedMatch) -> bool:
    """A word ending in "o" written hyphenated to the next ("cranio-", "spleno-")."""
    word = text[match.start():match.end()]
    return word.endswith("o") and text[match.end():match.end() + 1] == "-"


CONTEXT_SWEEPS = 3
"""Context passes over a text at most: a swap can make an earlier one worth it ("normal and
calibrary" -> "caliber" on the first pass, then "and" -> "in" on the second)."""


def context_correct(text: str, *, lm: RadiologyLM | None = None,
                    lexicon: Lexicon | None = None,
                    changes: list[tuple[str, str]] | None = None,
                    acoustic: AcousticCheck | None = None) -> str:
    """Swap sound-alike words the radiology language model finds far likelier in context.

    Left to right, one word (or merged pair, or phrase) at a time; a text that changed is
    swept again, until nothing changes or after `CONTEXT_SWEEPS` sweeps.

    With `acoustic`, a swap is also weighed by the recogniser's own score of the text with
    and without it, on the scale N-best rescoring uses (`ACOUSTIC_LM_WEIGHT`): a swap the
    audio supports may fall short of its language-model bar by `ACOUSTIC_RELIEF` ("butts"
    -> abuts), swaps the corrector never proposes on the model alone are weighed
    (`_audio_candidates`: "sesamoid colon" -> sigmoid, "pair of intraocular" ->
    periventricular), and among several swaps for one place the best weighed one is made.
    """
    from reporting.asr.language_model import load_language_model

    if not text.strip():
        return text
    lm = lm or load_language_model()
    lexicon = lexicon or load_lexicon()
    for _ in range(CONTEXT_SWEEPS):
        swept = _context_sweep(text, lm, lexicon, changes, acoustic)
        if swept == text:
            break
        text = swept
    return text


def _context_sweep(text: str, lm: RadiologyLM, lexicon: Lexicon,
                   changes: list[tuple[str, str]] | None,
                   acoustic: AcousticCheck | None = None) -> str:
    """One left-to-right pass of `context_correct`."""
    from reporting.asr.language_model import NUMBER

    index = _lm_index(lm)
    lexicon_index = _index_for(lexicon)
    known = lexicon_index.lexicon_words
    parts = re.split(r"((?<=[.!?;:])\s+|\n+)", text)
    out: list[str] = []
    for k, part in enumerate(parts):
        matches = list(_LM_WORD_RE.finditer(part))
        if len(matches) < 2:
            out.append(part)
            continue
        words = [NUMBER if m.group(0)[0].isdigit() else m.group(0).lower() for m in matches]
        spans: list[tuple[int, int, str] | None] = [None] * len(words)
        fit = None if acoustic is None else _PartFit(acoustic, "".join(out), part,
                                                     "".join(parts[k + 1:]))
        i = 0
        while i < len(words):
            if _combining_form(part, matches[i]):
                i += 1  # "supero-inferior", "gastro-hepatic": a prefix, not a misheard word
                continue
            if i and words[i - 1] == "non":
                i += 1  # "non-compliant" is a word with a prefix, not "non-complicated"
                continue
            base = lm.sentence_logprob(_flat(words))
            best: tuple[float, int, str] | None = None
            proposed = [*_lm_candidates(words, i, index, known),
                        *_phrase_candidates(words, i, lexicon_index)]
            heard_only = [] if fit is None else [
                c for c in _audio_candidates(words, i, index, known) if c not in proposed]
            for size, alt, need in [*proposed, *heard_only]:
                if alt in lexicon_index.never_written:
                    continue  # a known word, but not one the corrector writes
                if size > 1 and tuple(words[i:i + size]) in lexicon_index.phrases:
                    continue  # a lexicon phrase heard as it is ("erosive arthritis") stays
                if size > 1 and not _spaced_only(part, matches[i:i + size]) and not (
                        size == 2 and _broken_at_comma(part, matches[i], matches[i + 1],
                                                       known)):
                    continue  # words are never merged across a comma, quote or bracket
                trial = [*words[:i], alt, *words[i + size:]]
                gain = lm.sentence_logprob(_flat(trial)) - base
                audio_first = (size, alt, need) in heard_only
                value = gain if fit is None else fit.weigh(
                    gain, need, matches, spans, i, size, alt, audio_first=audio_first,
                    # a merge or a lengthened word, not one radiology word for another
                    lenient=audio_first and (size > 1 or alt.startswith(words[i])))
                if value is not None and (gain >= need or fit is not None) and (
                        best is None or value > best[0]):
                    best = (value, size, alt)
            if best is None:
                i += 1
                continue
            _, size, alt = best
            spans[i] = (i, i + size, alt)
            words[i:i + size] = [alt]
            matches[i:i + size] = [_MergedMatch(matches[i].start(), matches[i + size - 1].end())]
            spans[i + 1:i + size] = []
            i += 1
        tokens, made = _apply_spans(part, matches, spans)
        out.append(tokens)
        if changes is not None:
            changes.extend(made)
    return "".join(out)


def _apply_spans(part: str, matches: Sequence[re.Match[str] | _MergedMatch],
                 spans: Sequence[tuple[int, int, str] | None]) -> tuple[str, list[tuple[str, str]]]:
    """`part` with each span's word written over its match (capitalised like the heard
    word), and the (heard, written) pairs."""
    made: list[tuple[str, str]] = []
    for n in range(len(spans) - 1, -1, -1):
        span = spans[n]
        if span is None:
            continue
        m = matches[n]
        original = part[m.start():m.end()]
        replacement = span[2]
        if original[:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        part = part[:m.start()] + replacement + part[m.end():]
        made.insert(0, (original, replacement))
    return part, made


ACOUSTIC_LM_WEIGHT = 1.0
"""Natural-log units of audio score one log10 unit of language-model gain is worth, times
ln 10: the weight N-best rescoring gives the model (`reporting.asr.rescoring.LM_WEIGHT`)."""
ACOUSTIC_RELIEF = 2.5
"""log10 gain a swap may fall short of its bar by when the audio prefers it."""
ACOUSTIC_PREFERS = 0.5
"""How much likelier (natural log) the audio must find a swap than what was heard, for a
swap the language model alone would not make."""
ACOUSTIC_DOUBT = 4.0
"""How much less likely (natural log) the audio may find a merge or lengthened word proposed
for the audio (`_audio_candidates`) than what was heard, when the model gains its full bar.
At 5.0, letting radiology-word swaps through as well, a clean split lost a word."""
AUDIO_MERGE_MIN_LENGTH = 9
"""Letters a term needs to stand for three heard words."""
AUDIO_PAIR_MIN_LENGTH = 8
"""Letters a term needs to stand for two heard words the model alone would not merge."""
AUDIO_PAIR_SIMILARITY = 0.75
"""Spelling/sound similarity two heard words need with the term they are merged into."""
EVERYDAY_ZIPF = 4.0
"""A lexicon word this common in English ("core", "pack") may be a piece of a misheard term."""


def _audio_candidates(words: list[str], i: int, index: _LmIndex,
                      known: frozenset[str]) -> list[tuple[int, str, float]]:
    """Swaps proposed only when the audio can vote (`context_correct` with `acoustic`):

    - a radiology word heard as another radiology word that sounds somewhat like it
      ("sesamoid diverticulosis" for sigmoid), which the language model alone may not
      decide (other radiology words are never swapped for each other);
    - two or three heard words that sound like one term ("radio pack" -> radiopaque,
      "core co humeral" -> coracohumeral, "no paraphrase that a lucency" ->
      periprosthetic);
    - an everyday word heard for a radiology word without its ending ("left front lobe"
      -> frontal).

    All still need the model's full gain. A radiology word swapped for another needs the
    audio to prefer the swap itself; a merge or a lengthened word only must not be far less
    likely to the audio (`ACOUSTIC_DOUBT`): Whisper's score leans to the pieces it wrote.
    """
    out: list[tuple[int, str, float]] = []
    word = words[i]
    if (word.isalpha() and len(word) >= 5 and word not in PROTECTED
            and (word in known or derived_from(word, known))):
        out.extend((1, alt, LM_MIN_GAIN) for alt in _sound_alikes(word, index)
                   if alt in known and _may_stand_for(word, alt)
                   and _similarity(word, alt) >= LM_LOOSE_SIMILARITY)
    if (word.isalpha() and len(word) >= 4 and word not in PROTECTED
            and (word not in known or english_frequency(word) >= EVERYDAY_ZIPF)
            and english_frequency(word) < FUNCTION_ZIPF and word not in _CLAUSE_VERBS):
        # An everyday word heard for a radiology word without its ending ("left front lobe"
        # -> frontal): the other candidates never lengthen a word.
        out.extend((1, alt, LM_MIN_GAIN) for alt in _lengthened(word, index)
                   if alt in known and not flips_meaning([word], [alt]))
    for size, min_length, min_similarity in ((2, AUDIO_PAIR_MIN_LENGTH, AUDIO_PAIR_SIMILARITY),
                                             (3, AUDIO_MERGE_MIN_LENGTH, LM_LOOSE_SIMILARITY)):
        heard = words[i:i + size]
        # The first heard word begins the mishearing: no radiology word ("heterogeneously in
        # this" is not heterogeneous) unless an everyday one too ("core co humeral"), and no
        # function word ("in this patient" is no indistinct).
        if (len(heard) == size and all(w.isalpha() for w in heard)
                and (heard[0] not in known or english_frequency(heard[0]) >= EVERYDAY_ZIPF)
                and english_frequency(heard[0]) < FUNCTION_ZIPF
                and not PROTECTED.intersection(heard) and not SPOKEN_MARK_WORDS.intersection(heard)
                and not _CLAUSE_VERBS.intersection(heard)):
            key = "".join(heard)
            for alt in _sound_alikes(key, index):
                if (len(alt) >= min_length and alt in known and alt not in heard
                        and _begin_alike(key, alt) and not flips_meaning(heard, [alt])
                        and _similarity(key, alt) >= min_similarity):
                    out.append((size, alt, LM_MIN_GAIN))
    return out


AUDIO_ENDING_LETTERS = 3
"""Letters a heard word may lack at its end for the radiology word it stands for."""
_PLAIN_ENDINGS = frozenset({"s", "es", "d", "ed", "ing", "ly", "er", "ers"})
"""Endings that make another form of the same word, not another word ("front" / fronts)."""


def _lengthened(word: str, index: _LmIndex) -> list[str]:
    """Report words that are `word` with up to `AUDIO_ENDING_LETTERS` more letters, other
    than its inflections ("front" -> frontal, not fronts)."""
    start = bisect.bisect_left(index.words, word)
    out: list[str] = []
    for alt in index.words[start:]:
        if not alt.startswith(word):
            break
        if (0 < len(alt) - len(word) <= AUDIO_ENDING_LETTERS
                and alt[len(word):] not in _PLAIN_ENDINGS):
            out.append(alt)
    return out


@dataclass
class _PartFit:
    """Weighs swaps in one part of a text by the recogniser's score of the whole text."""

    acoustic: AcousticCheck
    before: str
    part: str
    after: str

    def weigh(self, gain: float, need: float,
              matches: Sequence[re.Match[str] | _MergedMatch],
              spans: Sequence[tuple[int, int, str] | None], i: int, size: int,
              alt: str, *, audio_first: bool = False, lenient: bool = False) -> float | None:
        """The swap's weighed score (audio + `ACOUSTIC_LM_WEIGHT` x model gain), or None
        when it is not to be made.

        A swap with the model's full gain is made as without the audio, the score only
        ranking it among others: spellings that sound alike ("calculus" / calculous,
        "hiller" / hilar) and a smaller model's weaker ear made an audio veto cost more
        than it saved. A swap up to `ACOUSTIC_RELIEF` short of its bar, or an `audio_first`
        one (`_audio_candidates`, which needs its full gain), is made only when the audio
        itself prefers it by `ACOUSTIC_PREFERS`: model and audio agree. A `lenient` one
        (an audio-first merge or lengthened word with its full gain) is made unless the
        audio finds it more than `ACOUSTIC_DOUBT` less likely: on the fixtures Whisper
        scored "radio pack" 3.8 and "front" 3.0 above radiopaque and frontal, and the
        wrong merges it was offered ("core co" -> coracoid, "suggest a piece" ->
        suggestive) 18 to 38 below.
        """
        if gain <= 0:
            return None
        lm = ACOUSTIC_LM_WEIGHT * math.log(10) * gain
        relief = 0.0 if audio_first else ACOUSTIC_RELIEF
        if gain < need - relief:
            return None
        audio = self._audio_gain(matches, spans, i, size, alt)
        if lenient and gain >= need:
            if audio < -ACOUSTIC_DOUBT:
                return None
        elif (audio_first or gain < need) and audio < ACOUSTIC_PREFERS:
            return None
        return audio + lm

    def _audio_gain(self, matches: Sequence[re.Match[str] | _MergedMatch],
                    spans: Sequence[tuple[int, int, str] | None], i: int, size: int,
                    alt: str) -> float:
        """Recogniser's log-probability of the part with words i..i+size as `alt` against
        the part as it stands (earlier swaps made), per token times the tokens it has."""
        trial_spans = [*spans[:i], (i, i + size, alt), *spans[i + size:]]
        trial_matches = [*matches[:i],
                         _MergedMatch(matches[i].start(), matches[i + size - 1].end()),
                         *matches[i + size:]]
        now, _ = _apply_spans(self.part, matches, spans)
        trial, _ = _apply_spans(self.part, trial_matches, trial_spans)
        (trial_total, trial_n), (now_total, now_n) = (self._score(trial), self._score(now))
        # Per token, as Whisper's beam ranks readings (a sum favours the shorter one: fewer
        # tokens, fewer log-probabilities), over the length of the text as it stands.
        return (trial_total / max(1, trial_n) - now_total / max(1, now_n)) * now_n

    def _score(self, part: str) -> tuple[float, int]:
        return self.acoustic(self.before + part + self.after)


def _spaced_only(text: str, matches: Sequence[re.Match[str] | _MergedMatch]) -> bool:
    """True when only spaces or hyphens separate the matched words in `text`."""
    return all(_JOINERS.match(text[a.end():b.start()] or " ")
               for a, b in itertools.pairwise(matches))


def _broken_at_comma(text: str, a: re.Match[str] | _MergedMatch, b: re.Match[str] | _MergedMatch,
                     known: frozenset[str]) -> bool:
    """True when a comma Whisper wrote splits one word: "vessel, genic edema" (vasogenic),
    the piece after it being no word at all."""
    piece = text[b.start():b.end()].lower()
    return (text[a.end():b.start()] == ", " and piece.isalpha() and piece not in known
            and english_frequency(piece) < REAL_WORD_ZIPF)


def _flat(words: list[str]) -> list[str]:
    """LM tokens of a word list in which a replaced phrase is one element."""
    return [token for word in words for token in word.split(" ")]


@dataclass(frozen=True)
class _MergedMatch:
    begin: int
    finish: int

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish
