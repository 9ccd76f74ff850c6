"""Low-level ER7 (pipe-and-hat) helpers: escaping, decoding, timestamps, MSH sniffing.

These work on plain strings so that they still help when a message is too broken
for a full parser (an ACK must be answerable even then).
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

SEGMENT_SEPARATOR = "\r"
DEFAULT_ENCODING_CHARS = "^~\\&"

# MSH-18 (HL7 table 0211) to Python codecs.
_CHARSETS = {
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/2": "iso8859-2",
    "8859/3": "iso8859-3",
    "8859/4": "iso8859-4",
    "8859/5": "iso8859-5",
    "8859/6": "iso8859-6",
    "8859/7": "iso8859-7",
    "8859/8": "iso8859-8",
    "8859/9": "iso8859-9",
    "8859/15": "iso8859-15",
    "UNICODE": "utf-8",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    "WINDOWS-1252": "cp1252",
    "CP1252": "cp1252",
}


@dataclass(frozen=True)
class Delimiters:
    """The five ER7 delimiters declared by MSH-1 and MSH-2."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_message(cls, text: str) -> Delimiters:
        """Read the delimiters from a message that starts with MSH (defaults otherwise)."""
        start = text.find("MSH")
        if start < 0 or len(text) < start + 8:
            return cls()
        field = text[start + 3]
        enc = text[start + 4 : start + 8]
        if field.isalnum() or field in "\r\n" or len(set(enc + field)) < 5:
            return cls()
        return cls(field, enc[0], enc[1], enc[2], enc[3])


DEFAULT_DELIMITERS = Delimiters()


@functools.lru_cache(maxsize=16)
def _escape_table(d: Delimiters) -> dict[int, str]:
    # Later entries win where delimiters coincide: escape, field, component, subcomponent,
    # repetition, in that order of precedence.
    e = d.escape
    table: dict[int, str] = {}
    for ch, code in ((d.repetition, "R"), (d.subcomponent, "T"), (d.component, "S"),
                     (d.field, "F"), (d.escape, "E")):
        table[ord(ch)] = f"{e}{code}{e}"
    return table


def escape(text: str, d: Delimiters = DEFAULT_DELIMITERS, *, line_break: str = "\\.br\\") -> str:
    """Escape text for an ER7 field; line breaks become `line_break` (never a raw CR)."""
    escaped = text.translate(_escape_table(d))
    if "\r" in escaped:
        escaped = escaped.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in escaped:
        escaped = escaped.replace("\n", line_break)
    return escaped


def unescape(text: str, d: Delimiters = DEFAULT_DELIMITERS) -> str:
    """Undo ER7 escapes (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\, \\.br\\, \\Xhh\\); unknown ones are kept."""
    e = d.escape
    if e not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != e:
            out.append(ch)
            i += 1
            continue
        end = text.find(e, i + 1)
        if end < 0:
            out.append(text[i:])
            break
        code = text[i + 1 : end]
        simple = {"F": d.field, "S": d.component, "T": d.subcomponent, "R": d.repetition,
                  "E": d.escape, ".br": "\n", "H": "", "N": ""}
        if code in simple:
            out.append(simple[code])
        elif code.startswith("X") and len(code) > 1:
            try:
                out.append(bytes.fromhex(code[1:]).decode("latin-1"))
            except ValueError:
                out.append(text[i : end + 1])
        elif code.startswith((".sp", ".in", ".ti", ".sk", ".fi", ".nf", ".ce")):
            out.append("\n" if code.startswith(".sp") else "")
        else:
            out.append(text[i : end + 1])
        i = end + 1
    return "".join(out)


def normalise_segments(text: str) -> str:
    """Accept CR, LF or CRLF between segments; return CR-separated text without blank lines."""
    lines = text.replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return SEGMENT_SEPARATOR.join(line for line in lines if line.strip())


def _msh18_codec(raw: bytes) -> str | None:
    start = raw.find(b"MSH")
    if start < 0:
        return None
    end = len(raw)
    for stop in (b"\r", b"\n"):
        pos = raw.find(stop, start)
        if 0 <= pos < end:
            end = pos
    line = raw[start:end].decode("latin-1")
    if len(line) < 4:
        return None
    fields = line.split(line[3])
    # fields[0] is "MSH", fields[1] the encoding characters: MSH-n is fields[n - 1].
    if len(fields) < 18:
        return None
    charset = fields[17].split(line[4] if len(line) > 4 else "^")[0].strip().upper()
    name = _CHARSETS.get(charset)
    if name is None and charset:
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            name = None
    return name


def decode_message(raw: bytes) -> str:
    """Decode message bytes: UTF-8, else the MSH-18 character set, else latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    name = _msh18_codec(raw)
    if name and name != "utf-8":
        try:
            return raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            pass
    return raw.decode("latin-1")


@dataclass(frozen=True)
class MshSummary:
    """MSH fields read by plain string splitting (works on barely parseable input)."""

    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    message_type: str = ""
    trigger: str = ""
    control_id: str = ""
    processing_id: str = "P"
    version: str = ""
    charset: str = ""


def sniff_msh(text: str) -> MshSummary:
    """Extract the MSH fields an ACK or a dedup key needs, without a full parse."""
    start = text.find("MSH")
    if start < 0 or len(text) < start + 4:
        return MshSummary()
    line = normalise_segments(text[start:]).split("\r", 1)[0]
    d = Delimiters.from_message(line)
    fields = line.split(d.field)

    def f(n: int) -> str:
        index = n - 1  # MSH-1 is the separator itself, so MSH-n sits at index n - 1
        return fields[index] if len(fields) > index else ""

    def comp(value: str, i: int) -> str:
        parts = value.split(d.component)
        return parts[i].strip() if len(parts) > i else ""

    return MshSummary(
        sending_application=f(3),
        sending_facility=f(4),
        receiving_application=f(5),
        receiving_facility=f(6),
        message_type=comp(f(9), 0),
        trigger=comp(f(9), 1),
        control_id=f(10).strip(),
        processing_id=comp(f(11), 0) or "P",
        version=comp(f(12), 0),
        charset=f(18).split(d.repetition)[0].strip(),
    )


def format_ts(value: datetime | date, *, seconds: bool = True) -> str:
    """Format an HL7 TS/DTM: YYYYMMDDHHMMSS with a +ZZZZ offset when the datetime has one."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    text = value.strftime("%Y%m%d%H%M%S" if seconds else "%Y%m%d%H%M")
    if value.tzinfo is not None:
        offset = value.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        minutes = abs(minutes)
        text += f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    return text


def parse_ts(value: str) -> datetime | None:
    """Parse an HL7 TS/DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]); None when empty or invalid."""
    value = value.strip()
    if not value:
        return None
    tz: timezone | None = None
    for sign in ("+", "-"):
        if sign in value[4:]:
            pos = value.rindex(sign)
            value, offset = value[:pos], value[pos + 1 :]
            if len(offset) != 4 or not offset.isdigit():
                return None
            delta = timedelta(hours=int(offset[:2]), minutes=int(offset[2:]))
            tz = timezone(-delta if sign == "-" else delta)
            break
    value = value.split(".", 1)[0]
    if not value.isdigit() or len(value) < 4 or len(value) % 2:
        return None
    padded = value + "0101000000"[len(value) - 4 :] if len(value) < 14 else value[:14]
    try:
        parsed = datetime.strptime(padded, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return parsed.replace(tzinfo=tz) if tz is not None else parsed


def parse_date(value: str) -> date | None:
    """Parse the date part of an HL7 DT/TS; None when empty or invalid."""
    parsed = parse_ts(value[:8]) if len(value.strip()) >= 8 else None
    return parsed.date() if parsed else None


def utc_now() -> datetime:
    """Now, in UTC, to the second (HL7 timestamps carry seconds)."""
    return datetime.now(UTC).replace(microsecond=0)
