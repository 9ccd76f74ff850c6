"""HL7 v2 interface: order intake (MLLP listener, parsing, ACKs) and ORU^R01 results out."""
