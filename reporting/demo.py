"""Demo data: a newcomer can log in and read at once (`reporting demo`)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.audit import service as audit
from reporting.auth import service as auth
from reporting.auth.models import User
from reporting.core.db import utcnow
from reporting.reports import service as reports
from reporting.studies import service as studies
from reporting.studies.schemas import StudyIn

ACCOUNTS = [
    # username, password, role, given, family, credentials
    ("drokafor", "demo-radiologist", "radiologist", "Adaeze", "Okafor", "MD"),
    ("drchen", "demo-radiologist2", "radiologist", "Wei", "Chen", "MD"),
    ("drnovak", "demo-resident", "resident", "Petr", "Novak", "MD"),
    ("dlee", "demo-transcriptionist", "transcriptionist", "Dana", "Lee", ""),
    ("tauthor", "demo-templates", "template_author", "Sam", "Ortiz", ""),
    ("admin", "demo-admin", "admin", "Ada", "Admin", ""),
    ("mirth", "demo-integration", "integration", "Interface", "Engine", ""),
]

FACILITIES = [
    ("NGH", "Northgate General Hospital", "1 Harbour Road, Springfield"),
    ("RVC", "Riverside Valley Clinic", "22 Mill Lane, Riverside"),
    ("SMC", "St. Mary's Medical Center", "400 Cathedral Ave, Lakeview"),
]

PATIENTS = [
    ("NGH100001", "NGH", "Garcia^Maria^L", date(1961, 4, 2), "F"),
    ("NGH100002", "NGH", "Okonkwo^James", date(1979, 9, 17), "M"),
    ("NGH100003", "NGH", "Schmidt^Helga", date(1948, 1, 30), "F"),
    ("RVC200001", "RVC", "Nguyen^Thanh", date(1990, 6, 5), "M"),
    ("RVC200002", "RVC", "Brown^Emily^R", date(1985, 12, 11), "F"),
    ("SMC300001", "SMC", "Kowalski^Piotr", date(1955, 7, 23), "M"),
    ("SMC300002", "SMC", "Haddad^Layla", date(2001, 3, 8), "F"),
]

# patient index, facility, code, description, modality, body part, priority, reason, days ago
STUDIES = [
    (0, "NGH", "CTCHEST", "CT CHEST WITHOUT CONTRAST", "CT", "CHEST", "ROUTINE",
     "Follow-up of right upper lobe nodule.", 0),
    (1, "NGH", "CTAPE", "CTA CHEST PULMONARY EMBOLISM PROTOCOL", "CT", "CHEST", "STAT",
     "Acute shortness of breath, tachycardia, elevated D-dimer.", 0),
    (2, "NGH", "XRCHEST2V", "XR CHEST PA AND LATERAL", "CR", "CHEST", "ROUTINE",
     "Cough and fever for three days.", 0),
    (3, "RVC", "CTHEADWO", "CT HEAD WITHOUT CONTRAST", "CT", "HEAD", "STAT",
     "Fall with head strike, on anticoagulation.", 0),
    (4, "RVC", "USPELVIS", "US PELVIS TRANSABDOMINAL AND TRANSVAGINAL", "US", "PELVIS",
     "ASAP", "Left lower quadrant pain.", 0),
    (5, "SMC", "MRLSPINEWO", "MRI LUMBAR SPINE WITHOUT CONTRAST", "MR", "LSPINE", "ROUTINE",
     "Low back pain radiating to the left leg.", 0),
    (6, "SMC", "MRKNEERWO", "MRI RIGHT KNEE WITHOUT CONTRAST", "MR", "KNEE", "ROUTINE",
     "Twisting injury, medial joint line pain.", 0),
    (0, "NGH", "CTAPWC", "CT ABDOMEN AND PELVIS WITH CONTRAST", "CT", "ABDOMEN", "ASAP",
     "Right lower quadrant pain, rule out appendicitis.", 0),
    (1, "NGH", "CTSTONE", "CT ABDOMEN PELVIS RENAL STONE PROTOCOL", "CT", "ABDOMEN", "STAT",
     "Left flank pain and hematuria.", 0),
    (3, "RVC", "MRBRAINWWO", "MRI BRAIN WITH AND WITHOUT CONTRAST", "MR", "HEAD", "ROUTINE",
     "Headaches, known small meningioma.", 0),
    (4, "RVC", "MAMMOSCR", "SCREENING MAMMOGRAPHY BILATERAL", "MG", "BREAST", "ROUTINE",
     "Annual screening.", 0),
    (5, "SMC", "USABDCOMP", "US ABDOMEN COMPLETE", "US", "ABDOMEN", "ROUTINE",
     "Elevated liver enzymes.", 0),
    (6, "SMC", "XRCHEST1V", "XR CHEST 1 VIEW PORTABLE", "CR", "CHEST", "STAT",
     "Central line placement.", 0),
    (2, "NGH", "CTHEADWO", "CT HEAD WITHOUT CONTRAST", "CT", "HEAD", "ASAP",
     "Acute confusion.", 0),
    (0, "NGH", "XRCHEST2V", "XR CHEST PA AND LATERAL", "CR", "CHEST", "ROUTINE",
     "Pre-operative evaluation.", 0),
    (3, "RVC", "XRCHEST2V", "XR CHEST PA AND LATERAL", "CR", "CHEST", "ROUTINE",
     "Chronic cough.", 0),
    (5, "SMC", "CTCHEST", "CT CHEST WITHOUT CONTRAST", "CT", "CHEST", "ROUTINE",
     "Lung cancer screening, 40 pack-years.", 0),
]

# Priors with final reports: patient index, facility, code, description, modality,
# body part, days ago, findings, impression
PRIORS = [
    (0, "NGH", "CTCHEST", "CT CHEST WITHOUT CONTRAST", "CT", "CHEST", 210,
     "Lungs: 6 x 5 mm solid nodule in the right upper lobe. No consolidation. "
     "No pleural effusion. Heart size normal.",
     "6 mm right upper lobe nodule. Recommend follow-up CT in 6 to 12 months."),
    (1, "NGH", "XRCHEST2V", "XR CHEST PA AND LATERAL", "CR", "CHEST", 400,
     "The lungs are clear. No pleural effusion or pneumothorax. "
     "Cardiomediastinal silhouette is normal.",
     "No acute cardiopulmonary process."),
    (3, "RVC", "CTHEADWO", "CT HEAD WITHOUT CONTRAST", "CT", "HEAD", 95,
     "No intracranial hemorrhage, mass effect or midline shift. "
     "Ventricles and sulci are normal for age.",
     "No acute intracranial abnormality."),
    (5, "SMC", "MRLSPINEWO", "MRI LUMBAR SPINE WITHOUT CONTRAST", "MR", "LSPINE", 720,
     "L4-5: mild disc bulge without canal stenosis. L5-S1: small central disc protrusion.",
     "Mild degenerative disc disease at L4-5 and L5-S1 without high-grade stenosis."),
]


def has_users(session: Session) -> bool:
    return session.execute(select(User.id).limit(1)).first() is not None


def load(session: Session, life: reports.Lifecycle | None = None) -> list[tuple[str, str, str]]:
    """Create demo accounts, facilities, open studies and signed priors."""
    life = life or reports.Lifecycle()
    users = {}
    for username, password, role, given, family, creds in ACCOUNTS:
        users[username] = auth.create_user(session, username=username, role=role,
                                           password=password, given_name=given,
                                           family_name=family, credentials=creds)
    for code, name, address in FACILITIES:
        facility = studies.get_or_create_facility(session, code, name)
        facility.name, facility.address = name, address
    now = utcnow()
    accession = 0

    def order(p: int, fac: str, code: str, desc: str, mod: str, part: str, prio: str,
              reason: str, days: int) -> str:
        nonlocal accession
        accession += 1
        mrn, issuer, name, dob, sex = PATIENTS[p]
        study = studies.create_study(session, StudyIn(
            facility=fac,
            patient={"mrn": mrn, "issuer": issuer, "name": name, "birth_date": dob, "sex": sex},
            accession=f"{fac}26-{accession:05d}", procedure_code=code,
            procedure_description=desc, modality=mod, body_part=part, priority=prio,
            reason=reason, ordering_provider="Rivera^Carmen",
            placer_order_number=f"PLC{accession:05d}",
            performed_at=now - timedelta(days=days, minutes=accession * 7),
        ))
        study.created_at = now - timedelta(days=days, minutes=accession * 7)
        return study.id

    attending = users["drokafor"]
    for p, fac, code, desc, mod, part, days, findings, impression in PRIORS:
        study_id = order(p, fac, code, desc, mod, part, "ROUTINE", "Prior examination.", days)
        report = reports.create_report(session, life, attending, study_id)
        reports.update_fields(session, report, attending, version=report.version,
                              fields={"findings": findings, "impression": impression})
        reports.sign(session, life, report, attending)
    for entry in STUDIES:
        order(*entry)
    audit.record(session, audit.Actor(None, "demo", "cli"), "demo.load",
                 detail=f"{len(STUDIES) + len(PRIORS)} studies")
    return [(u, pw, role) for u, pw, role, *_ in ACCOUNTS]
