"""Personal vocabulary: learn a radiologist's corrections of misrecognised words.

When a radiologist edits dictated text, `learn_substitutions` finds the small
replacements that look like recognition errors ("plural" -> "pleural" next to
"effusion") and `apply_substitutions` applies them to later dictation. Edits
that change meaning (laterality, negation, numbers, sizes, opposites) are never
learned: they are clinical decisions, not recognition errors.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import jellyfish
from rapidfuzz import fuzz

__all__ = [
    "Substitution",
    "apply_substitutions",
    "learn_substitutions",
    "merge_substitutions",
]

MAX_PHRASE_WORDS = 3
MAX_CHANGED_SHARE = 0.5
"""An edit changing more than this share of the words (and over 3) is a rewrite: nothing is
learned from it."""
MIN_SPELLING_SIMILARITY = 70.0
"""Lowest rapidfuzz ratio (0-100) at which two spellings count as a near miss."""

_LATERALITY = frozenset(
    {"left", "right", "bilateral", "bilaterally", "unilateral", "contralateral", "ipsilateral"}
)
_NEGATION = frozenset(
    {"no", "not", "now", "without", "with", "negative", "positive", "absent", "present",
     "never", "none", "nor", "non", "cannot", "can't", "isn't"}
)
# Words whose replacement by a neighbour word is a clinical change.
_QUALIFIERS = frozenset(
    {
        "mild", "mildly", "moderate", "moderately", "severe", "severely", "small", "large",
        "tiny", "minimal", "trace", "marked", "markedly", "increased", "decreased", "new",
        "unchanged", "stable", "improved", "worsened", "worsening", "resolved", "upper",
        "lower", "anterior", "posterior", "superior", "inferior", "medial", "lateral",
        "proximal", "distal", "internal", "external", "acute", "chronic", "subacute",
        "benign", "malignant", "normal", "abnormal", "hyperdense", "hypodense", "isodense",
        "hyperintense", "hypointense", "isointense", "hyperechoic", "hypoechoic", "anechoic",
        "isoechoic", "hyperattenuating", "hypoattenuating", "flexion", "extension",
        "abduction", "adduction", "inspiration", "expiration", "inspiratory", "expiratory",
        "partial", "complete", "likely", "unlikely", "possible", "probable", "definite",
        "millimeter", "millimeters", "mm", "centimeter", "centimeters", "cm", "ml", "cc",
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth", "eleventh", "twelfth",
    }
)
_NUMBER_WORDS = frozenset(
    {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
        "eighty", "ninety", "hundred", "thousand", "point", "half",
    }
)
_STOPWORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "by", "from",
        "is", "are", "was", "were", "be", "been", "this", "that", "these", "those", "there",
        "it", "its", "as", "which", "also", "but", "if", "into", "within", "than", "then",
    }
)
# Prefixes that flip meaning: "normal"/"abnormal", "hyperdense"/"hypodense".
_OPPOSITE_PREFIXES = (("hyper", "hypo"), ("intra", "extra"), ("in", "ex"), ("pre", "post"))
_NEGATING_PREFIXES = ("un", "non", "non-", "ab", "in", "im", "dis", "a")

_WORD_RE = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Substitution:
    """A learned rule: replace `wrong` by `right` next to `context` (anywhere if None)."""

    wrong: str
    right: str
    context: str | None = None
    count: int = 1

    def __post_init__(self) -> None:
        if not self.wrong.strip():
            raise ValueError("wrong is required")
        if not self.right.strip():
            raise ValueError("right is required")
        if len(self.wrong.split()) > MAX_PHRASE_WORDS:
            raise ValueError(f"wrong must be at most {MAX_PHRASE_WORDS} words")
        if self.context is not None and not self.context.strip():
            raise ValueError("context must be a word or None")
        if self.count < 1:
            raise ValueError("count must be at least 1")

    @property
    def key(self) -> tuple[str, str, str | None]:
        """Identity of the rule, without its count."""
        return self.wrong, self.right, self.context

    def to_dict(self) -> dict[str, str | int | None]:
        """Serialise for storage (JSON/DB row)."""
        return {
            "wrong": self.wrong,
            "right": self.right,
            "context": self.context,
            "count": self.count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Substitution:
        """Rebuild a rule stored with `to_dict`; raises ValueError naming a bad field."""
        wrong, right = data.get("wrong"), data.get("right")
        context, count = data.get("context"), data.get("count", 1)
        if not isinstance(wrong, str):
            raise ValueError("wrong is required")
        if not isinstance(right, str):
            raise ValueError("right is required")
        if context is not None and not isinstance(context, str):
            raise ValueError("context must be a string or null")
        if not isinstance(count, int) or isinstance(count, bool):
            raise ValueError("count must be an integer")
        return cls(wrong.lower(), right, context.lower() if context else None, count)


@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # as written, without surrounding punctuation
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()


def _words(text: str) -> list[_Word]:
    return [_Word(m.group(0), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def _is_number(word: str) -> bool:
    return word in _NUMBER_WORDS or any(ch.isdigit() for ch in word)


def _flips_meaning(wrong: str, right: str) -> bool:
    for one, other in _OPPOSITE_PREFIXES:
        for a, b in ((wrong, right), (right, wrong)):
            if a.startswith(one) and b.startswith(other) and a[len(one) :] == b[len(other) :]:
                return True
    for prefix in _NEGATING_PREFIXES:
        if wrong == prefix + right or right == prefix + wrong:
            return True
    return False


def _is_clinical_edit(wrong: list[str], right: list[str]) -> bool:
    both = [*wrong, *right]
    if any(_is_number(w) or w in _LATERALITY or w in _NEGATION for w in both):
        return True
    if set(wrong) & _QUALIFIERS and set(right) & _QUALIFIERS:
        return True
    if all(w in _STOPWORDS for w in wrong) and all(w in _STOPWORDS for w in right):
        return True
    return _flips_meaning("".join(wrong), "".join(right))


def _sounds_or_looks_alike(wrong: list[str], right: list[str]) -> bool:
    a, b = "".join(wrong), "".join(right)
    if a == b:
        return True  # spacing only: "media stinum" -> "mediastinum"
    sounds_alike = jellyfish.metaphone(a) == jellyfish.metaphone(b)
    if (set(wrong) ^ set(right)) & _QUALIFIERS:
        # A qualifier that appears or vanishes ("new monia" -> "pneumonia") is a recognition
        # error only when the words sound the same; otherwise it is a clinical edit.
        return sounds_alike
    return sounds_alike or fuzz.ratio(a, b) >= MIN_SPELLING_SIMILARITY


def _has_inner_capital(word: str) -> bool:
    return any(ch.isupper() for ch in word[1:])


def _pick_context(words: list[_Word], start: int, end: int) -> str | None:
    after = words[end].low if end < len(words) else None
    before = words[start - 1].low if start > 0 else None
    ranked = [
        w
        for w in (after, before)
        if w is not None and w not in _STOPWORDS and not _is_number(w)
    ] + [w for w in (after, before) if w is not None]
    return ranked[0] if ranked else None


def _at_sentence_start(text: str, word: _Word) -> bool:
    head = text[: word.start].rstrip()
    return not head or head[-1] in ".?!\n:"


def learn_substitutions(dictated: str, edited: str) -> list[Substitution]:
    """Learn word substitutions from a radiologist's edit of dictated text."""
    old, new = _words(dictated), _words(edited)
    a, b = [w.low for w in old], [w.low for w in new]
    opcodes = SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")
    if not a or changed > max(MAX_PHRASE_WORDS, MAX_CHANGED_SHARE * len(a)):
        return []  # a rewrite, not a correction of recognition errors
    learned: list[Substitution] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "replace":
            continue
        if not (1 <= i2 - i1 <= MAX_PHRASE_WORDS and 1 <= j2 - j1 <= MAX_PHRASE_WORDS):
            continue
        wrong_words, right_words = a[i1:i2], b[j1:j2]
        if _is_clinical_edit(wrong_words, right_words):
            continue
        wrong = " ".join(wrong_words)
        right_spans = new[j1:j2]
        right = " ".join(w.text for w in right_spans)
        if not _sounds_or_looks_alike(wrong_words, right_words):
            continue
        if _at_sentence_start(edited, right_spans[0]) and not _has_inner_capital(
            right_spans[0].text
        ):
            right = right[0].lower() + right[1:]
        learned.append(Substitution(wrong, right, _pick_context(old, i1, i2)))
    return merge_substitutions([], learned)


def merge_substitutions(
    existing: Sequence[Substitution], learned: Iterable[Substitution]
) -> list[Substitution]:
    """Add learned rules to existing ones, summing the counts of identical rules."""
    merged: dict[tuple[str, str, str | None], Substitution] = {r.key: r for r in existing}
    for rule in learned:
        known = merged.get(rule.key)
        merged[rule.key] = rule if known is None else replace(known, count=known.count + rule.count)
    return list(merged.values())


def _same_word(context: str, word: str) -> bool:
    return context == word or context.rstrip("s") == word.rstrip("s")


def _match_case(original: str, right: str) -> str:
    if len(original) > 1 and original.isupper():
        return right.upper()
    if original[:1].isupper():
        return right[:1].upper() + right[1:]
    return right


def apply_substitutions(
    text: str, rules: Sequence[Substitution], *, min_count: int = 1
) -> tuple[str, list[Substitution]]:
    """Apply learned rules (whole words, case-preserving, only next to their context word)."""
    words = _words(text)
    ordered = sorted(
        (r for r in rules if r.count >= min_count),
        key=lambda r: (-len(r.wrong.split()), r.context is None, -r.count),
    )
    taken: list[tuple[int, int, Substitution]] = []

    def separated_by_space(left: _Word, right: _Word) -> bool:
        return text[left.end : right.start].isspace()

    for rule in ordered:
        phrase = rule.wrong.split()
        size = len(phrase)
        for k in range(len(words) - size + 1):
            span = words[k : k + size]
            if [w.low for w in span] != phrase:
                continue
            if any(not separated_by_space(x, y) for x, y in itertools.pairwise(span)):
                continue
            if rule.context is not None:
                neighbours = []
                if k > 0 and separated_by_space(words[k - 1], span[0]):
                    neighbours.append(words[k - 1].low)
                if k + size < len(words) and separated_by_space(span[-1], words[k + size]):
                    neighbours.append(words[k + size].low)
                if not any(_same_word(rule.context, n) for n in neighbours):
                    continue
            start, end = span[0].start, span[-1].end
            if any(start < t_end and t_start < end for t_start, t_end, _ in taken):
                continue
            taken.append((start, end, rule))
    taken.sort(key=lambda item: item[0])
    parts: list[str] = []
    cursor = 0
    for start, end, rule in taken:
        parts.append(text[cursor:start])
        parts.append(_match_case(text[start:end], rule.right))
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts), [rule for _, _, rule in taken]
