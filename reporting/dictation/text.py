"""Spoken-to-written rules: turn one transcribed utterance into report text.

Pure functions only (no I/O). `to_written` converts a Whisper final into the
text that is inserted into a report field; `join` appends it to the field.
The rules and their reasons are documented in docs/dictation.md.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["PARAGRAPH_BREAK", "join", "to_written"]

PARAGRAPH_BREAK = "\n\n"
"""What "new paragraph" inserts."""

_Context = Literal["line", "sentence", "inline"]

SENTENCE_MARKS = frozenset(".,;:?!")
_SENTENCE_ENDS = frozenset(".?!")
_CLOSING = frozenset(".,;:?!)]%")
_OPENING = frozenset("([")

# Abbreviations whose final dot is part of the word, not a sentence end.
_DOTTED_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "approx.", "dr.", "cf.")

_FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "hmm"})

# --- spoken punctuation -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Punct:
    kind: Literal["mark", "nl"]
    text: str
    glue_before: bool = False
    glue_after: bool = False


_PUNCTUATION_WORDS: dict[tuple[str, ...], _Punct] = {
    ("period",): _Punct("mark", "."),
    ("full", "stop"): _Punct("mark", "."),
    ("full-stop",): _Punct("mark", "."),
    ("comma",): _Punct("mark", ","),
    ("coma",): _Punct("mark", ","),  # "comma" as Whisper often spells it when dictated
    ("calma",): _Punct("mark", ","),  # another spelling of a dictated "comma" (not English)
    ("colon",): _Punct("mark", ":"),
    ("semicolon",): _Punct("mark", ";"),
    ("semi-colon",): _Punct("mark", ";"),
    ("semi", "colon"): _Punct("mark", ";"),
    ("question", "mark"): _Punct("mark", "?"),
    ("exclamation", "mark"): _Punct("mark", "!"),
    ("exclamation", "point"): _Punct("mark", "!"),
    ("open", "paren"): _Punct("mark", "("),
    ("open", "parenthesis"): _Punct("mark", "("),
    ("open", "bracket"): _Punct("mark", "("),
    ("close", "paren"): _Punct("mark", ")"),
    ("close", "parenthesis"): _Punct("mark", ")"),
    ("close", "bracket"): _Punct("mark", ")"),
    ("closed", "paren"): _Punct("mark", ")"),
    ("end", "paren"): _Punct("mark", ")"),
    ("hyphen",): _Punct("mark", "-", glue_before=True, glue_after=True),
    ("dash",): _Punct("mark", "-", glue_before=True, glue_after=True),
    ("slash",): _Punct("mark", "/", glue_before=True, glue_after=True),
    ("forward", "slash"): _Punct("mark", "/", glue_before=True, glue_after=True),
    ("new", "line"): _Punct("nl", "\n"),
    ("newline",): _Punct("nl", "\n"),
    ("next", "line"): _Punct("nl", "\n"),
    ("new", "paragraph"): _Punct("nl", PARAGRAPH_BREAK),
    ("next", "paragraph"): _Punct("nl", PARAGRAPH_BREAK),
}
SPOKEN_MARK_WORDS = frozenset(key[0] for key in _PUNCTUATION_WORDS if len(key) == 1)
"""One-word punctuation commands ("comma", "period"): never part of a misheard word."""

# "a period of", "the washout period": the word, not the mark.
_PERIOD_WORD_BEFORE = frozenset(
    {
        "a", "the", "this", "that", "each", "any", "every", "some", "short", "long", "brief",
        "same", "time", "follow-up", "followup", "interval", "postoperative", "neonatal",
        "perinatal", "postpartum", "refractory", "latent", "washout", "observation",
        "recovery", "incubation", "extended", "prolonged", "entire", "whole", "menstrual",
        "last", "first", "second", "initial", "treatment", "window",
    }
)
# "found in a coma", "hepatic coma", "Glasgow coma scale": the state, not a misheard "comma".
_COMA_WORD_BEFORE = frozenset(
    {
        "a", "the", "in", "into", "from", "of", "out", "her", "his", "their", "deep",
        "prolonged", "induced", "medically", "hepatic", "diabetic", "uremic", "myxedema",
        "hyperosmolar", "hypoglycemic", "barbiturate", "glasgow", "post", "after", "and",
        "or", "with", "without", "history", "vigil",
    }
)
_COMA_WORD_AFTER = frozenset({"scale", "score", "state", "patient", "and", "or", "of"})
# "sigmoid colon", "the colon is": the organ, not the mark.
_COLON_WORD_BEFORE = frozenset(
    {
        "the", "a", "this", "that", "sigmoid", "ascending", "descending", "transverse",
        "right", "left", "proximal", "distal", "mid", "entire", "redundant", "distended",
        "dilated", "decompressed", "collapsed", "whole", "of", "and", "or", "with", "in",
        "to", "into", "within", "from", "involving", "abutting", "adjacent", "near", "along",
        "through", "throughout", "than", "spastic", "no", "rectosigmoid", "stool-filled",
        "gas-filled", "fluid-filled", "fluid", "stool", "remaining", "residual", "native",
        "visualized", "imaged", "partially", "unopacified", "opacified", "ahead",
    }
)
_COLON_WORD_AFTER = frozenset(
    {
        "is", "are", "was", "were", "wall", "walls", "cancer", "carcinoma", "and", "with",
        "which", "shows", "demonstrates", "appears", "appear", "contains", "containing",
        "without", "but", "has", "have", "or", "in", "at", "to", "from", "mucosa", "lumen",
        "mass", "masses", "diverticulosis", "diverticula", "diverticulitis", "interposition",
        "also", "itself", "does", "remains", "otherwise", "filled", "loops", "polyp", "polyps",
        "resection", "unremarkable", "distension", "distention", "wall-thickening",
    }
)
_LINE_WORD_BEFORE = frozenset({"a", "the", "this", "that", "another", "each", "any"})

# --- numbers ------------------------------------------------------------------

_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_DIGIT_WORDS = {"zero": 0, "oh": 0, **_ONES}
_NUMBER_WORDS = frozenset({"zero", "hundred", "thousand", *_ONES, *_TEENS, *_TENS})
_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")
# "at this point five ..." is not 0.5.
_NOT_BEFORE_POINT = frozenset(
    {"this", "that", "the", "a", "one", "some", "no", "any", "each", "which", "what", "at",
     "certain", "every"}
)

# Units after a number: spoken or written form -> written abbreviation.
# None keeps the words (they only make the number a measurement).
_UNITS: dict[tuple[str, ...], str | None] = {}


def _add_units(written: str | None, *phrases: str) -> None:
    for phrase in phrases:
        _UNITS[tuple(phrase.split())] = written


_add_units("mm", "millimeter", "millimeters", "millimetre", "millimetres", "mm", "mms")
_add_units("cm", "centimeter", "centimeters", "centimetre", "centimetres", "cm", "cms")
_add_units("mL", "milliliter", "milliliters", "millilitre", "millilitres", "ml", "mls")
_add_units("cc", "cc", "ccs", "cc's", "cubic centimeter", "cubic centimeters")
_add_units("%", "percent", "per cent", "%")
_add_units("HU", "hu", "hounsfield unit", "hounsfield units", "hounsfield")
_add_units("mGy", "milligray", "milligrays", "mgy")
_add_units("mSv", "millisievert", "millisieverts", "msv")
_add_units("mg", "milligram", "milligrams", "mg")
_add_units("kg", "kilogram", "kilograms", "kg")
_add_units("mCi", "millicurie", "millicuries", "mci")
_add_units("mmHg", "millimeters of mercury", "millimetres of mercury", "mmhg")
_add_units("cm/s", "centimeters per second", "centimetres per second", "cm per second", "cm/s")
_add_units("m/s", "meters per second", "metres per second", "m/s")
_add_units(
    None,
    "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
    "minute", "minutes", "second", "seconds", "degree", "degrees", "o'clock", "oclock",
    "french", "fr", "gauge",
)
_UNIT_LENGTHS = sorted({len(key) for key in _UNITS}, reverse=True)
_AGE_UNITS = frozenset({"year", "month", "week", "day"})

# Words after which a number is an identifier or score: always digits.
_DIGITS_AFTER = frozenset(
    {
        "series", "image", "images", "slice", "grade", "category", "stage", "type", "score",
        "segment", "level", "number", "station", "zone", "bosniak", "bi-rads", "li-rads",
        "pi-rads", "ti-rads", "lung-rads", "o-rads", "gleason", "aspects", "#",
    }
)
_MEASURE_WORDS = frozenset(
    {"measuring", "measures", "measure", "measured", "approximately", "approx.", "about",
     "size", "sized", "dimensions"}
)
_RANGE_JOINERS = frozenset({"to", "through", "and", "or", ",", "-"})
# Letters that may follow a score, "BI-RADS 4A", "Bosniak 2F", "station 4R".
_SCORE_SUFFIXES = {
    "bi-rads": frozenset("ABC"),
    "bosniak": frozenset("F"),
    "station": frozenset("RL"),
}

# --- spine levels -------------------------------------------------------------

_SPINE_MAX = {"C": 7, "T": 12, "L": 6, "S": 5}
_SPINE_JUNCTIONS = frozenset(
    {("C", 7, "T", 1), ("T", 12, "L", 1), ("L", 5, "S", 1), ("L", 6, "S", 1)}
)
_SPINE_WORD_RE = re.compile(r"([CTLS])-?(\d{1,2})")
_SPINE_SLASH_RE = re.compile(r"([CTLS])(\d{1,2})/(\d{1,2})")

# --- case -----------------------------------------------------------------------

_CANONICAL = {
    word.lower(): word
    for word in (
        "CT", "CTA", "MRI", "MRA", "MRV", "MRCP", "PET", "PET-CT", "PET/CT", "SPECT", "IV",
        "HU", "FLAIR", "DWI", "ADC", "SWI", "STIR", "ERCP", "PICC", "IVC", "SVC", "CBD", "DVT",
        "PE", "ACL", "PCL", "MCL", "LCL", "TFCC", "AP", "KUB", "BI-RADS", "LI-RADS", "PI-RADS",
        "TI-RADS", "O-RADS", "Lung-RADS", "mm", "cm", "mL", "mGy", "mSv", "mmHg", "mCi",
    )
}
_CANONICAL.pop("stir")  # "stir" is an English word; keep STIR only when dictated as such
_T_SEQUENCE_RE = re.compile(r"t([12])((?:-[a-z]+)*)")
_RADS_RE = re.compile(r"\b(bi|li|pi|ti)[\s-]?rads\b|\bo-rads\b|\blung[\s-]?rads\b", re.IGNORECASE)
_HOUNSFIELD_RE = re.compile(r"\bhounsfield\s+units?\b", re.IGNORECASE)

# Capitalised words that stay capitalised mid-sentence (eponyms, months, days).
_PROPER_NOUNS = frozenset(
    {
        "Hounsfield", "Doppler", "Foley", "Fleischner", "Bosniak", "Chiari", "Crohn", "Crohn's",
        "Hodgkin", "Hodgkin's", "Schmorl", "Schmorl's", "Baker", "Baker's", "Morison",
        "Morison's", "Wilms", "Paget", "Paget's", "Graves", "Barrett", "Barrett's", "Meckel",
        "Meckel's", "Zenker", "Zenker's", "Bankart", "Segond", "Lisfranc", "Monteggia",
        "Galeazzi", "Colles", "Smith", "Jefferson", "Kerley", "Virchow", "Sylvian", "Willis",
        "Wharton", "Stensen", "Luschka", "Magendie", "Monro", "Rathke", "Wernicke", "Broca",
        "Tanner", "Gleason", "Glisson", "Treitz", "Gerota", "Gerota's", "Douglas", "Retzius",
        "Bochdalek", "Morgagni", "Klatskin", "Whipple", "Nissen", "Ewing", "Ewing's",
        "Kaposi", "Hill-Sachs", "Salter-Harris", "Dandy-Walker", "Arnold-Chiari",
        "Osgood-Schlatter", "Roux-en-Y", "January", "February", "March", "April", "May",
        "June", "July", "August", "September", "October", "November", "December", "Monday",
        "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "English",
        "Dr.", "I",
    }
)
_TITLE_WORD_RE = re.compile(r"[A-Z][a-z]+(?:[-'][a-z]+)*")

# --- tokens -------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"(?P<nl>\n+)"
    r"|(?P<abbr>(?<![^\W_])(?i:e\.g\.|i\.e\.|vs\.|approx\.|dr\.|cf\.))"
    r"|(?P<word>[^\W_]+(?:(?:['\-/]|(?<=\d)[.:](?=\d))[^\W_]+)*)"
    r"|(?P<mark>\S)"
)


@dataclass(slots=True)
class _Tok:
    kind: Literal["word", "mark", "nl", "num"]
    text: str
    spoken: bool = False
    glue_before: bool = False
    glue_after: bool = False
    fixed_case: bool = False
    cap_candidate: bool = False
    # numbers
    words: str = ""
    value: float = 0.0
    decimal: bool = False
    from_digits: bool = False
    digits: bool = False
    has_unit: bool = False

    @property
    def low(self) -> str:
        return self.text.lower()

    def is_word(self, *options: str) -> bool:
        return self.kind == "word" and (not options or self.low in options)


_AGE_UNITS_HYPHENATED_RE = re.compile(
    r"\b((?:[a-z]+-)*[a-z]+)-(years?|months?|weeks?|days?)(-old)?\b", re.IGNORECASE)
_ATTRIBUTIVE_AFTER_AGE = frozenset({"follow", "follow-up", "followup", "interval", "history",
                                    "period", "course"})
"""Words after "3 month" that make it an attribute, written "3-month follow-up"."""


def _spaced_number_unit(match: re.Match[str]) -> str:
    """Whisper's "three-month" / "forty-five-year" as words the number rules read."""
    pieces = match.group(1).split("-")
    if not all(p.lower() in _NUMBER_WORDS for p in pieces):
        return match.group(0)
    return " ".join(pieces) + " " + match.group(2) + (" old" if match.group(3) else "")


def _prenormalise(text: str) -> str:
    text = _AGE_UNITS_HYPHENATED_RE.sub(_spaced_number_unit, text)
    text = text.replace("\u00d7", " x ").replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", " - ").replace("\r\n", "\n")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"(?<![\w.])\.(?=\d)", "0.", text)
    text = re.sub(r"(?<=\d)\s*[xX]\s*(?=\.?\d)", " x ", text)
    text = re.sub(
        r"(?<=\d)(mm|cm|ml|cc|hu|mgy|msv|mg|kg)\b", r" \1", text, flags=re.IGNORECASE
    )
    text = _HOUNSFIELD_RE.sub("HU", text)

    def rads(match: re.Match[str]) -> str:
        found = match.group(0).lower()
        if found.startswith("lung"):
            return "Lung-RADS"
        return found[: 2 if found[1] != "-" else 1].upper() + "-RADS"

    return _RADS_RE.sub(rads, text)


def _tokenise(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        value = match.group(0)
        if kind == "nl":
            tokens.append(_Tok("nl", "\n" if len(value) == 1 else PARAGRAPH_BREAK))
        elif kind == "mark":
            tokens.append(_Tok("mark", value))
        else:
            parts = value.split("-")
            if len(parts) > 1 and all(p.lower() in _NUMBER_WORDS for p in parts):
                tokens.extend(_Tok("word", p) for p in parts)  # "twenty-six"
            else:
                tokens.append(_Tok("word", value))
    return tokens


def _context(preceding: str) -> _Context:
    tail = preceding.rstrip(" \t")
    if not tail or tail.endswith("\n"):
        return "line"
    if tail[-1] in _SENTENCE_ENDS and not tail.lower().endswith(_DOTTED_ABBREVIATIONS):
        return "sentence"
    return "inline"


# --- passes -------------------------------------------------------------------


def _remove_fillers(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    skip_comma = False
    for tok in tokens:
        if tok.is_word(*_FILLERS):
            skip_comma = True
            continue
        if skip_comma and tok.kind == "mark" and tok.text == ",":
            skip_comma = False
            continue
        skip_comma = False
        out.append(tok)
    return out


def _neighbour_word(tokens: list[_Tok], index: int) -> str | None:
    if 0 <= index < len(tokens) and tokens[index].kind == "word":
        return tokens[index].low
    return None


def _is_word_use(words: tuple[str, ...], before: str | None, after: str | None,
                 context: _Context, first: bool) -> bool:
    head = words[0]
    if head == "period":
        return before in _PERIOD_WORD_BEFORE or after == "of"
    if head == "colon":
        if first and context != "inline":
            return True  # a sentence cannot start with ":"; "Colon is normal."
        return before in _COLON_WORD_BEFORE or after in _COLON_WORD_AFTER
    if head == "coma":
        return first or before in _COMA_WORD_BEFORE or after in _COMA_WORD_AFTER
    if head in ("new", "next"):
        return before in _LINE_WORD_BEFORE
    return False


def _spoken_punctuation(tokens: list[_Tok], context: _Context) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        found = None
        if tokens[i].kind == "word":
            for length in (2, 1):
                chunk = tokens[i : i + length]
                if len(chunk) < length or any(t.kind != "word" for t in chunk):
                    continue
                key = tuple(t.low for t in chunk)
                if key in _PUNCTUATION_WORDS:
                    before = _neighbour_word(tokens, i - 1)
                    after = _neighbour_word(tokens, i + length)
                    if not _is_word_use(key, before, after, context, first=not out):
                        found = (_PUNCTUATION_WORDS[key], length)
                    break
        if found is None:
            out.append(tokens[i])
            i += 1
            continue
        punct, length = found
        out.append(
            _Tok(punct.kind, punct.text, spoken=True, glue_before=punct.glue_before,
                 glue_after=punct.glue_after)
        )
        i += length
    return out


def _resolve_marks(tokens: list[_Tok], context: _Context) -> list[_Tok]:
    """Collapse runs of sentence marks; spoken marks beat Whisper's own."""
    out: list[_Tok] = []
    i = 0
    capitalised_by_whisper = True  # the first word of an utterance is
    while i < len(tokens):
        tok = tokens[i]
        if not (tok.kind == "mark" and tok.text in SENTENCE_MARKS):
            if tok.kind == "word" and capitalised_by_whisper:
                tok.cap_candidate = True
                capitalised_by_whisper = False
            elif tok.kind != "nl":
                capitalised_by_whisper = False
            out.append(tok)
            i += 1
            continue
        j = i
        while j < len(tokens) and tokens[j].kind == "mark" and tokens[j].text in SENTENCE_MARKS:
            j += 1
        run = tokens[i:j]
        spoken = [t for t in run if t.spoken]
        last = (spoken or run)[-1]
        at_line_start = (out[-1].kind == "nl") if out else context == "line"
        before_newline = j < len(tokens) and tokens[j].kind == "nl"
        keep: _Tok | None = last
        if at_line_start or (before_newline and not last.spoken and last.text in ",;"):
            keep = None
        if keep is not None:
            out.append(keep)
        auto_end = any(not t.spoken and t.text in _SENTENCE_ENDS for t in run)
        capitalised_by_whisper = auto_end and (keep is None or keep.text not in _SENTENCE_ENDS)
        i = j
    return out


def _spine_homophones(tokens: list[_Tok]) -> list[_Tok]:
    """'L for five' -> 'L four five', 'C to three' -> 'C two three'."""
    for i, tok in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if tok.kind == "word" and tok.text in _SPINE_MAX and nxt.is_word("for", "to", "too"):
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            if (
                after is None
                or after.kind != "word"
                or after.low in _ONES
                or after.low in _TEENS
                or _DIGITS_RE.fullmatch(after.text)
            ):
                nxt.text = "four" if nxt.low == "for" else "two"
    return tokens


_GRADE_NUMBERS = frozenset({"one", "two", "three", "four", "five", "1", "2", "3", "4", "5"})


def _grade_homophones(tokens: list[_Tok]) -> list[_Tok]:
    """'great three' -> 'grade three': Whisper's usual spelling of a dictated grade."""
    for tok, nxt in itertools.pairwise(tokens):
        if tok.is_word("great") and nxt.kind == "word" and nxt.low in _GRADE_NUMBERS:
            tok.text = "Grade" if tok.text[:1].isupper() else "grade"
    return tokens


def _parse_cardinal(words: list[str], start: int) -> tuple[int, int, bool] | None:
    """Parse number words at `start`: (value, end, is a plain two-digit group)."""
    total = group = 0
    state = "start"
    have_hundred = have_thousand = False
    best: tuple[int, int, bool] | None = None
    j = start
    while j < len(words):
        word = words[j]
        if word == "zero" and state == "start":
            return 0, j + 1, False
        if word in _ONES and state in ("start", "hundred", "thousand", "and", "tens"):
            group += _ONES[word]
            state = "ones"
        elif word in _TEENS and state in ("start", "hundred", "thousand", "and"):
            group += _TEENS[word]
            state = "teens"
        elif word in _TENS and state in ("start", "hundred", "thousand", "and"):
            group += _TENS[word]
            state = "tens"
        elif word == "hundred" and state in ("ones", "teens", "tens") and not have_hundred:
            group *= 100
            have_hundred = True
            state = "hundred"
        elif word == "thousand" and state != "start" and state != "and" and not have_thousand:
            total += group * 1000
            group = 0
            have_thousand = True
            have_hundred = False
            state = "thousand"
        elif (
            word == "and"
            and state in ("hundred", "thousand")
            and j + 1 < len(words)
            and (words[j + 1] in _ONES or words[j + 1] in _TEENS or words[j + 1] in _TENS)
        ):
            state = "and"
        else:
            break
        j += 1
        if state != "and":
            plain = not have_hundred and not have_thousand and 10 <= group <= 99
            best = (total + group, j, plain)
    return best


def _parse_fraction(words: list[str], start: int) -> tuple[str, int] | None:
    """Parse the digits after 'point': 'five' -> '5', 'two five' -> '25'."""
    if start >= len(words):
        return None
    first = words[start]
    if first in _TEENS:
        return str(_TEENS[first]), start + 1
    if first in _TENS:
        if start + 1 < len(words) and words[start + 1] in _ONES:
            return str(_TENS[first] + _ONES[words[start + 1]]), start + 2
        return str(_TENS[first]), start + 1
    digits = ""
    j = start
    while j < len(words) and words[j] in _DIGIT_WORDS:
        digits += str(_DIGIT_WORDS[words[j]])
        j += 1
    return (digits, j) if digits else None


def _number_at(tokens: list[_Tok], i: int) -> tuple[_Tok, int] | None:
    tok = tokens[i]
    if tok.kind != "word":
        return None
    if _DIGITS_RE.fullmatch(tok.text):
        num = _Tok("num", tok.text, words=tok.text, value=float(tok.text),
                   decimal="." in tok.text, from_digits=True)
        return num, i + 1
    words: list[str] = []
    for t in tokens[i:]:
        if t.kind != "word":
            break
        words.append(t.low)
    if words[0] not in _NUMBER_WORDS and words[0] != "point":
        return None
    text = ""
    value = 0.0
    decimal = year = False
    if words[0] == "point":
        before = tokens[i - 1].low if i > 0 and tokens[i - 1].kind == "word" else None
        fraction = _parse_fraction(words, 1)
        if fraction is None or before in _NOT_BEFORE_POINT:
            return None
        text, end = "0." + fraction[0], fraction[1]
        decimal = True
    else:
        parsed = _parse_cardinal(words, 0)
        if parsed is None:
            return None
        whole, end, plain = parsed
        text = str(whole)
        # "nineteen ninety nine", "twenty twenty six", "twenty oh five"
        if plain and whole in (19, 20) and end < len(words):
            second = _parse_cardinal(words, end)
            if second is not None and second[2]:
                text, end, year = str(whole * 100 + second[0]), second[1], True
            elif words[end] == "oh" and end + 1 < len(words) and words[end + 1] in _ONES:
                text = str(whole * 100 + _ONES[words[end + 1]])
                end, year = end + 2, True
        if not year and end + 1 < len(words) and words[end] == "point":
            fraction = _parse_fraction(words, end + 1)
            if fraction is not None:
                text, end, decimal = f"{text}.{fraction[0]}", fraction[1], True
        if not year and not decimal and words[end : end + 3] == ["and", "a", "half"]:
            text, end, decimal = f"{text}.5", end + 3, True
    value = float(text)
    spoken = " ".join(t.text for t in tokens[i : i + end])
    num = _Tok("num", text, words=spoken, value=value, decimal=decimal)
    num.digits = year or decimal or value >= 10
    return num, i + end


def _collapse_numbers(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        found = _number_at(tokens, i)
        if found is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(found[0])
            i = found[1]
    return out


def _spine_head(tokens: list[_Tok], i: int) -> tuple[str, int, int] | None:
    """A spine level at `i`: (letter, number, next index)."""
    tok = tokens[i]
    if tok.kind != "word":
        return None
    match = _SPINE_WORD_RE.fullmatch(tok.text)
    if match:
        letter, number, end = match.group(1), int(match.group(2)), i + 1
    elif tok.text in _SPINE_MAX and i + 1 < len(tokens) and tokens[i + 1].kind == "num":
        num = tokens[i + 1]
        if num.decimal:
            return None
        letter, number, end = tok.text, int(num.value), i + 2
    else:
        return None
    if not 1 <= number <= _SPINE_MAX[letter]:
        return None
    return letter, number, end


def _spine_levels(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        slash = _SPINE_SLASH_RE.fullmatch(tok.text) if tok.kind == "word" else None
        if slash and int(slash.group(3)) == int(slash.group(2)) + 1:
            out.append(_Tok("word", f"{slash.group(1)}{slash.group(2)}-{slash.group(3)}",
                            fixed_case=True))
            i += 1
            continue
        head = _spine_head(tokens, i)
        if head is None:
            out.append(tok)
            i += 1
            continue
        letter, number, end = head
        text = f"{letter}{number}"
        if end < len(tokens):
            nxt = tokens[end]
            second = _spine_head(tokens, end)
            if (
                nxt.kind == "num"
                and not nxt.decimal
                and int(nxt.value) == number + 1
                and number + 1 <= _SPINE_MAX[letter]
            ):
                text, end = f"{text}-{number + 1}", end + 1
            elif second is not None and (
                (letter, number, second[0], second[1]) in _SPINE_JUNCTIONS
                or (second[0] == letter and second[1] == number + 1)
            ):
                text, end = f"{text}-{second[0]}{second[1]}", second[2]
        out.append(_Tok("word", text, fixed_case=True))
        i = end
    return out


def _unit_at(tokens: list[_Tok], i: int) -> tuple[str | None, str, int] | None:
    """A unit phrase at `i`: (abbreviation or None, spoken text, next index)."""
    for length in _UNIT_LENGTHS:
        chunk = tokens[i : i + length]
        if len(chunk) < length or any(t.kind not in ("word", "mark") for t in chunk):
            continue
        key = tuple(t.low for t in chunk)
        if key in _UNITS:
            return _UNITS[key], " ".join(t.text for t in chunk), i + length
    return None


def _units(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        out.append(tok)
        i += 1
        if tok.kind != "num" or i >= len(tokens):
            continue
        unit = _unit_at(tokens, i)
        if unit is None:
            continue
        written, spoken, end = unit
        tok.digits = tok.has_unit = True
        if written is None and spoken.lower() in _AGE_UNITS and end < len(tokens) and (
            tokens[end].is_word("old")
        ):
            out.append(_Tok("word", f"-{spoken.lower()}-old", glue_before=True,
                            fixed_case=True))
            end += 1
        elif written is None and spoken.lower() in _AGE_UNITS and end < len(tokens) and (
            tokens[end].kind == "word" and tokens[end].low in _ATTRIBUTIVE_AFTER_AGE
        ):
            out.append(_Tok("word", f"-{spoken.lower()}", glue_before=True, fixed_case=True))
        elif written == "%":
            out.append(_Tok("mark", "%"))
        else:
            out.append(_Tok("word", written or spoken, fixed_case=written is not None))
        i = end
    return out


def _is_unit(tok: _Tok) -> bool:
    return tok.kind == "word" and tok.fixed_case and tok.text in _UNITS.values()


def _chains(tokens: list[_Tok]) -> list[_Tok]:
    """'three by two centimeters' -> '3 x 2 cm'."""
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        if tokens[i].kind != "num":
            out.append(tokens[i])
            i += 1
            continue
        dims: list[tuple[_Tok, _Tok | None]] = []
        j = i
        while j < len(tokens) and tokens[j].kind == "num":
            unit = tokens[j + 1] if j + 1 < len(tokens) and _is_unit(tokens[j + 1]) else None
            dims.append((tokens[j], unit))
            j += 2 if unit else 1
            if (
                j + 1 < len(tokens)
                and tokens[j].is_word("by", "x")
                and tokens[j + 1].kind == "num"
            ):
                j += 1
                continue
            break
        before = tokens[i - 1].low if i > 0 and tokens[i - 1].kind == "word" else None
        units = {u.text for _, u in dims if u is not None}
        measured = (
            bool(units)
            or any(n.decimal for n, _ in dims)
            or all(n.from_digits for n, _ in dims)
            or before in _MEASURE_WORDS
        )
        if len(dims) < 2 or not measured:
            out.append(tokens[i])
            i += 1
            continue
        single_unit = len(units) == 1
        for index, (num, unit) in enumerate(dims):
            num.digits = True
            if index:
                out.append(_Tok("word", "x", fixed_case=True))
            out.append(num)
            if unit is not None and not single_unit:
                out.append(unit)
        if single_unit:
            unit_tok = next(u for _, u in dims if u is not None)
            out.append(unit_tok)
        i = j
    return out


def _digit_context(tokens: list[_Tok]) -> None:
    for i, tok in enumerate(tokens):
        if tok.kind == "num" and i > 0 and tokens[i - 1].low in _DIGITS_AFTER:
            tok.digits = True
    # "two to three centimeters": the first number of a range follows the second.
    for i in range(len(tokens) - 1, 1, -1):
        tok = tokens[i]
        if tok.kind == "num" and tok.digits and tokens[i - 2].kind == "num":
            if tokens[i - 1].low in _RANGE_JOINERS:
                tokens[i - 2].digits = True


def _score_suffixes(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        out.append(tok)
        i += 1
        if tok.kind != "num" or i < 2 or i >= len(tokens):
            continue
        allowed = _SCORE_SUFFIXES.get(tokens[i - 2].low)
        letter = tokens[i]
        if allowed is None or letter.kind != "word" or letter.text.upper() not in allowed:
            continue
        at_end = i + 1 >= len(tokens) or tokens[i + 1].kind != "word"
        if letter.text.isupper() or at_end:
            tok.text += letter.text.upper()
            tok.words = tok.text
            tok.digits = True
            i += 1
    return out


def _series_commas(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    for i, tok in enumerate(tokens):
        out.append(tok)
        if (
            tok.kind == "num"
            and i > 0
            and tokens[i - 1].is_word("series")
            and i + 1 < len(tokens)
            and tokens[i + 1].is_word("image", "images")
        ):
            out.append(_Tok("mark", ","))
    return out


def _numbers_to_words(tokens: list[_Tok]) -> list[_Tok]:
    out: list[_Tok] = []
    for tok in tokens:
        if tok.kind != "num":
            out.append(tok)
        elif tok.digits or tok.from_digits:
            out.append(_Tok("word", tok.text, fixed_case=True))
        else:
            out.append(_Tok("word", tok.words, cap_candidate=tok.cap_candidate))
    return out


# Words after "at 3 cm" that make it a place ("at 3 cm below the carina"), not "a 3 cm ...".
_AT_PLACE_WORDS = frozenset(
    {"below", "above", "from", "proximal", "distal", "beyond", "past", "into", "there", "the",
     "to", "of", "in", "on", "inferior", "superior", "anterior", "posterior", "lateral",
     "medial", "deep", "beneath", "under", "behind", "caudal", "cranial", "and", "or"}
)


_CLAUSE_WORDS = frozenset(
    {"is", "are", "was", "were", "there", "measures", "measure", "shows", "show",
     "demonstrates", "has", "have", "appears", "remains", "it"}
)


def _measured_article(tokens: list[_Tok], context: _Context) -> list[_Tok]:
    """'At 2.3 cm arterially enhancing observation' -> 'A 2.3 cm ...': a sentence that opens
    with a measurement is heard with "at" for its article ("a two point three ..."). A comma
    the recogniser put after the unit goes too when no clause follows ("At 2.3 cm,
    arterially enhancing observation"); "At 5 cm, the tube ..." is a place and stays."""
    dropped: set[int] = set()
    at_start = context != "inline"
    for i, tok in enumerate(tokens):
        if tok.kind == "nl" or (tok.kind == "mark" and tok.text in _SENTENCE_ENDS):
            at_start = True
            continue
        if (at_start and tok.is_word("at") and i + 3 < len(tokens)
                and tokens[i + 1].kind == "num" and tokens[i + 1].has_unit
                and tokens[i + 2].is_word("mm", "cm")):
            comma = tokens[i + 3].kind == "mark" and tokens[i + 3].text == ","
            head = i + 4 if comma else i + 3
            if (head < len(tokens) and tokens[head].kind == "word"
                    and tokens[head].low not in _AT_PLACE_WORDS
                    and not (comma and _clause_follows(tokens, head))):
                vowel = re.match(r"(8|11|18)(\.|$)|8\d(\.|$)", tokens[i + 1].text) is not None
                article = "an" if vowel else "a"
                tok.text = article.capitalize() if tok.text[:1].isupper() else article
                if comma:
                    dropped.add(i + 3)
        at_start = False
    return [tok for i, tok in enumerate(tokens) if i not in dropped]


def _clause_follows(tokens: list[_Tok], start: int) -> bool:
    """True when the sentence from `start` on has a verb or "there" of its own."""
    for tok in tokens[start:]:
        if tok.kind == "nl" or (tok.kind == "mark" and tok.text in _SENTENCE_ENDS):
            return False
        if tok.kind == "word" and tok.low in _CLAUSE_WORDS:
            return True
    return False


def _canonical_case(tokens: list[_Tok]) -> None:
    for tok in tokens:
        if tok.kind != "word" or tok.fixed_case:
            continue
        canonical = _CANONICAL.get(tok.low)
        if canonical is None:
            sequence = _T_SEQUENCE_RE.fullmatch(tok.low)
            if sequence is None:
                continue
            canonical = f"T{sequence.group(1)}{sequence.group(2)}"
        tok.text = canonical
        tok.fixed_case = True


def _capitalise(tokens: list[_Tok], context: _Context) -> None:
    at_start = context != "inline"
    for tok in tokens:
        if tok.kind == "nl":
            at_start = True
            continue
        if tok.kind == "mark":
            if tok.text in _SENTENCE_ENDS:
                at_start = True
            elif tok.text in ",;":
                at_start = False
            continue
        if at_start:
            if not tok.fixed_case and tok.text[:1].islower():
                tok.text = tok.text[0].upper() + tok.text[1:]
        elif (
            tok.cap_candidate
            and not tok.fixed_case
            and tok.text not in _PROPER_NOUNS
            and _TITLE_WORD_RE.fullmatch(tok.text)
        ):
            tok.text = tok.text.lower()
        at_start = False


def _render(tokens: list[_Tok]) -> str:
    parts: list[str] = []
    prev: _Tok | None = None
    for tok in tokens:
        if prev is not None and not (
            prev.kind == "nl"
            or tok.kind == "nl"
            or (tok.kind == "mark" and tok.text in _CLOSING)
            or (prev.kind == "mark" and prev.text in _OPENING)
            or prev.glue_after
            or tok.glue_before
        ):
            parts.append(" ")
        parts.append(tok.text)
        prev = tok
    return "".join(parts).strip(" ")


def to_written(utterance: str, *, preceding: str = "") -> str:
    """Turn one dictated utterance into the written text to insert after `preceding`."""
    context = _context(preceding)
    tokens = _tokenise(_prenormalise(utterance))
    tokens = _remove_fillers(tokens)
    tokens = _spoken_punctuation(tokens, context)
    tokens = _resolve_marks(tokens, context)
    tokens = _spine_homophones(tokens)
    tokens = _grade_homophones(tokens)
    tokens = _collapse_numbers(tokens)
    tokens = _spine_levels(tokens)
    tokens = _units(tokens)
    tokens = _chains(tokens)
    _digit_context(tokens)
    tokens = _score_suffixes(tokens)
    tokens = _series_commas(tokens)
    tokens = _measured_article(tokens, context)
    tokens = _numbers_to_words(tokens)
    _canonical_case(tokens)
    _capitalise(tokens, context)
    return _render(tokens)


def join(preceding: str, addition: str) -> str:
    """Append written text to a field's text with the right space, newline or punctuation."""
    if not addition:
        return preceding
    if not preceding.strip():
        return preceding.rstrip(" \t") + addition.lstrip(" ")
    addition = addition.lstrip(" ")
    head = preceding
    first = addition[0]
    if first == "\n":
        head = head.rstrip(" \t")
        newlines = len(head) - len(head.rstrip("\n")) + len(addition) - len(addition.lstrip("\n"))
        return head.rstrip("\n") + "\n" * min(newlines, 2) + addition.lstrip("\n")
    if first in SENTENCE_MARKS:
        head = head.rstrip(" \t")
        # The mark said last wins: "effusion." + ", and" -> "effusion, and".
        if head and head[-1] in SENTENCE_MARKS and not head.lower().endswith(
            _DOTTED_ABBREVIATIONS
        ):
            head = head[:-1]
        return head + addition
    if first in _CLOSING or first in "-/":
        return head.rstrip(" \t") + addition
    if head[-1].isspace() or head[-1] in _OPENING or head[-1] in "-/":
        return head + addition
    return head + " " + addition
