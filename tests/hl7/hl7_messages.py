"""Real-world-shaped inbound HL7 messages used by the HL7 tests.

Segments are written as {field number: value} so every field sits where the test says.
"""

from __future__ import annotations


def seg(name: str, fields: dict[int, str]) -> str:
    """One ER7 segment from {field number: encoded value}."""
    return "|".join([name, *(fields.get(n, "") for n in range(1, max(fields) + 1))])


def msh(rest: str) -> str:
    return "MSH|^~\\&|" + rest


ORM_O01_231 = "\r".join([
    msh("EPIC|NGH^1.2.840.1^ISO|REPORTING|RADIOLOGY|20261120213000-0500||ORM^O01|MSG00017|P|"
        "2.3.1|||AL|NE||8859/1"),
    seg("PID", {1: "1", 2: "EXT-99^^^EPI",
                3: "ALT123^^^NGHALT^PI~MRN004521^^^NORTHGATE^MR~123-45-6789^^^SSA^SS",
                5: "O'Brien-M\\S\\ller^Jörg^Anton^Jr^Mr", 7: "19580314", 8: "M",
                11: "1 Harbour Rd^^Springfield^^01101", 13: "(555)123-4567"}),
    seg("PV1", {1: "1", 2: "E", 3: "ED^12^1^NGH", 7: "1111^Ward^Simon^^^Dr",
                8: "2222^Patel^Anjali", 19: "V20261120-17", 44: "20261120210000"}),
    seg("ORC", {1: "NW", 2: "PLC778812^EPIC", 3: "FIL445120^RIS", 5: "SC",
                7: "^^^20261120220000^^S", 9: "20261120213000", 10: "TECH01^Nurse^Ann",
                12: "998877^Rivera^Carmen^^^^MD"}),
    seg("OBR", {1: "1", 2: "PLC778812^EPIC", 3: "FIL445120^RIS",
                4: "CTCHEST^CT CHEST WITHOUT CONTRAST^L", 7: "20261120213000",
                13: "Shortness of breath \\T\\ cough; smoker", 16: "998877^Rivera^Carmen^^^^MD",
                18: "NGH26-001234", 19: "RP4451", 24: "CT", 27: "^^^20261120220000^^S",
                31: "R06.02^Shortness of breath^I10~Z87.891^History of nicotine dependence^I10",
                36: "20261120220000"}),
    seg("ZDS", {1: "1.2.826.0.1.3680043.8.498.12345678901234567890^RIS^Application^DICOM"}),
    seg("NTE", {1: "1", 3: "Patient claustrophobic"}),
]) + "\r"

OMI_O23_251 = "\r".join([
    msh("CERNER|SOUTHPARK|REPORTING|RADIOLOGY|20261121083000+0100||OMI^O23^OMI_O23|"
        "OMI-20261121-0042|P|2.5.1|||AL|AL||UNICODE UTF-8"),
    seg("PID", {1: "1", 3: "SP-778899^^^SOUTHPARK^MR", 5: "Nakamura^Yuki^^^^^L",
                7: "19901205", 8: "F"}),
    seg("PV1", {1: "1", 2: "O", 3: "XR^1^^SOUTHPARK", 7: "4455^Berg^Lars",
                8: "3344^Dubois^Claire", 19: "VN-55120"}),
    seg("ORC", {1: "NW", 2: "ORD-1001", 3: "FIL-2002", 5: "SC", 9: "20261121082900",
                12: "7788^Okonkwo^Chidi"}),
    seg("TQ1", {1: "1", 7: "20261121100000", 8: "20261121110000", 9: "A^ASAP^HL70485"}),
    seg("OBR", {1: "1", 2: "ORD-1001", 3: "FIL-2002",
                4: "MRKNEEL^MR KNEE LEFT WITHOUT CONTRAST^L",
                13: "Twisting injury\\S\\ medial joint line pain", 16: "7788^Okonkwo^Chidi",
                24: "MR", 31: "S83.2^Meniscus tear^I10"}),
    seg("IPC", {1: "SP26-000777", 2: "RP-9001",
                3: "1.2.840.113619.2.55.3.2831164355.123.1234567890.1", 4: "SPS-1", 5: "MR"}),
    seg("ZXT", {1: "whatever^the^site^sends"}),
]) + "\r"

ADT_A08_231 = "\r".join([
    msh("EPIC|NGH|REPORTING|RADIOLOGY|20261122101500||ADT^A08|ADT-5501|P|2.3.1"),
    seg("EVN", {1: "A08", 2: "20261122101500"}),
    seg("PID", {1: "1", 3: "MRN004521^^^NORTHGATE^MR", 5: "Müller^Jörg^Anton",
                7: "19580315", 8: "M"}),
    seg("PV1", {1: "1", 2: "I", 3: "W3^301^A", 19: "V20261120-17"}),
]) + "\r"

ADT_A40_251 = "\r".join([
    msh("EPIC|NGH|REPORTING|RADIOLOGY|20261122110000||ADT^A40^ADT_A39|ADT-5502|P|2.5.1"),
    seg("EVN", {1: "A40", 2: "20261122110000"}),
    seg("PID", {1: "1", 3: "MRN004521^^^NORTHGATE^MR", 5: "Müller^Jörg^Anton",
                7: "19580314", 8: "M"}),
    seg("MRG", {1: "MRN009999^^^NORTHGATE^MR", 7: "Mueller^Joerg"}),
]) + "\r"
