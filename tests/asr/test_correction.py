"""Near-miss correction: fixes radiology mishearings, leaves correct text alone."""

from __future__ import annotations

import pytest

from reporting.asr.correction import CorrectionResult, correct, is_common_english
from reporting.asr.vocabulary import load_lexicon


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Small right plural effusion.", "Small right pleural effusion."),
        ("No pneumothorex.", "No pneumothorax."),
        ("Stable cardiomigaly.", "Stable cardiomegaly."),
        ("The media stenom is normal.", "The mediastinum is normal."),
        ("Bibasilar atlectasis.", "Bibasilar atelectasis."),
        ("No mediastinal lymphatinopathy.", "No mediastinal lymphadenopathy."),
        ("Patchy opacity in the left lower globe.", "Patchy opacity in the left lower lobe."),
        ("Moderate joint diffusion.", "Moderate joint effusion."),
        ("Hepatic stetosis.", "Hepatic steatosis."),
        ("Moderate right hydrophrosis.", "Moderate right hydronephrosis."),
        ("Surrounding bassogenic edema.", "Surrounding vasogenic edema."),
        ("Blunting of the left costifrenic angle.", "Blunting of the left costophrenic angle."),
        ("Acute interstitial edamatous pancreatitis.",
         "Acute interstitial edematous pancreatitis."),
        ("Dark signal on the apparent effusion coefficient map.",
         "Dark signal on the apparent diffusion coefficient map."),
    ],
)
def test_fixes_classic_near_misses(lexicon, heard: str, expected: str) -> None:
    result = correct(heard, lexicon=lexicon)
    assert isinstance(result, CorrectionResult)
    assert result.text == expected
    assert result.changes


CORRECT_SENTENCES = [
    "Heart size is normal.",
    "No pleural effusion or pneumothorax.",
    "There is restricted diffusion in the left frontal lobe.",
    "Small left pleural effusion with adjacent atelectasis.",
    "The portal veins are patent.",
    "Mild degenerative changes of the thoracic spine.",
    "Complex tear of the posterior horn of the medial meniscus.",
    "The gallbladder is distended without wall thickening.",
    "At L4-L5, there is a broad-based disc bulge.",
    "No acute intracranial hemorrhage or mass effect.",
    "The lungs are clear bilaterally.",
    "Ground-glass opacity in the right upper lobe.",
    "Nondisplaced fracture of the distal radius.",
    "BI-RADS 2, benign.",
    "Endotracheal tube tip 4 cm above the carina.",
    "The patient was seen in the clinic yesterday.",
    "Please call me back when you have a moment.",
    "The weather was pleasant and the meeting ended early.",
    "Discussed with the referring physician at 3 pm.",
    "Comparison is made to the prior study from last year.",
    "The report was signed by the attending.",
    "A pattern of scattered nodules is noted.",
    "The right hip is painful after the fall.",
    "This examination is limited by patient motion.",
    "Follow-up in six months is recommended.",
    "He has a history of smoking and hypertension.",
    "The plural of index is indices.",
    "Media coverage of the event was limited.",
    "The left kidney measures 11 cm.",
    "Findings were communicated to Dr. Smith by telephone.",
    "Vascular calcifications in the soft tissues.",
    "Lungs are hyperinflated, consistent with emphysema.",
]


@pytest.mark.parametrize("sentence", CORRECT_SENTENCES)
def test_correct_sentences_pass_unchanged(lexicon, sentence: str) -> None:
    result = correct(sentence, lexicon=lexicon)
    assert result.text == sentence
    assert result.changes == []


def test_keeps_capital_at_sentence_start(lexicon) -> None:
    assert correct("Pneumothorex is small.", lexicon=lexicon).text == "Pneumothorax is small."


def test_personal_rules_apply_first(lexicon) -> None:
    result = correct("The heart sighs is normal.", lexicon=lexicon,
                     personal_rules={"heart sighs": "heart size"})
    assert result.text == "The heart size is normal."
    assert ("heart sighs", "heart size") in result.changes


def test_empty_text() -> None:
    assert correct("   ").text == "   "


def test_common_english_detection() -> None:
    assert is_common_english("plural")
    assert is_common_english("pattern")
    assert not is_common_english("pneumothorex")


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("The medias dental contours are unremarkable.",
         "The mediastinal contours are unremarkable."),
        ("Mild pair of intricular white matter disease.",
         "Mild periventricular white matter disease."),
        ("The can use medullaris terminates at L1.", "The conus medullaris terminates at L1."),
        ("The left hip arther plus components.", "The left hip arthroplasty components."),
        ("Without wall thickening or paracol cystic fluid.",
         "Without wall thickening or pericholecystic fluid."),
    ],
)
def test_merges_words_split_by_the_recogniser(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


# Real report wording that an over-eager corrector rewrote (word forms, compounds,
# antonym prefixes, trailing function words absorbed into a term).
REAL_REPORT_WORDING = [
    "The pulmonary vasculature is normal.",
    "The lungs are hypoinflated.",
    "Bilateral infiltrates.",
    "No dislocations.",
    "Arthritic changes of the spine.",
    "Streaky opacity in the midlung.",
    "Anterolateral rib fractures.",
    "Midthoracic spine.",
    "No acute pulmonary disease.",
    "The mid and lower lungs are clear.",
    "The heart is is normal in size.",
    "Mild high densities are noted.",
]


@pytest.mark.parametrize("sentence", REAL_REPORT_WORDING)
def test_real_word_forms_are_kept(lexicon, sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Noacute intracranial hemorrhage.", "No acute intracranial hemorrhage."),
        ("Nofocal consolidation.", "No focal consolidation."),
        ("Notable for a nodular opacity.", "Notable for a nodular opacity."),
    ],
)
def test_negation_glued_to_a_word_is_split(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    "heard",
    ["No pneumothorex.", "Without plural effusion.", "No name hemothorax.", "Not hypoinflated."],
)
def test_negations_survive_correction(lexicon, heard: str) -> None:
    first = heard.split()[0]
    assert correct(heard, lexicon=lexicon).text.split()[0] == first


def test_antonym_prefix_is_never_swapped() -> None:
    from reporting.asr.correction import flips_meaning

    assert flips_meaning(["hypoinflated"], ["hyperinflated"])
    assert flips_meaning(["extraaxial"], ["intra", "axial"])
    assert not flips_meaning(["pneumothorex"], ["pneumothorax"])
