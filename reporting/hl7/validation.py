"""hl7apy strict validation of the messages we build."""

from __future__ import annotations

import base64
import binascii

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.core import Message
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_component, parse_components, parse_message

from reporting.hl7.er7 import Delimiters, normalise_segments

# hl7apy types every component of OBX-5 ("varies") as ST, limited to 199 characters,
# whatever OBX-2 says. Text and PDF values are therefore checked against their real
# data type (TX/FT up to 65536 characters, ED with base64 data) separately.
HL7APY_VARIES_LIMIT = 199
TEXT_LIMIT = 65536


class Hl7ValidationError(ValueError):
    """A built message that hl7apy rejects in strict mode."""


def validate_message(er7: str) -> Message:
    """Parse and validate `er7` with hl7apy at STRICT level; raise Hl7ValidationError.

    OBX-5 values are validated against the data type in OBX-2 (see HL7APY_VARIES_LIMIT);
    everything else goes through `parse_message(..., STRICT)` and `.validate()` unchanged.
    """
    text = normalise_segments(er7)
    d = Delimiters.from_message(text)
    lines = text.split("\r")
    version = ""
    if lines and lines[0].startswith("MSH"):
        msh = lines[0].split(d.field)
        version = msh[11].split(d.component)[0] if len(msh) > 11 else ""
    checked: list[str] = []
    for number, line in enumerate(lines, 1):
        fields = line.split(d.field)
        if fields[0] == "OBX" and len(fields) > 5 and len(fields[5]) > HL7APY_VARIES_LIMIT:
            _validate_obx5(fields[2], fields[5], version, d, number)
            # The value was checked above; hl7apy sees a short stand-in of the same shape.
            fields[5] = "^AP^PDF^Base64^X" if fields[2] == "ED" else "X"
            line = d.field.join(fields)
        checked.append(line)
    try:
        message = parse_message("\r".join(checked) + "\r",
                                validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
    except (HL7apyException, ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        raise Hl7ValidationError(f"hl7apy strict validation failed: {e}"[:500]) from e
    return message


def _validate_obx5(value_type: str, value: str, version: str, d: Delimiters, line: int) -> None:
    where = f"segment {line} OBX-5 ({value_type})"
    try:
        if value_type in {"TX", "FT"}:
            for rep in value.split(d.repetition):
                if len(rep) > TEXT_LIMIT:
                    raise Hl7ValidationError(f"{where} exceeds {TEXT_LIMIT} characters")
                parse_component(rep, datatype=value_type, version=version,
                                validation_level=VALIDATION_LEVEL.STRICT)
        elif value_type == "ED":
            comps = value.split(d.component)
            if len(comps) != 5:
                raise Hl7ValidationError(f"{where} must have 5 components")
            parse_components(d.component.join(comps[:4]), field_datatype="ED", version=version,
                             validation_level=VALIDATION_LEVEL.STRICT)
            if comps[3] != "Base64":
                raise Hl7ValidationError(f"{where} encoding must be Base64")
            base64.b64decode(comps[4], validate=True)
        else:
            raise Hl7ValidationError(f"{where} longer than {HL7APY_VARIES_LIMIT} characters")
    except (HL7apyException, binascii.Error) as e:
        raise Hl7ValidationError(f"{where}: {e}"[:300]) from e
