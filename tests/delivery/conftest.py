"""Delivery fixtures: a real Orthanc, a recording FHIR stand-in and an MLLP peer, each its own
process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reporting.delivery.document import ReportDocument
from reporting.delivery.pdf import render_pdf
from reporting.delivery.samples import sample_document
from tests.conftest import Account
from tests.delivery.flow import make_accounts
from tests.delivery.servers import FhirStandIn, Orthanc
from tests.hl7.hl7_peer_control import PeerProcess


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[PeerProcess]:
    """An MLLP peer process answering AA (its `slow` mode answers after 3 s)."""
    p = PeerProcess(tmp_path / "peer", mode="ack", delay=3.0)
    p.record_dir.parent.mkdir(parents=True, exist_ok=True)
    p.start()
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    server = Orthanc(tmp_path_factory.mktemp("orthanc"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirStandIn]:
    server = FhirStandIn(tmp_path_factory.mktemp("fhir"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def final_doc() -> ReportDocument:
    return sample_document(status="final")


@pytest.fixture(scope="session")
def amended_doc() -> ReportDocument:
    return sample_document(with_addendum=True)


@pytest.fixture(scope="session")
def preliminary_doc() -> ReportDocument:
    return sample_document(status="preliminary")


@pytest.fixture(scope="session")
def amended_pdf(amended_doc: ReportDocument) -> bytes:
    """One rendered PDF shared by every test that needs real PDF bytes (renders cost ~0.3 s)."""
    return render_pdf(amended_doc)


@pytest.fixture(scope="session")
def amended_pdf_path(amended_pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "amended.pdf"
    path.write_bytes(amended_pdf)
    return path


@pytest.fixture
def accounts_factory(password_hashes: dict[str, str]) -> Callable[[Any], dict[str, Account]]:
    """Accounts for each role in an app's own database (tests that build their own app)."""
    return lambda app: make_accounts(app, password_hashes)
