"""The HL7 error that turns into an AE/AR acknowledgment with an ERR segment."""

from __future__ import annotations

from typing import Literal

from reporting.core.errors import ReportingError

AckErrorCode = Literal["AE", "AR"]

# HL7 table 0357 (message error condition codes) used by this interface.
REQUIRED_FIELD_MISSING = "101"
SEGMENT_SEQUENCE_ERROR = "100"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT_CODE = "201"
UNSUPPORTED_PROCESSING_ID = "202"
UNSUPPORTED_VERSION_ID = "203"
UNKNOWN_KEY_IDENTIFIER = "204"
DUPLICATE_KEY_IDENTIFIER = "205"
APPLICATION_INTERNAL_ERROR = "207"

ERROR_TEXTS = {
    "0": "Message accepted",
    SEGMENT_SEQUENCE_ERROR: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    DATA_TYPE_ERROR: "Data type error",
    TABLE_VALUE_NOT_FOUND: "Table value not found",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT_CODE: "Unsupported event code",
    UNSUPPORTED_PROCESSING_ID: "Unsupported processing id",
    UNSUPPORTED_VERSION_ID: "Unsupported version id",
    UNKNOWN_KEY_IDENTIFIER: "Unknown key identifier",
    DUPLICATE_KEY_IDENTIFIER: "Duplicate key identifier",
    "206": "Application record locked",
    APPLICATION_INTERNAL_ERROR: "Application internal error",
}


class Hl7Error(ReportingError):
    """A message we cannot accept: AR (reject: unsupported/unparseable) or AE (bad data).

    field names the location in "SEG-N" or "SEG-N.C" form (e.g. "OBR-18", "PID-3"), or a
    bare segment name; hl7_error_code is an HL7 table 0357 code (e.g. "101").
    """

    status = 422
    code = "hl7_rejected"

    def __init__(
        self,
        ack_code: AckErrorCode,
        message: str,
        field: str = "",
        hl7_error_code: str = APPLICATION_INTERNAL_ERROR,
    ) -> None:
        if ack_code not in ("AE", "AR"):
            raise ValueError(f"ack_code must be AE or AR, not {ack_code!r}")
        super().__init__(message, field=field, ack_code=ack_code)
        self.ack_code: AckErrorCode = ack_code
        self.field = field
        self.hl7_error_code = hl7_error_code

    def __repr__(self) -> str:
        return (f"Hl7Error({self.ack_code!r}, {self.message!r}, field={self.field!r}, "
                f"hl7_error_code={self.hl7_error_code!r})")
