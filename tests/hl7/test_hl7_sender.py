"""ORU delivery against the real MLLP peer process (tests/hl7/peer.py)."""

from __future__ import annotations

import time

import pytest
from hl7_peer_control import PeerProcess, free_port

from reporting.core.config import Destination
from reporting.delivery.samples import sample_document
from reporting.hl7.mllp import MllpError, send_mllp
from reporting.hl7.oru import build_oru
from reporting.hl7.sender import classify_ack, deliver_hl7, deliver_hl7_async

CONTROL_ID = "RPT7f0c3a52v1"


@pytest.fixture(scope="module")
def oru() -> str:
    return build_oru(sample_document(), control_id=CONTROL_ID)


def dest(port: int, timeout: float = 2.0) -> Destination:
    return Destination(name="ris", kind="hl7", host="127.0.0.1", port=port,
                       timeout_seconds=timeout)


async def test_aa_is_delivered_and_recorded(mllp_peer: PeerProcess, oru: str) -> None:
    outcome = await deliver_hl7_async(dest(mllp_peer.port), oru, CONTROL_ID)
    assert (outcome.verdict, outcome.code) == ("delivered", "AA")
    assert outcome.ok
    assert mllp_peer.received() == [oru.encode()]


@pytest.mark.parametrize(
    ("mode", "verdict", "code", "detail"),
    [
        ("ca", "delivered", "CA", ""),
        ("nak-ae", "quarantine", "AE", "peer says AE"),
        ("nak-ar", "retry", "AR", "peer says AR"),
        ("wrong-id", "retry", "AA", "does not echo"),
        ("drop", "retry", "dropped", "closed the connection"),
        ("drop-mid", "retry", "dropped", "closed the connection"),
        ("garbage", "retry", "dropped", "closed the connection"),
    ],
)
async def test_peer_answers_map_to_outcomes(mllp_peer, oru, mode, verdict, code, detail) -> None:
    mllp_peer.set_mode(mode)
    outcome = await deliver_hl7_async(dest(mllp_peer.port), oru, CONTROL_ID)
    assert (outcome.verdict, outcome.code) == (verdict, code)
    assert detail in outcome.detail
    assert len(mllp_peer.received()) == 1


async def test_slow_peer_beyond_read_timeout_is_retry(mllp_peer, oru) -> None:
    mllp_peer.set_mode("slow")  # the fixture's peer waits 3 s
    started = time.monotonic()
    outcome = await deliver_hl7_async(dest(mllp_peer.port, timeout=0.5), oru, CONTROL_ID)
    assert (outcome.verdict, outcome.code) == ("retry", "timeout")
    assert time.monotonic() - started < 2.5


def test_peer_down_then_restarted_sync_wrapper(mllp_peer, oru) -> None:
    mllp_peer.kill()
    outcome = deliver_hl7(dest(mllp_peer.port), oru, CONTROL_ID)
    assert (outcome.verdict, outcome.code) == ("retry", "connection_refused")
    mllp_peer.start()
    outcome = deliver_hl7(dest(mllp_peer.port), oru, CONTROL_ID)
    assert (outcome.verdict, outcome.code) == ("delivered", "AA")
    # The same message and control id on retry: the peer saw it once, intact.
    assert mllp_peer.received() == [oru.encode()]


def test_send_mllp_sync_and_refused_port(mllp_peer, oru) -> None:
    reply = send_mllp("127.0.0.1", mllp_peer.port, oru, connect_timeout=2, read_timeout=2)
    assert b"MSA|AA|" + CONTROL_ID.encode() in reply
    with pytest.raises(MllpError) as info:
        send_mllp("127.0.0.1", free_port(), oru, connect_timeout=1, read_timeout=1)
    assert info.value.code == "connection_refused"


def test_classify_ack_edge_cases() -> None:
    assert classify_ack(b"garbage", "X").code == "bad_ack"
    nak = "MSH|^~\\&|A|B|C|D|20260101||ACK^R01^ACK|1|P|2.5.1\rMSA|CR|X|busy\r"
    assert (classify_ack(nak, "X").verdict, classify_ack(nak, "X").detail) == (
        "retry", "refused by peer: busy")
    ce = nak.replace("MSA|CR", "MSA|CE")
    assert classify_ack(ce, "X").verdict == "quarantine"
