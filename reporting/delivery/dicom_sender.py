"""Send DICOM objects (SR, encapsulated PDF) to a PACS with C-STORE.

Status policy (see docs/outputs.md): only 0x0000 counts as stored. A failure
the peer may get over (0xA7xx out of resources, 0x0110 processing failure,
anything unknown) and every network trouble (refused, rejected, aborted,
timed out) is ``retry``: the UIDs are stable, so a resend is the same
instance. Statuses that say the peer will never take this object
(0xA9xx data set does not match SOP class, 0xCxxx cannot understand,
0x0122 SOP class not supported, 0x0124 not authorised, no accepted
presentation context) and warnings (0xB000/0xB006/0xB007: stored, but the peer
changed or dropped elements) are ``quarantine``: a person must look.
0x0111 (duplicate SOP Instance UID) means the PACS already holds this exact
instance from an earlier try, so it counts as delivered.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE

from reporting.core.config import Destination
from reporting.delivery.outcome import AttemptOutcome, Verdict

_PERMANENT = {0x0122, 0x0124, 0x0210, 0x0211, 0x0212}
_DUPLICATE = 0x0111
_WARNINGS = {0xB000, 0xB006, 0xB007}


def store_status_verdict(status: int) -> Verdict:
    """The verdict for one C-STORE response status (policy in the module docstring)."""
    if status == 0x0000 or status == _DUPLICATE:
        return "delivered"
    if status in _WARNINGS or status in _PERMANENT:
        return "quarantine"
    if status & 0xFF00 == 0xA900 or status & 0xF000 == 0xC000:
        return "quarantine"
    return "retry"


def _why_no_association(dest: Destination) -> str:
    """pynetdicom reports every connection failure as an abort; a TCP probe tells them apart."""
    try:
        with socket.create_connection((dest.host, dest.port), timeout=dest.timeout_seconds):
            return "aborted"
    except ConnectionRefusedError:
        return "connection_refused"
    except TimeoutError:
        return "timeout"
    except OSError as e:
        return f"network_error:{e.errno}"


def deliver_dicom(dest: Destination, datasets: Sequence[Dataset]) -> AttemptOutcome:
    """C-STORE every dataset over one association; delivered only if all are stored."""
    if not datasets:
        return AttemptOutcome("quarantine", "empty", "nothing to send")
    if not dest.port:
        return AttemptOutcome("quarantine", "config", f"destination {dest.name}: port is not set")
    ae = AE(ae_title=dest.calling_ae_title)
    for sop_class in dict.fromkeys(str(ds.SOPClassUID) for ds in datasets):
        ae.add_requested_context(sop_class, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    ae.acse_timeout = dest.timeout_seconds
    ae.dimse_timeout = dest.timeout_seconds
    ae.network_timeout = dest.timeout_seconds
    ae.connection_timeout = dest.timeout_seconds
    where = f"{dest.ae_title}@{dest.host}:{dest.port}"
    assoc = ae.associate(dest.host, dest.port, ae_title=dest.ae_title)
    if not assoc.is_established:
        if assoc.is_rejected:
            return AttemptOutcome("retry", "rejected", f"association rejected by {where}")
        return AttemptOutcome("retry", _why_no_association(dest), f"no association with {where}")
    try:
        for ds in datasets:
            try:
                response = assoc.send_c_store(ds)
            except ValueError as e:  # no accepted presentation context for this SOP class
                return AttemptOutcome("quarantine", "no_context", str(e))
            if "Status" not in response:
                return AttemptOutcome(
                    "retry", "no_response", f"no C-STORE response for {ds.SOPInstanceUID}"
                )
            status = int(response.Status)
            verdict = store_status_verdict(status)
            if verdict != "delivered":
                comment = str(response.get("ErrorComment", ""))
                return AttemptOutcome(
                    verdict, f"0x{status:04X}", f"{ds.SOPInstanceUID}: {comment}".strip()
                )
    finally:
        if assoc.is_established:
            assoc.release()
    return AttemptOutcome("delivered", "0x0000", f"{len(datasets)} object(s) stored at {where}")
