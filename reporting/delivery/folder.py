"""Drop report PDFs into a directory (a print server, a scanner inbox, an archive).

File names come from ``Destination.file_pattern``; each placeholder value is
sanitised so a name can never leave the folder. Files are written atomically
(temporary file, fsync, then a hard link that fails if the name exists, so
even two workers racing cannot overwrite each other) and an existing file is
never replaced: the same bytes again count as delivered, different bytes are
quarantined for a person to look at.
"""

from __future__ import annotations

import errno
import os
import re
import string
import tempfile
from pathlib import Path

from reporting.core.config import Destination
from reporting.delivery.document import ReportDocument
from reporting.delivery.outcome import AttemptOutcome

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FIELDS = (
    "accession", "report_id", "version", "status", "mrn", "facility", "modality",
    "signed_date", "signed_time", "family_name",
)


def _safe(value: object) -> str:
    return _UNSAFE.sub("_", str(value)).strip("._") or "_"


def pattern_values(doc: ReportDocument) -> dict[str, str]:
    """The placeholders a file pattern may use, already sanitised."""
    signed = doc.signed_at
    values: dict[str, object] = {
        "accession": doc.study.accession,
        "report_id": doc.report_id,
        "version": doc.version,
        "status": doc.status,
        "mrn": doc.patient.mrn,
        "facility": doc.facility.code,
        "modality": doc.study.modality,
        "signed_date": signed.strftime("%Y%m%d"),
        "signed_time": signed.strftime("%H%M%S"),
        "family_name": doc.patient.name.family,
    }
    return {key: _safe(value) for key, value in values.items()}


def file_name(pattern: str, doc: ReportDocument) -> str:
    """Fill the pattern; raise ValueError on an unknown placeholder or an unsafe result."""
    used = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    unknown = sorted({name for name in used if name not in FIELDS})
    if unknown:
        raise ValueError(f"file_pattern uses unknown placeholders {unknown}; known: {FIELDS}")
    name = pattern.format(**pattern_values(doc))
    if "/" in name or "\\" in name or name.startswith(".") or not name.strip():
        raise ValueError(f"file_pattern gives an unsafe file name: {name!r}")
    return name


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def deliver_folder(dest: Destination, doc: ReportDocument, pdf: bytes) -> AttemptOutcome:
    """Write the PDF into dest.path under dest.file_pattern, atomically, never overwriting."""
    if not dest.path:
        return AttemptOutcome("quarantine", "config", f"destination {dest.name}: path is empty")
    try:
        name = file_name(dest.file_pattern, doc)
    except (ValueError, IndexError, KeyError) as e:
        return AttemptOutcome("quarantine", "config", str(e))
    folder = Path(dest.path)
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if target.exists():
            return _already_there(target, pdf)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            try:
                os.link(tmp, target)  # atomic, and unlike rename it refuses to replace
            except FileExistsError:
                return _already_there(target, pdf)
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                    raise
                # File systems without hard links: rename, after the exists check above.
                if target.exists():
                    return _already_there(target, pdf)
                os.rename(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(folder)
    except OSError as e:
        code = errno.errorcode.get(e.errno or 0, "oserror")
        return AttemptOutcome("retry", code, f"{target}: {e.strerror or e}")
    return AttemptOutcome("delivered", "written", str(target))


def _already_there(target: Path, pdf: bytes) -> AttemptOutcome:
    if target.read_bytes() == pdf:
        return AttemptOutcome("delivered", "exists", f"{target} already holds this PDF")
    return AttemptOutcome(
        "quarantine", "exists_different", f"{target} exists with other content; not overwritten"
    )
