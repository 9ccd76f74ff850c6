"""Acknowledgments: build the ACK we answer with, and read the ACK a peer answered with."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from reporting.hl7.er7 import (
    Delimiters,
    decode_message,
    escape,
    format_ts,
    normalise_segments,
    sniff_msh,
    unescape,
    utc_now,
)
from reporting.hl7.errors import ERROR_TEXTS, Hl7Error
from reporting.hl7.inbound import InboundMessage

ACK_CODES = ("AA", "AE", "AR", "CA", "CE", "CR")
_LOCATION = re.compile(r"^([A-Z][A-Z0-9]{2})(?:-(\d+)(?:\.(\d+))?)?$")
_MSA_TEXT_MAX = 80  # MSA-3 is ST(80) in 2.3.1


def _version_for_ack(version: str) -> str:
    return version if re.fullmatch(r"2\.\d(\.\d)?", version or "") else "2.5.1"


def _is_v25_or_later(version: str) -> bool:
    parts = [int(p) for p in version.split(".")[:2]]
    return parts >= [2, 5]


def _location(field: str) -> tuple[str, str, str, str]:
    """("OBR", "1", "18", "") for "OBR-18"; ("OBR", "1", "4", "2") for "OBR-4.2"."""
    m = _LOCATION.match(field.strip().upper()) if field else None
    if not m:
        return "", "", "", ""
    return m.group(1), "1", m.group(2) or "", m.group(3) or ""


def _fit(text: str, limit: int) -> str:
    """Escape text on one line, cut so the escaped form fits `limit` (never mid-escape)."""
    plain = " ".join(text.split())
    while len(escape(plain)) > limit:
        plain = plain[: max(0, min(len(plain) - 1, limit))]
    return escape(plain)


def _err_segment(error: Hl7Error, version: str) -> str:
    seg, seq, pos, comp = _location(error.field)
    code = error.hl7_error_code
    code_text = escape(ERROR_TEXTS.get(code, "Application error"))
    detail = _fit(error.message, 250)
    if _is_v25_or_later(version):
        location = "^".join(p for p in (seg, seq, pos, comp) if p) if seg else ""
        severity = "E"
        # ERR-1 (deprecated ELD) left empty; ERR-2 location, ERR-3 code, ERR-4 severity,
        # ERR-8 the human-readable detail.
        return f"ERR||{location}|{code}^{code_text}^HL70357|{severity}||||{detail}"
    location = "^".join([seg, seq, pos]) if seg else "^^"
    return f"ERR|{location}^{code}&{code_text}&HL70357"


def build_ack(
    raw_or_parsed: str | bytes | InboundMessage,
    ack_code: str,
    text: str = "",
    error: Hl7Error | None = None,
    *,
    control_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Build an ACK for a message (parsed, or raw and possibly barely parseable).

    MSH-3/4 and MSH-5/6 are swapped from the original, MSA-2 echoes its MSH-10, and an
    ERR segment names the field when `error` is given (ERR-2 in 2.5+, ERR-1 before).
    """
    if ack_code not in ACK_CODES:
        raise ValueError(f"MSA-1 acknowledgment code must be one of {ACK_CODES}, not {ack_code!r}")
    if isinstance(raw_or_parsed, InboundMessage):
        p = raw_or_parsed
        sa, sf, ra, rf = (p.sending_application, p.sending_facility,
                          p.receiving_application, p.receiving_facility)
        trigger, original_id, version, processing = p.trigger, p.control_id, p.version, "P"
        d = Delimiters()
    else:
        raw_text = (decode_message(raw_or_parsed) if isinstance(raw_or_parsed, bytes)
                    else raw_or_parsed)
        raw_text = normalise_segments(raw_text.strip("\x0b\x1c\r\n "))
        m = sniff_msh(raw_text)
        d = Delimiters.from_message(raw_text)
        sa, sf, ra, rf = (m.sending_application, m.sending_facility,
                          m.receiving_application, m.receiving_facility)
        trigger, original_id, version = m.trigger, m.control_id, m.version
        processing = m.processing_id
    if d != Delimiters():
        # Re-encode the echoed fields with the standard delimiters we answer with.
        sa, sf, ra, rf, original_id = (escape(unescape(v, d)) for v in (sa, sf, ra, rf,
                                                                        original_id))
    version = _version_for_ack(version)
    trigger = re.sub(r"[^A-Z0-9]", "", trigger.upper())[:3]
    # MSH-9.3 (message structure) exists since 2.3.1 and lets validators find ACK.
    message_type = f"ACK^{trigger}^ACK"
    own_id = control_id or uuid.uuid4().hex[:20]
    processing = processing if processing in {"P", "D", "T"} else "P"
    msh = (f"MSH|^~\\&|{ra}|{rf}|{sa}|{sf}|{format_ts(now or utc_now())}||{message_type}|"
           f"{own_id}|{processing}|{version}")
    if not text and error is not None:
        text = error.message
    msa = f"MSA|{ack_code}|{original_id}"
    if text:
        msa += "|" + _fit(text, _MSA_TEXT_MAX)
    segments = [msh, msa]
    if error is not None:
        segments.append(_err_segment(error, version))
    return "\r".join(segments) + "\r"


@dataclass(frozen=True)
class AckInfo:
    """What a peer's acknowledgment said."""

    code: str  # MSA-1: AA AE AR CA CE CR ("" if no MSA)
    control_id: str  # MSA-2: the MSH-10 it acknowledges
    text: str  # MSA-3 and the ERR texts, joined
    error_location: str = ""
    error_code: str = ""

    @property
    def accepted(self) -> bool:
        return self.code in {"AA", "CA"}


def parse_ack(raw: str | bytes) -> AckInfo:
    """Read MSA (and ERR) from an ACK by string splitting; tolerant of sloppy peers."""
    text = decode_message(raw) if isinstance(raw, bytes) else raw
    text = normalise_segments(text.strip("\x0b\x1c\r\n "))
    d = Delimiters.from_message(text)
    code = control = ""
    texts: list[str] = []
    location = error_code = ""
    for line in text.split("\r"):
        fields = line.split(d.field)
        if fields[0] == "MSA":
            code = fields[1].strip().upper() if len(fields) > 1 else ""
            control = fields[2].strip() if len(fields) > 2 else ""
            if len(fields) > 3 and fields[3].strip():
                texts.append(unescape(fields[3].strip(), d))
        elif fields[0] == "ERR":
            if len(fields) > 2 and fields[2]:
                location = fields[2]
                error_code = fields[3].split(d.component)[0] if len(fields) > 3 else ""
                if len(fields) > 3:
                    parts = fields[3].split(d.component)
                    if len(parts) > 1 and parts[1]:
                        texts.append(unescape(parts[1], d))
                if len(fields) > 8 and fields[8]:
                    texts.append(unescape(fields[8], d))
            elif len(fields) > 1 and fields[1]:
                comps = fields[1].split(d.component)
                location = d.component.join(comps[:3])
                if len(comps) > 3:
                    subs = comps[3].split(d.subcomponent)
                    error_code = subs[0]
                    if len(subs) > 1 and subs[1]:
                        texts.append(unescape(subs[1], d))
    seen: list[str] = []
    for t in texts:
        if t not in seen:
            seen.append(t)
    return AckInfo(code=code, control_id=control, text="; ".join(seen),
                   error_location=location, error_code=error_code)
