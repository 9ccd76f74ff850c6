"""The study context every template default, body and macro can read.

``build_context`` always returns the same shape (every key present, blanks as ""), so
StrictUndefined only trips on a template author's typo, never on a missing order value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

# Body-region groups: a prior counts as "the same body region" when its body part (or,
# failing that, words in its exam description) falls in a group shared with the current
# study. Abdomen and pelvis are one group because CT abdomen/pelvis covers both.
REGION_GROUPS: dict[str, frozenset[str]] = {
    "CHEST": frozenset({"CHEST", "THORAX", "LUNG", "LUNGS", "RIBS", "PE", "CHESTABDOMEN",
                        "CHESTABDPELVIS", "HEART", "CARDIAC"}),
    "ABDOMEN": frozenset({"ABDOMEN", "ABD", "PELVIS", "ABDOMENPELVIS", "ABDPELVIS", "ABDPEL",
                         "KIDNEY", "KIDNEYS", "RENAL", "LIVER", "RUQ", "UROGRAM", "CHESTABDOMEN",
                         "CHESTABDPELVIS", "GALLBLADDER", "PANCREAS", "BLADDER", "UTERUS",
                         "OVARY", "PROSTATE", "RETROPERITONEUM"}),
    "HEAD": frozenset({"HEAD", "BRAIN", "SKULL", "HEADNECK", "ORBIT", "IAC", "PITUITARY"}),
    "NECK": frozenset({"NECK", "HEADNECK", "THYROID", "CAROTID", "SOFTTISSUENECK"}),
    "CSPINE": frozenset({"CSPINE", "CERVICALSPINE", "SPINE"}),
    "TSPINE": frozenset({"TSPINE", "THORACICSPINE", "SPINE"}),
    "LSPINE": frozenset({"LSPINE", "LUMBARSPINE", "LUMBAR", "SPINE", "LSSPINE"}),
    "KNEE": frozenset({"KNEE", "KNEES"}),
    "SHOULDER": frozenset({"SHOULDER"}),
    "HIP": frozenset({"HIP", "HIPS"}),
    "BREAST": frozenset({"BREAST", "BREASTS", "MAMMO", "MAMMOGRAPHY"}),
}

_DESCRIPTION_HINTS: tuple[tuple[str, str], ...] = (
    (r"\b(mammo\w*|breast)\b", "BREAST"),
    (r"\b(lumbar|l-?spine)\b", "LSPINE"),
    (r"\b(thoracic spine|t-?spine)\b", "TSPINE"),
    (r"\b(cervical spine|c-?spine)\b", "CSPINE"),
    (r"\b(chest|thorax|lungs?|pulmonary|cta pe)\b", "CHEST"),
    (r"\b(abdomen|abd|pelvis|pelvic|renal|kidneys?|liver|stone)\b", "ABDOMEN"),
    (r"\b(head|brain|skull)\b", "HEAD"),
    (r"\b(neck|carotids?|thyroid)\b", "NECK"),
    (r"\bknees?\b", "KNEE"),
    (r"\bshoulders?\b", "SHOULDER"),
    (r"\bhips?\b", "HIP"),
)

SEX_DISPLAY = {"M": "male", "F": "female", "O": "other", "U": "unknown"}

MODALITY_NAMES = {
    "CR": "Radiograph", "DX": "Radiograph", "CT": "CT", "MR": "MRI", "US": "Ultrasound",
    "MG": "Mammogram", "NM": "Nuclear medicine", "PT": "PET", "XA": "Angiogram",
    "RF": "Fluoroscopy",
}


def normalize_body_part(value: str) -> str:
    """Upper-case and drop everything but letters and digits ("L-Spine" → "LSPINE")."""
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def regions_of(body_part: str, description: str = "") -> frozenset[str]:
    """The region groups a body part (or, when blank, an exam description) belongs to."""
    part = normalize_body_part(body_part)
    if part:
        found = {name for name, members in REGION_GROUPS.items() if part in members}
        if found:
            return frozenset(found)
        return frozenset({part})
    lowered = description.lower()
    return frozenset(region for pattern, region in _DESCRIPTION_HINTS
                     if re.search(pattern, lowered))


def same_region(
    body_part: str, other_body_part: str, *, description: str = "", other_description: str = ""
) -> bool:
    """True when two studies image the same body region (synonyms and groups included)."""
    mine = regions_of(body_part, description)
    theirs = regions_of(other_body_part, other_description)
    return bool(mine & theirs)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):  # HL7 / DICOM DA
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        day = _as_date(value)
        return datetime(day.year, day.month, day.day) if day else None


def age_at(birth: date | None, on: date) -> int | None:
    """Whole years between a birth date and a day."""
    if birth is None:
        return None
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return max(years, 0)


def _name_parts(value: Any) -> tuple[str, str, str]:
    """(display "Given Family", family, given) from "Family^Given" or a mapping."""
    if isinstance(value, Mapping):
        family = str(value.get("family") or "")
        given = str(value.get("given") or "")
        display = str(value.get("display") or value.get("name") or "")
        if not family and display:
            return display, display, ""
    else:
        text = str(value or "")
        if "^" in text:
            parts = [*text.split("^"), ""]
            family, given = parts[0], parts[1]
        else:
            return text, text, ""
    shown = " ".join(p for p in (given, family) if p)
    return shown, family, given


def _prior_exam(prior: Mapping[str, Any]) -> str:
    return str(prior.get("exam") or prior.get("procedure_description") or
               prior.get("description") or prior.get("modality") or "Prior study").strip()


def comparison_text(priors: Sequence[Mapping[str, Any]]) -> str:
    """ "CT chest 2026-03-02. CT chest 2025-09-14." for priors (newest first), or "None."."""
    if not priors:
        return "None."
    return " ".join(f"{p['exam']} {p['date']}." if p["date"] else f"{p['exam']}."
                    for p in priors)


def relevant_priors(
    priors: Sequence[Mapping[str, Any]], *, body_part: str, description: str,
    before: date | None, limit: int = 3,
) -> list[dict[str, str]]:
    """Earlier studies of the same body region, newest first, as context dicts."""
    chosen: list[tuple[date, dict[str, str]]] = []
    for prior in priors:
        exam = _prior_exam(prior)
        if not same_region(body_part, str(prior.get("body_part") or ""),
                           description=description, other_description=exam):
            continue
        day = _as_date(prior.get("date") or prior.get("performed_at"))
        if before is not None and day is not None and day >= before:
            continue
        chosen.append((day or date.min, {
            "exam": exam,
            "modality": str(prior.get("modality") or ""),
            "body_part": str(prior.get("body_part") or ""),
            "date": day.isoformat() if day else "",
            "impression": str(prior.get("impression") or "").strip(),
            "accession": str(prior.get("accession") or ""),
        }))
    chosen.sort(key=lambda item: item[0], reverse=True)
    return [item for _, item in chosen[:limit]]


def build_context(
    *,
    patient: Mapping[str, Any],
    study: Mapping[str, Any],
    facility: Mapping[str, Any],
    radiologist: Mapping[str, Any] | None,
    priors: Sequence[Mapping[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """Assemble the template context from order data (keys as in the REST study body)."""
    birth = _as_date(patient.get("birth_date"))
    performed = _as_datetime(study.get("performed_at") or study.get("scheduled_at")
                             or study.get("date")) or now
    age = age_at(birth, performed.date())
    sex = str(patient.get("sex") or "U").upper()[:1] or "U"
    name, family, given = _name_parts(patient.get("name"))
    description = str(study.get("procedure_description") or study.get("description") or "")
    reason = str(study.get("reason") or study.get("clinical_history") or "").strip()
    ordering, _, _ = _name_parts(study.get("ordering_provider"))
    rad_name, _, _ = _name_parts((radiologist or {}).get("name"))
    modality = str(study.get("modality") or "").upper()
    body_part = str(study.get("body_part") or "")
    prior_items = relevant_priors(priors, body_part=body_part, description=description,
                                  before=performed.date())
    return {
        "patient": {
            "name": name,
            "family": family,
            "given": given,
            "mrn": str(patient.get("mrn") or ""),
            "birth_date": birth.isoformat() if birth else "",
            "age": "" if age is None else str(age),
            "age_text": "" if age is None else f"{age}-year-old",
            "sex": sex,
            "sex_text": SEX_DISPLAY.get(sex, "unknown"),
        },
        "study": {
            "accession": str(study.get("accession") or ""),
            "description": description,
            "procedure_code": str(study.get("procedure_code") or ""),
            "modality": modality,
            "modality_text": MODALITY_NAMES.get(modality, modality),
            "body_part": body_part,
            "date": performed.date().isoformat(),
            "time": performed.strftime("%H:%M"),
            "datetime": performed.isoformat(timespec="minutes"),
            "reason": reason,
            "clinical_history": reason,
            "ordering_provider": ordering,
            "priority": str(study.get("priority") or "ROUTINE"),
            "laterality": str(study.get("laterality") or ""),
        },
        "facility": {
            "code": str(facility.get("code") or ""),
            "name": str(facility.get("name") or facility.get("code") or ""),
        },
        "radiologist": {
            "name": rad_name,
            "username": str((radiologist or {}).get("username") or ""),
            "credentials": str((radiologist or {}).get("credentials") or ""),
        },
        "priors": prior_items,
        "comparison": comparison_text(prior_items),
        "now": {"date": now.date().isoformat(), "time": now.strftime("%H:%M")},
    }


def sample_context(*, modality: str = "CT", body_part: str = "CHEST", sex: str = "F",
                   description: str = "CT CHEST WITH CONTRAST") -> dict[str, Any]:
    """A realistic context for linting and previews (one relevant prior)."""
    return build_context(
        patient={"mrn": "MRN0001", "name": "Doe^Jane", "birth_date": "1970-05-17", "sex": sex},
        study={"accession": "ACC0001", "procedure_code": "SAMPLE",
               "procedure_description": description, "modality": modality,
               "body_part": body_part, "reason": "Shortness of breath.",
               "ordering_provider": "Smith^John", "performed_at": "2026-04-01T09:30:00"},
        facility={"code": "MAIN", "name": "Main Hospital"},
        radiologist={"name": "House^Gregory", "credentials": "MD"},
        priors=[{"exam": description.title(), "modality": modality, "body_part": body_part,
                 "date": "2026-03-02", "impression": "No acute abnormality."}],
        now=datetime(2026, 4, 1, 10, 0),
    )
