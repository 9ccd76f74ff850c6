"""What goes out for a signed version, built at send time from the document stored with it.

Every builder is deterministic for a given version and outbox row: HL7 MSH-10 is the row's
control id and MSH-7 its enqueue time, DICOM UIDs and the FHIR id derive from the report id,
and the PDF is rendered once per signed version into DATA_DIR/outputs and never replaced.
A retry therefore sends the same message the first try sent.

Two in-process caches spare the worker repeated work: `documents` holds the ReportDocument
of recent signed versions (filled when this process signed the version, or on first
read of the stored form; keyed by report id, version and content hash, so a hit is that exact frozen
version), and `messages` holds each outbox row's built HL7 message until the row is done,
so a retry resends those very bytes. Both are bounded; a miss reads the database again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar

from pydicom.dataset import Dataset

from reporting.core.config import Destination, Settings
from reporting.delivery.document import ReportDocument
from reporting.delivery.encapsulated import build_encapsulated_pdf
from reporting.delivery.pdf import render_pdf
from reporting.delivery.sr import build_sr
from reporting.hl7.oru import build_oru

V = TypeVar("V")


class LruCache(Generic[V]):
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Store a value, evicting the least recently used beyond `size`."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def pop(self, key: Hashable) -> None:
        """Forget a key (no error when absent)."""
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


DocumentKey = tuple[str, int, str]  # report id, version number, content hash
documents: LruCache[ReportDocument] = LruCache(2048)
messages: LruCache[str] = LruCache(4096)  # by (outbox id, control id)


def pdf_path(settings: Settings, report_id: str, version: int) -> Path:
    """Where the PDF of one signed version lives."""
    safe = "".join(c for c in report_id if c.isalnum() or c == "-")
    return settings.data_dir / "outputs" / safe / f"v{version}.pdf"


def stored_pdf(settings: Settings, doc: ReportDocument) -> bytes:
    """The PDF of this signed version: rendered on first use, then always the same file."""
    path = pdf_path(settings, doc.report_id, doc.version)
    if path.exists():
        return path.read_bytes()
    data = render_pdf(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pdf-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another worker stored it first: keep theirs
        except FileExistsError:
            return path.read_bytes()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return data


def preview_control_id(report_id: str, version: int) -> str:
    """A stable MSH-10 for an ORU shown through the API (not the one a destination got)."""
    return "P" + hashlib.sha256(f"{report_id}:{version}".encode()).hexdigest()[:19]


def oru(settings: Settings, doc: ReportDocument, *, control_id: str, now: datetime,
        dest: Destination | None = None, pdf: bytes | None = None) -> str:
    """The ORU^R01 of this version for a destination (or the default shape without one)."""
    return build_oru(
        doc,
        control_id=control_id,
        version=dest.version if dest else "2.5.1",
        obx_layout=dest.obx_layout if dest else "line",
        sending_application=settings.hl7.sending_application,
        sending_facility=settings.hl7.sending_facility,
        receiving_application=dest.receiving_application if dest else "",
        receiving_facility=dest.receiving_facility if dest else "",
        pdf=pdf,
        now=now,
    )


def dicom_objects(settings: Settings, dest: Destination, doc: ReportDocument) -> list[Dataset]:
    """The SR and/or encapsulated PDF a dicom destination asked for."""
    out: list[Dataset] = []
    if "sr" in dest.objects:
        out.append(build_sr(doc))
    if "pdf" in dest.objects:
        out.append(build_encapsulated_pdf(doc, stored_pdf(settings, doc)))
    return out
