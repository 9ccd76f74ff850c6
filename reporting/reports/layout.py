"""How a report's fields become ordered, headed sections.

Reports carry a snapshot of the template they were created with; when the
snapshot names sections, they are used, otherwise the standard radiology
layout below. Either way a template edit never changes an existing report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SectionSpec:
    id: str
    heading: str
    loinc_code: str
    fields: tuple[str, ...]


STANDARD_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("clinical_information", "CLINICAL INFORMATION", "55752-0",
                ("clinical_information",)),
    SectionSpec("comparison", "COMPARISON", "18834-2", ("comparison",)),
    SectionSpec("technique", "TECHNIQUE", "55111-9", ("technique",)),
    SectionSpec("findings", "FINDINGS", "59776-5", ("findings",)),
    SectionSpec("impression", "IMPRESSION", "19005-8", ("impression",)),
)
STANDARD_FIELDS: tuple[dict[str, Any], ...] = (
    {"id": "clinical_information", "label": "Clinical information",
     "section": "clinical_information", "type": "text"},
    {"id": "comparison", "label": "Comparison", "section": "comparison", "type": "text"},
    {"id": "technique", "label": "Technique", "section": "technique", "type": "text"},
    {"id": "findings", "label": "Findings", "section": "findings", "type": "text",
     "required": True},
    {"id": "impression", "label": "Impression", "section": "impression", "type": "text",
     "required": True},
)


def field_specs(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's fields in order, from its template snapshot."""
    fields = snapshot.get("fields")
    return list(fields) if fields else [dict(f) for f in STANDARD_FIELDS]


def field_ids(snapshot: dict[str, Any]) -> list[str]:
    return [f["id"] for f in field_specs(snapshot)]
