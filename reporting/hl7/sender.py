"""Deliver an ORU to an HL7 destination and classify the answer as an AttemptOutcome.

`Hl7Connections` keeps one open MLLP connection per destination for a sender thread: a
connection is reused while the peer answers in step, closed on any transport error or an
answer that does not echo the message, and a message written onto a reused connection the
peer had closed is sent again at once on a new one (both tries are reported).
"""

from __future__ import annotations

from reporting.core.config import Destination
from reporting.delivery.outcome import AttemptOutcome
from reporting.hl7.ack import AckInfo, parse_ack
from reporting.hl7.mllp import MllpConnection, MllpError, send_mllp_async


def classify_ack(reply: bytes | str, control_id: str) -> AttemptOutcome:
    """AA/CA echoing control_id → delivered; AE/CE → quarantine; AR/CR or anything odd → retry."""
    return _classify(parse_ack(reply), control_id)


def _classify(ack: AckInfo, control_id: str) -> AttemptOutcome:
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


def _check_destination(dest: Destination) -> None:
    if dest.kind != "hl7":
        raise ValueError(f"destination {dest.name!r} is not an hl7 destination")
    if not dest.port:
        raise ValueError(f"destination {dest.name!r}: port is required")


class Hl7Connections:
    """Open MLLP connections by destination name, for one thread (not thread-safe)."""

    def __init__(self) -> None:
        self._open: dict[str, MllpConnection] = {}

    def connection(self, dest: Destination) -> MllpConnection:
        """The connection for `dest`, new when none is held or its address changed."""
        conn = self._open.get(dest.name)
        if conn is None or (conn.host, conn.port) != (dest.host, dest.port):
            if conn is not None:
                conn.close()
            conn = MllpConnection(dest.host, dest.port, connect_timeout=dest.timeout_seconds,
                                  read_timeout=dest.timeout_seconds)
            self._open[dest.name] = conn
        conn.connect_timeout = conn.read_timeout = dest.timeout_seconds
        return conn

    def send(self, dest: Destination, message: str, control_id: str) -> list[AttemptOutcome]:
        """Send one message; return one outcome per try (two when a stale connection died)."""
        _check_destination(dest)
        conn = self.connection(dest)
        outcomes: list[AttemptOutcome] = []
        for _ in range(2):
            try:
                reply = conn.exchange(message)
            except MllpError as e:
                if e.stale and not outcomes:
                    outcomes.append(AttemptOutcome(
                        "retry", e.code, f"{e.detail} (reused connection; sent again on a new "
                        "connection)"))
                    continue
                outcomes.append(AttemptOutcome("retry", e.code, e.detail))
                return outcomes
            ack = parse_ack(reply)
            if not ack.code or ack.control_id != control_id:
                # Not an answer to this message: the stream is out of step; start afresh.
                conn.close()
            outcomes.append(_classify(ack, control_id))
            return outcomes
        return outcomes

    def close(self) -> None:
        """Close every connection."""
        for conn in self._open.values():
            conn.close()
        self._open.clear()

    def __enter__(self) -> Hl7Connections:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def deliver_hl7_async(dest: Destination, message: str, control_id: str) -> AttemptOutcome:
    """Send `message` (whose MSH-10 is control_id) to an hl7 destination over MLLP."""
    _check_destination(dest)
    try:
        reply = await send_mllp_async(dest.host, dest.port, message,
                                      connect_timeout=dest.timeout_seconds,
                                      read_timeout=dest.timeout_seconds)
    except MllpError as e:
        return AttemptOutcome("retry", e.code, e.detail)
    return classify_ack(reply, control_id)


def deliver_hl7(dest: Destination, message: str, control_id: str) -> AttemptOutcome:
    """Blocking send over a connection of its own (for code without an event loop)."""
    _check_destination(dest)
    with MllpConnection(dest.host, dest.port, connect_timeout=dest.timeout_seconds,
                        read_timeout=dest.timeout_seconds) as conn:
        try:
            reply = conn.exchange(message)
        except MllpError as e:
            return AttemptOutcome("retry", e.code, e.detail)
    return classify_ack(reply, control_id)
