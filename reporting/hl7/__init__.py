"""HL7 v2 interface: order intake (MLLP listener, parsing, ACKs) and ORU^R01 results out."""

from reporting.hl7.ack import AckInfo, build_ack, parse_ack
from reporting.hl7.er7 import decode_message, escape, unescape
from reporting.hl7.errors import Hl7Error
from reporting.hl7.inbound import InboundMessage, OrderData, PatientData, dedup_key, parse_inbound
from reporting.hl7.mllp import MllpError, MllpServer, send_mllp, send_mllp_async
from reporting.hl7.oru import DEFAULT_SECTION_CODES, build_oru
from reporting.hl7.sender import classify_ack, deliver_hl7, deliver_hl7_async
from reporting.hl7.validation import Hl7ValidationError, validate_message

__all__ = [
    "DEFAULT_SECTION_CODES",
    "AckInfo",
    "Hl7Error",
    "Hl7ValidationError",
    "InboundMessage",
    "MllpError",
    "MllpServer",
    "OrderData",
    "PatientData",
    "build_ack",
    "build_oru",
    "classify_ack",
    "decode_message",
    "dedup_key",
    "deliver_hl7",
    "deliver_hl7_async",
    "escape",
    "parse_ack",
    "parse_inbound",
    "send_mllp",
    "send_mllp_async",
    "unescape",
    "validate_message",
]
