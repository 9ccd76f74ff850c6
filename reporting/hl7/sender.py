"""Deliver an ORU to an HL7 destination and classify the answer as an AttemptOutcome."""

from __future__ import annotations

import asyncio

from reporting.core.config import Destination
from reporting.delivery.outcome import AttemptOutcome
from reporting.hl7.ack import parse_ack
from reporting.hl7.mllp import MllpError, send_mllp_async


def classify_ack(reply: bytes | str, control_id: str) -> AttemptOutcome:
    """AA/CA echoing control_id → delivered; AE/CE → quarantine; AR/CR or anything odd → retry."""
    ack = parse_ack(reply)
    text = f": {ack.text}" if ack.text else ""
    if not ack.code:
        return AttemptOutcome("retry", "bad_ack", "reply has no MSA segment")
    if ack.control_id != control_id:
        return AttemptOutcome(
            "retry", ack.code,
            f"ACK MSA-2 {ack.control_id!r} does not echo MSH-10 {control_id!r}{text}")
    if ack.code in {"AA", "CA"}:
        return AttemptOutcome("delivered", ack.code, ack.text)
    if ack.code in {"AE", "CE"}:
        return AttemptOutcome("quarantine", ack.code, f"rejected by peer{text}")
    if ack.code in {"AR", "CR"}:
        return AttemptOutcome("retry", ack.code, f"refused by peer{text}")
    return AttemptOutcome("retry", ack.code, f"unknown acknowledgment code{text}")


async def deliver_hl7_async(dest: Destination, message: str, control_id: str) -> AttemptOutcome:
    """Send `message` (whose MSH-10 is control_id) to an hl7 destination over MLLP."""
    if dest.kind != "hl7":
        raise ValueError(f"destination {dest.name!r} is not an hl7 destination")
    if not dest.port:
        raise ValueError(f"destination {dest.name!r}: port is required")
    try:
        reply = await send_mllp_async(dest.host, dest.port, message,
                                      connect_timeout=dest.timeout_seconds,
                                      read_timeout=dest.timeout_seconds)
    except MllpError as e:
        return AttemptOutcome("retry", e.code, e.detail)
    return classify_ack(reply, control_id)


def deliver_hl7(dest: Destination, message: str, control_id: str) -> AttemptOutcome:
    """Blocking wrapper around `deliver_hl7_async` (for worker threads without a loop)."""
    return asyncio.run(deliver_hl7_async(dest, message, control_id))
