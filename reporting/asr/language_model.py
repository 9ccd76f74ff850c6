"""A small radiology word language model for choosing between sound-alike words.

Whisper hears real English words where a radiology word was said ("sclerotic
liver", "small volume of sites", "fat straining"). Spelling rules cannot tell
those from dictation; word context can. This module builds an interpolated
Kneser-Ney trigram model from report text the product ships (the report
sentences in `lexicon/report_text.txt`, the `templates/` and `macros/` text and
the lexicon phrases), backed off to English unigram frequencies from `wordfreq`
so that any English word has a probability. `RadiologyLM.sentence_logprob`
scores a word sequence; `reporting.asr.correction` uses it to accept a
candidate only when the report context strongly prefers it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from reporting.asr.vocabulary import LEXICON_DIR, Lexicon, load_lexicon

REPORT_TEXT_FILE = LEXICON_DIR / "report_text.txt"
OPENI_FILE = LEXICON_DIR / "openi_dev_reports.jsonl"
DISCOUNT = 0.75
"""Absolute discount of the Kneser-Ney estimate at every order."""
UNKNOWN_LOG10 = -9.0
"""log10 probability floor of a word English frequency lists do not know."""
NUMBER = "<num>"
BOS = "<s>"
EOS = "</s>"
_MARKERS = frozenset({BOS, EOS, NUMBER})
BACKGROUND_WEIGHT = 0.2
"""Share of the background (radiology term and finding list) model in the mixture."""
_TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:\.\d+)?")
_SENTENCE_RE = re.compile(r"(?<=[.!?;:])\s+|\n+")


def tokens(text: str) -> list[str]:
    """Lower-case LM tokens of a text fragment; numbers become one `<num>` token."""
    return [NUMBER if t[0].isdigit() else t.lower() for t in _TOKEN_RE.findall(text)]


def sentences(text: str) -> list[list[str]]:
    """Token lists of the sentences in `text` (split at . ! ? ; : and newlines)."""
    out: list[list[str]] = []
    for part in _SENTENCE_RE.split(text):
        words = tokens(part)
        if words:
            out.append(words)
    return out


@lru_cache(maxsize=65536)
def _english_log10(word: str) -> float:
    from reporting.asr.correction import english_frequency

    zipf = english_frequency(word)
    # Zipf is log10 of frequency per billion words.
    return max(zipf - 9.0, UNKNOWN_LOG10) if zipf > 0 else UNKNOWN_LOG10


class RadiologyLM:
    """Interpolated Kneser-Ney trigram over report sentences, English unigrams beneath."""

    background_vocabulary: frozenset[str] = frozenset()
    """Words known only to a background model (none for a plain model)."""

    def __init__(self, corpus: Iterable[Sequence[str]], *, discount: float = DISCOUNT) -> None:
        if not 0 < discount < 1:
            raise ValueError("discount must be between 0 and 1")
        self.discount = discount
        tri: Counter[tuple[str, str, str]] = Counter()
        for sent in corpus:
            padded = [BOS, BOS, *sent, EOS]
            for i in range(2, len(padded)):
                tri[(padded[i - 2], padded[i - 1], padded[i])] += 1
        if not tri:
            raise ValueError("corpus must contain at least one sentence")
        self._tri = tri
        self._tri_ctx: Counter[tuple[str, str]] = Counter()
        self._tri_types: Counter[tuple[str, str]] = Counter()
        bi_cont: Counter[tuple[str, str]] = Counter()  # N1+(. v w)
        for (u, v, w), count in tri.items():
            self._tri_ctx[(u, v)] += count
            self._tri_types[(u, v)] += 1
            bi_cont[(v, w)] += 1
        self._bi = bi_cont
        self._bi_ctx: Counter[str] = Counter()
        self._bi_types: Counter[str] = Counter()
        uni_cont: Counter[str] = Counter()  # N1+(. w)
        for (v, w), count in bi_cont.items():
            self._bi_ctx[v] += count
            self._bi_types[v] += 1
            uni_cont[w] += 1
        self._uni = uni_cont
        self._uni_total = sum(uni_cont.values())
        self._uni_types = len(uni_cont)
        self.counts: Counter[str] = Counter()
        for (_, _, w), count in tri.items():
            self.counts[w] += count

    @property
    def vocabulary(self) -> frozenset[str]:
        """Words seen in the report text (without sentence markers and numbers)."""
        return frozenset(w for w in self.counts if w not in _MARKERS)

    def word_pairs(self) -> set[tuple[str, str]]:
        """Adjacent word pairs seen in the text (sentence markers and numbers left out)."""
        return {(v, w) for v, w in self._bi if v not in _MARKERS and w not in _MARKERS}

    def word_triples(self) -> set[tuple[str, str, str]]:
        """Word triples seen in the text (sentence markers and numbers left out)."""
        return {t for t in self._tri if not _MARKERS.intersection(t)}

    def _unigram(self, word: str) -> float:
        d = self.discount
        seen = max(self._uni.get(word, 0) - d, 0.0) / self._uni_total
        english = 10.0 ** _english_log10(word) if word != EOS else 0.0
        return seen + d * self._uni_types / self._uni_total * english

    def _bigram(self, prev: str, word: str) -> float:
        total = self._bi_ctx.get(prev, 0)
        lower = self._unigram(word)
        if not total:
            return lower
        d = self.discount
        seen = max(self._bi.get((prev, word), 0) - d, 0.0) / total
        return seen + d * self._bi_types[prev] / total * lower

    def prob(self, word: str, context: Sequence[str]) -> float:
        """P(word | last two context words) (context padded with <s>)."""
        ctx = [BOS, BOS, *context][-2:]
        lower = self._bigram(ctx[1], word)
        total = self._tri_ctx.get((ctx[0], ctx[1]), 0)
        if not total:
            return lower
        d = self.discount
        seen = max(self._tri.get((ctx[0], ctx[1], word), 0) - d, 0.0) / total
        return seen + d * self._tri_types[(ctx[0], ctx[1])] / total * lower

    def sentence_logprob(self, words: Sequence[str], *, bos: bool = True,
                         eos: bool = True) -> float:
        """log10 probability of a token sequence (as one sentence by default)."""
        return _sentence_logprob(self.prob, words, bos=bos, eos=eos)


def _sentence_logprob(prob: Callable[[str, Sequence[str]], float], words: Sequence[str], *,
                      bos: bool, eos: bool) -> float:
    history: list[str] = [BOS, BOS] if bos else []
    total = 0.0
    for word in [*words, EOS] if eos else words:
        total += math.log10(max(prob(word, history), 1e-30))
        history.append(word)
    return total


class MixtureLM(RadiologyLM):
    """Report-text trigram model mixed with a background trigram model of radiology phrases.

    P(w | h) = (1 - weight) P_report(w | h) + weight P_background(w | h). The report model
    keeps report style ("in the", "no ... seen"); the background model, built from a larger
    radiology term and finding list, knows words and word pairs the report text lacks
    (CT/MR/MSK vocabulary). `vocabulary` stays the report text's; `background_vocabulary`
    lists the words only the background knows.
    """

    def __init__(self, report: RadiologyLM, background: RadiologyLM, *,
                 weight: float = BACKGROUND_WEIGHT) -> None:
        if not 0 <= weight < 1:
            raise ValueError("weight must be in [0, 1)")
        self.report = report
        self.background = background
        self.weight = weight
        self.discount = report.discount
        self.counts = report.counts + background.counts

    @property
    def vocabulary(self) -> frozenset[str]:
        """Words seen in the report text (the primary correction targets)."""
        return self.report.vocabulary

    @property
    def background_vocabulary(self) -> frozenset[str]:
        """Words only the background phrases know, seen there at least twice."""
        report = self.report.vocabulary
        return frozenset(w for w, n in self.background.counts.items()
                         if n >= 2 and w not in report and w not in _MARKERS)

    def word_pairs(self) -> set[tuple[str, str]]:
        """Adjacent word pairs of the report text and the background phrases."""
        return self.report.word_pairs() | self.background.word_pairs()

    def word_triples(self) -> set[tuple[str, str, str]]:
        """Word triples of the report text and the background phrases."""
        return self.report.word_triples() | self.background.word_triples()

    def prob(self, word: str, context: Sequence[str]) -> float:
        """Mixed P(word | last two context words)."""
        w = self.weight
        return (1 - w) * self.report.prob(word, context) + w * self.background.prob(word, context)


_YAML_KEY = re.compile(r"^\s*(?:-\s+)?[A-Za-z_]+:\s*")
_CHOICE = re.compile(r"\[([^\]|]*)(?:\|[^\]]*)?\]")


def template_sentences(text: str) -> list[list[str]]:
    """Sentences of template/macro prose: YAML keys dropped, `[a|b]` choices take `a`."""
    out: list[list[str]] = []
    for line in text.splitlines():
        value = _YAML_KEY.sub("", line).strip().strip("\"'")
        if len(value.split()) < 2 or "_" in value or "{" in value:
            continue  # identifiers, codes and mappings, not prose
        out.extend(sentences(_CHOICE.sub(r"\1", value)))
    return out


def openi_sentences(path: Path = OPENI_FILE) -> list[list[str]]:
    """Findings and impression sentences of the Open-i chest X-ray reports."""
    import json

    out: list[list[str]] = []
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            report = json.loads(line)
            for key in ("findings", "impression"):
                out.extend(sentences(str(report.get(key) or "")))
    return out


def report_corpus(lexicon: Lexicon | None = None,
                  extra_files: Sequence[Path] = ()) -> list[list[str]]:
    """Training sentences: shipped report text, templates/macros text, lexicon phrases."""
    from reporting.asr.vocabulary import template_texts

    out: list[list[str]] = openi_sentences()
    for path in [REPORT_TEXT_FILE, *extra_files]:
        if path.is_file():
            lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
                     if not ln.lstrip().startswith("#")]
            out.extend(sentences("\n".join(lines)))
    for text in template_texts():
        out.extend(template_sentences(text))
    lexicon = lexicon if lexicon is not None else load_lexicon()
    out.extend(list(t.words) for t in lexicon.terms)
    return out


@lru_cache(maxsize=1)
def _semantic_dict_data() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    import json
    from importlib import resources

    try:
        data = resources.files("radiology_semantic") / "data"
        findings = json.loads((data / "imaging_findings.json").read_text(encoding="utf-8"))
        concepts = json.loads((data / "medical_concepts.json").read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        return [], []
    return findings, concepts


def semantic_dict_terms() -> list[str]:
    """Finding names, concept names and synonyms of `radiology-semantic-dict` ([] if absent)."""
    findings, concepts = _semantic_dict_data()
    out = [str(item.get("name") or "") for item in findings]
    for item in concepts:
        out.append(str(item.get("name") or ""))
        out.extend(str(s) for s in item.get("synonyms") or ())  # type: ignore[union-attr]
    return [t for t in out if t.strip()]


def semantic_dict_sentences() -> list[list[str]]:
    """Radiology phrases of the `radiology-semantic-dict` package (MIT), [] when not installed.

    Imaging finding names and their short descriptions (CT, MR, US, radiograph, NM,
    mammography, ~8,300 entries), and concept names with their synonyms (~3,000).
    Long textbook definitions are left out: they are not report language.
    """
    findings, _ = _semantic_dict_data()
    texts = [*semantic_dict_terms(), *(str(item.get("description") or "") for item in findings)]
    out: list[list[str]] = []
    for text in texts:
        out.extend(sentences(_PARENS.sub(" ", text)))
    return out


_PARENS = re.compile(r"\([^)]*\)")


@lru_cache(maxsize=1)
def load_language_model() -> RadiologyLM:
    """The packaged radiology language model (built once per process, ~1.5 s).

    Report text (`report_corpus`) mixed with the radiology phrases of
    `radiology-semantic-dict` where that package is installed.
    """
    report = RadiologyLM(report_corpus())
    background = semantic_dict_sentences()
    if not background or BACKGROUND_WEIGHT <= 0:
        return report
    return MixtureLM(report, RadiologyLM(background), weight=BACKGROUND_WEIGHT)
