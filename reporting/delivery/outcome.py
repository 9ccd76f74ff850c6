"""What one delivery attempt came to; every sender returns one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["delivered", "retry", "quarantine"]


@dataclass(frozen=True)
class AttemptOutcome:
    """The result of one try to hand a message to a destination.

    verdict: ``delivered`` (done), ``retry`` (transient: timeout, dropped
    connection, AR/CR, DICOM failure status, HTTP 5xx; the outbox backs off and
    tries again with the same payload and ids) or ``quarantine`` (the peer
    understood and refused it: AE/CE, HTTP 4xx; a person must look).
    code: the peer's answer (ACK code "AA", DICOM status "0x0000", HTTP "201")
    or a short local code ("timeout", "connection_refused", "dropped").
    """

    verdict: Verdict
    code: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "delivered"
