"""Fixtures for HL7 tests: a real MLLP peer process (tests/hl7/peer.py) on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hl7_peer_control import PeerProcess


@pytest.fixture
def mllp_peer(tmp_path: Path) -> Iterator[PeerProcess]:
    """A started MLLP peer in mode `ack` on a free port; stopped after the test."""
    peer = PeerProcess(tmp_path, delay=3.0)
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()
