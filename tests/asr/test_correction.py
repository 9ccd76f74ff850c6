"""Near-miss correction: fixes radiology mishearings, leaves correct text alone."""

from __future__ import annotations

import pytest

from reporting.asr.correction import (
    CorrectionResult,
    correct,
    is_common_english,
    swaps_location_prefix,
)


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
        ("Esophageal and perigastric vases are present.",
         "Esophageal and perigastric varices are present."),
        # A long word of a lexicon phrase ("pituitary microadenoma") dictated on its own.
        ("It is compatible with a microideonoma.", "It is compatible with a microadenoma."),
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
    # CT, MR and MSK sentences that are not in the language model's report text.
    "Hypodense lesion in the left hepatic lobe, too small to characterize.",
    "The common bile duct is dilated to 9 mm with an obstructing stone.",
    "Small hiatal hernia. The esophagus is patulous.",
    "Mild bilateral hydroureteronephrosis to the level of the bladder.",
    "Diffuse wall thickening of the terminal ileum with surrounding inflammatory changes.",
    "There is a 3 cm enhancing mass in the upper pole of the right kidney.",
    "A nonobstructing calculus in the lower pole of the left kidney.",
    "Free intraperitoneal air under the right hemidiaphragm.",
    "Marked distention of the small bowel loops with a transition point in the pelvis.",
    "Acute subdural hematoma along the left convexity measuring 8 mm.",
    "Encephalomalacia in the right occipital lobe from a prior infarct.",
    "Ring-enhancing lesion in the left basal ganglia with surrounding edema.",
    "There is an old lacunar infarct in the right thalamus.",
    "Opacification of the right mastoid air cells.",
    "Complete tear of the anterior cruciate ligament with a pivot shift contusion pattern.",
    "Oblique tear of the posterior horn of the lateral meniscus extending to the inferior surface.",
    "High-grade partial tear of the proximal hamstring tendons.",
    "Stress fracture of the second metatarsal with periosteal reaction.",
    "Displaced fracture of the femoral neck with varus angulation.",
    "Moderate tricompartmental osteoarthritis of the knee.",
    "The quadriceps and patellar tendons are intact.",
    "Small Baker cyst in the popliteal fossa.",
    "Posterior labral tear with a paralabral cyst.",
    "Hill-Sachs lesion of the humeral head.",
    "Erosions of the sacroiliac joints, compatible with sacroiliitis.",
    "The visualized bones demonstrate no suspicious lytic or sclerotic lesion.",
    "Trace fluid in the cul-de-sac, likely physiologic.",
    "The endometrial stripe measures 6 mm.",
    "Aortic valve calcification. The pulmonary artery is enlarged, measuring 3.4 cm.",
    "Atelectasis at the lung bases, right greater than left.",
    "Scattered subcentimeter lymph nodes in the mesentery.",
    "Nodular thickening of the left adrenal gland, likely an adenoma.",
    "The patient is status post cholecystectomy.",
    "Postsurgical changes of a right hemicolectomy.",
    "Degenerative disc disease at C5-C6 with uncovertebral hypertrophy.",
    "Heart size and pulmonary vascularity are within normal limits.",
    "Compression deformity of the T12 vertebral body, age indeterminate.",
    "Soft tissue gas along the medial thigh, concerning for necrotizing infection.",
    "The ovaries are normal in size and appearance.",
    "Thickened gallbladder wall without gallstones.",
    # Vocabulary the report text lacks but the background phrase model knows.
    "Widening of the distal tibiofibular syndesmosis.",
    "Scapholunate ligament tear with widening of the scapholunate interval.",
    "Pneumatosis intestinalis of the ascending colon.",
    "A small hamartoma in the spleen.",
    "Grade 2 anterolisthesis of L5 on S1.",
    "Cortical thinning of the renal parenchyma.",
    "The synthesis of these findings favors an infectious process.",
    "The labyrinth and internal auditory canals are normal.",
    "The left ventricle is mildly dilated.",
    "There is a great deal of motion artifact.",
    # A letter against a digit is a code (T2, L4), never the end of a misheard word.
    "No abnormal T2/FLAIR signal.",
    # An acronym written in capitals is not merged into a one-word dictionary target.
    "FDG PET/CT: hypermetabolic right hilar mass with SUV max of 12.4.",
    # Words are never merged across a comma.
    "The heart is critical, label it.",
    # A word between the words of a lexicon phrase is never deleted to make the phrase.
    "The cerebellar tonsils extend 7 mm below the foramen magnum, a Chiari I malformation.",
    "Acute on chronic subdural hematoma along the left convexity.",
    # Real words once "corrected" to nearby lexicon words (sonographic, proctitis).
    "No scintigraphic evidence of pulmonary embolism.",
    "The parotid gland is enlarged and hypervascular, compatible with parotitis.",
    # Where the words Whisper writes for other radiology words are right.
    "The bony labyrinth is intact.",
    "Thickening of the glomerular basement membrane.",
    "This is most likely the natural history of a treated lesion.",
    "Findings are consistent with the natural progression of disease.",
    "A sandwich sign is present.",
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


def test_sentences_are_corrected_one_by_one_with_the_whole_texts_result(lexicon) -> None:
    sentences = ["Small plural effusion.", "The heart is normal!", "Pneumothorex on the right."]
    whole = correct("  ".join(sentences), lexicon=lexicon)
    assert whole.text == ("Small pleural effusion.  The heart is normal!  "
                          "Pneumothorax on the right.")
    assert whole.changes == [("plural effusion", "pleural effusion"),
                             ("Pneumothorex", "Pneumothorax")]
    alone = [correct(s, lexicon=lexicon) for s in sentences]
    assert "  ".join(r.text for r in alone) == whole.text
    # A personal rule that spans a sentence end still applies to the whole text.
    ruled = correct("Right upper lobe. Come on unchanged.", lexicon=lexicon,
                    personal_rules={"lobe. come on": "lobe, comma"})
    assert ruled.text.startswith("Right upper lobe, comma")


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


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # A word the recogniser could not spell, written as a hyphenated compound of
        # real words.
        ("The calcaneus-fibular ligament is intact.", "The calcaneofibular ligament is intact."),
        ("Small tibial-talar joint effusion.", "Small tibiotalar joint effusion."),
        # Never a word added: sternoclavicular, not "sternoclavicular joint".
        ("Sterno-clavicular degenerative change.", "Sternoclavicular degenerative change."),
    ],
)
def test_hyphenated_mishearings_become_one_word(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Likelycronic lacunar infarcts.", "Likely chronic lacunar infarcts."),
        ("Mildhallex valgus deformity.", "Mild hallux valgus deformity."),
        ("Smallbowel obstruction.", "Small bowel obstruction."),
    ],
)
def test_a_modifier_fused_to_the_next_word_is_split_off(lexicon, heard: str,
                                                        expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    "sentence",
    ["Rightward deviation.", "The smallest nodule.", "Markedly enlarged.", "Leftover contrast."],
)
def test_words_beginning_with_a_modifier_are_not_split(lexicon, sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "This is not well-demonstrated on the lateral view.",
        "The end-diastolic velocity is normal.",
        "Supero-inferior extent of 4 cm.",
        "The gastro-colic ligament is thickened.",
        "Cervico-occipital junction.",
        "Fat-saturated images show marrow edema.",
        "Left-sided pleural effusion with fluid-filled loops.",
    ],
)
def test_hyphenated_compounds_and_combining_forms_are_kept(lexicon, sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


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
    # plurals of lexicon phrases, derived words, common words unlike the term's start
    "Hypointensity restricted to the cerebral convexities.",
    "Chronicity is unclear.",
    "Focally thickened gallbladder wall.",
    "Retropulsed bone narrows the spinal canal.",
    "Anechoic cysts on prenatal ultrasound.",
    "High ADC value, indicating unrestricted diffusion.",
    "Changes 14 days post-infection.",
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
    assert flips_meaning(["calculus"], ["acalculous"])
    assert flips_meaning(["asymmetric"], ["symmetric"])
    assert flips_meaning(["echoic"], ["anechoic"])
    assert not flips_meaning(["aortic"], ["aorta"])


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Inflammatory fat straining around the sigmoid colon.",
         "Inflammatory fat stranding around the sigmoid colon."),
        ("Bone marrow edema and the medial femoral condyle.",
         "Bone marrow edema in the medial femoral condyle."),
        ("Widening of the pubic synthesis.", "Widening of the pubic symphysis."),
        # Not spelled close enough to be found by spelling; the report text's words after
        # "fatty" propose it.
        ("Mild fatty apathy of the rotator cuff muscles.",
         "Mild fatty atrophy of the rotator cuff muscles."),
        ("Multiple avoid T2 hyperintense lesions.", "Multiple ovoid T2 hyperintense lesions."),
        ("There is eccentric neural thrombus.", "There is eccentric mural thrombus."),
        # radiology words heard as other real words (scripts/probe_audio.py)
        ("There are innumerable military nodules in both lungs.",
         "There are innumerable miliary nodules in both lungs."),
        ("Consultative opacity in the right lower lobe.",
         "Consolidative opacity in the right lower lobe."),
        ("The prosthetic urethra is normal.", "The prostatic urethra is normal."),
        ("Sickle images show the disc herniation.", "Sagittal images show the disc herniation."),
        ("The liver enhances emotionally.", "The liver enhances homogeneously."),
        ("Fracture of the mid dialysis of the femur.",
         "Fracture of the mid diaphysis of the femur."),
        ("There is a chaotic deformity of the thoracic spine.",
         "There is a kyphotic deformity of the thoracic spine."),
        ("Findings are consistent with acute calculus cholecystitis.",
         "Findings are consistent with acute calculous cholecystitis."),
        ("There is sulcal basement and mass effect.",
         "There is sulcal effacement and mass effect."),
        ("There is atherosclerotic plat at the carotid bifurcation.",
         "There is atherosclerotic plaque at the carotid bifurcation."),
        ("A cabin septum pellucidum is noted.", "A cavum septum pellucidum is noted."),
        ("The natural translucency measures 1.8 mm.", "The nuchal translucency measures 1.8 mm."),
        ("There is a tear of the posterior glenoid labyrinth.",
         "There is a tear of the posterior glenoid labrum."),
        ("There is a tear of the scaffolding ligament.",
         "There is a tear of the scapholunate ligament."),
        ("Mucosal thickening in the sandwich sinus.", "Mucosal thickening in the sphenoid sinus."),
        ("History: dismay on exertion.", "History: dyspnea on exertion."),
    ],
)
def test_context_fixes_real_word_mishearings(lexicon, heard: str, expected: str) -> None:
    result = correct(heard, lexicon=lexicon)
    assert result.text == expected
    assert correct(heard, lexicon=lexicon, use_context=False).text == heard


@pytest.mark.parametrize(
    "sentence",
    [
        "No fat stranding on the left.",
        "Free intraperitoneal air under the right hemidiaphragm.",
        "There is no ascites and the bowel is normal.",
        "Displaced fracture of the femoral neck with varus angulation.",
        # the same words where they are meant
        "Prosthetic hip in good position.",
        "Sickle cell disease with bone infarcts.",
        "History of military service.",
        "A plastic stent is in the common bile duct.",
        "Tunneled dialysis catheter.",
        "Chaotic atrial rhythm.",
        "A 4 mm calculus in the distal left ureter.",
    ],
)
def test_context_correction_keeps_meaning_words(lexicon, sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # Real words heard for a lexicon phrase, one of them a radiology word itself.
        ("The common bowel duct measures 4 mm.", "The common bile duct measures 4 mm."),
        # A function word merges into its neighbour.
        ("The cardiomediastinal silhouette is with the normal limits.",
         "The cardiomediastinal silhouette is within normal limits."),
    ],
)
def test_context_fixes_misheard_phrases(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # Sounds like a lexicon phrase in part, but a content word would be lost or changed.
        "A heterogeneously enhancing mass is centered in the right temporal lobe.",
        "Nondisplaced fractures of the left posterior ninth and tenth ribs.",
        "The infrarenal abdominal aorta is aneurysmal, measuring 4.8 cm.",
        "Inflammatory fat stranding around the sigmoid colon.",
        "Small bowel loops are normal in caliber.",
        # Another form of the same word is wording, not a mishearing.
        "Subpleural reticulation and traction bronchiectasis predominate in the lower lobes.",
        # Clinical history words are radiology vocabulary too.
        "History: chest pain, syncope.",
    ],
)
def test_phrase_and_context_correction_leave_correct_reports_alone(lexicon,
                                                                   sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


def test_real_report_sentences_are_left_alone(lexicon) -> None:
    """Every sentence of the shipped Open-i reports passes through unchanged, except the
    spellings the lexicon writes its own way (airspace, follow-up)."""
    import json
    import re

    from reporting.asr.language_model import OPENI_FILE

    spellings = {("air space", "airspace"), ("air space opacity", "airspace opacity"),
                 ("followup", "follow-up"), ("osseus", "osseous"),
                 ("cardio mediastinal silhouette", "cardiomediastinal silhouette")}
    changed = []
    for line in OPENI_FILE.read_text().splitlines():
        for value in json.loads(line).values():
            if not isinstance(value, str):
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", value):
                result = correct(sentence, lexicon=lexicon)
                if {(a.lower(), b.lower()) for a, b in result.changes} - spellings:
                    changed.append((sentence, result.changes))
    assert changed == []


def test_swaps_location_prefix() -> None:
    assert swaps_location_prefix("intraperitoneal", "retroperitoneal")
    assert not swaps_location_prefix("parapancreatic", "peripancreatic")


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Renal angio my lipoma in the left kidney.", "Renal angiomyolipoma in the left kidney."),
        ("The lesion is iso intense to muscle.", "The lesion is isointense to muscle."),
        ("Widening of the sin desmosis.", "Widening of the syndesmosis."),
        ("Fracture of the capital um.", "Fracture of the capitellum."),
        ("Small angiomyolipma.", "Small angiomyolipoma."),
        # A one-word dictionary target needs a close match: the two heard words merge into
        # the better term instead ("ascular" is not rewritten to "avascular").
        ("The nerve ascular bundles are intact.", "The neurovascular bundles are intact."),
    ],
)
def test_radiology_dictionary_words_are_correction_targets(lexicon, heard: str,
                                                           expected: str) -> None:
    from reporting.asr.correction import dictionary_terms

    assert len(dictionary_terms()) > 1000
    assert correct(heard, lexicon=lexicon).text == expected


def test_a_repeated_correction_is_remembered_and_callers_get_their_own_copy() -> None:
    first = correct("small plural effusion")
    first.changes.append(("mutated", "by caller"))
    second = correct("small plural effusion")
    assert second.text == first.text == "small pleural effusion"
    assert ("mutated", "by caller") not in second.changes
    # Personal rules are part of what is remembered: a different rule set is corrected anew.
    ruled = correct("small plural effusion", personal_rules={"small": "tiny"})
    assert ruled.text.startswith("tiny")


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Loss of gray white differentiation.", "Loss of gray-white differentiation."),
        ("CT guided biopsy of the nodule.", "CT-guided biopsy of the nodule."),
        ("There is a full thickness tear.", "There is a full-thickness tear."),
        # Spaced forms the lexicon lists too, and phrasal verbs, keep their spelling.
        ("No hemorrhage on susceptibility weighted imaging.",
         "No hemorrhage on susceptibility weighted imaging."),
        ("The patient will follow up with the surgeon.",
         "The patient will follow up with the surgeon."),
    ],
)
def test_lexicon_phrases_get_their_hyphens_back(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


def test_context_sweeps_again_after_a_swap(lexicon) -> None:
    # "calibrary" -> "caliber" comes after "and"; only then is "normal in caliber" the
    # likelier reading, so the second sweep makes the swap the first could not.
    result = correct("The pancreatic duct is normal and calibrary.", lexicon=lexicon)
    assert result.text == "The pancreatic duct is normal in caliber."
    assert result.changes == [("calibrary", "caliber"), ("and", "in")]


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("There is a non-displaced fracture.", "There is a nondisplaced fracture."),
        ("A non displaced fracture of the radius.", "A nondisplaced fracture of the radius."),
        ("Non-enhancing cystic component.", "Nonenhancing cystic component."),
        ("Non-mass enhancement in the left breast.", "Non-mass enhancement in the left breast."),
        ("The patient was non-compliant.", "The patient was non-compliant."),
        # other prefixes Whisper hyphenates, closed where only the closed form is listed
        ("Scattered micro-hemorrhages in both cerebral hemispheres.",
         "Scattered microhemorrhages in both cerebral hemispheres."),
        ("Emboli in the sub-segmental arteries.", "Emboli in the subsegmental arteries."),
        ("Post-treatment changes in the left breast.",
         "Post-treatment changes in the left breast."),
        ("Small intra-articular body.", "Small intra-articular body."),
        ("No acute intra-abdominal process.", "No acute intra-abdominal process."),
        ("Supero-inferior extent of 4 cm.", "Supero-inferior extent of 4 cm."),
    ],
)
def test_non_is_closed_up_where_the_lexicon_writes_it_so(lexicon, heard: str,
                                                         expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Findings of Crohn's disease.", "Findings of Crohn disease."),
        ("A small Baker's cyst.", "A small Baker cyst."),
        ("Paget's disease of the pelvis.", "Paget disease of the pelvis."),
        ("Findings are compatible with active Crohn disease.",
         "Findings are compatible with active Crohn disease."),
    ],
)
def test_eponyms_are_written_without_the_possessive(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


def test_a_leading_function_word_is_not_swallowed_by_a_phrase(lexicon) -> None:
    result = correct("The interior humoral line does not intersect the capitellum.",
                     lexicon=lexicon)
    assert result.text == "The anterior humeral line does not intersect the capitellum."
    # ... while "a" may still be the first sound of the word it was heard apart from.
    assert correct("There is a symmetric thickening.", lexicon=lexicon).text == (
        "There is asymmetric thickening.")


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("Wall thickening of the terminal elitum.", "Wall thickening of the terminal ileum."),
        ("A spiculated mass abuts the pleura.", "A spiculated mass abuts the pleura."),
        ("Tear of the anterosuperior acetabular labyrinth.",
         "Tear of the anterosuperior acetabular labrum."),
        ("The membranous labyrinth is normal.", "The membranous labyrinth is normal."),
    ],
)
def test_phrase_ending_in_the_misheard_word(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


def test_personal_vocabulary_has_the_last_word_over_house_style(lexicon) -> None:
    rules = {"Crohn disease": "Crohn's disease", "nondisplaced": "non-displaced"}
    assert correct("Findings of Crohn disease.", lexicon=lexicon,
                   personal_rules=rules).text == "Findings of Crohn's disease."
    assert correct("A non displaced fracture.", lexicon=lexicon,
                   personal_rules=rules).text == "A non-displaced fracture."
    # A rule whose result contains what it replaces runs once.
    assert correct("Small effusion.", lexicon=lexicon,
                   personal_rules={"effusion": "pleural effusion"}).text == (
        "Small pleural effusion.")


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # A form of the word the report text hardly uses, for one it uses all the time.
        ("There is thickening and increase signal of the common extensor tendon.",
         "There is thickening and increased signal of the common extensor tendon."),
        ("The lungs are cleared.", "The lungs are clear."),
        ("Small amount of free fluids in the pelvis.", "Small amount of free fluid in the pelvis."),
        # "in" before a verb joins two clauses: it was "and".
        ("The uterus is anteverted in measures 9 x 4 cm.",
         "The uterus is anteverted and measures 9 x 4 cm."),
        # After a quantifier the noun is plural.
        ("Multiple vertebral body metastasis.", "Multiple vertebral body metastases."),
        # The one pair of radiology words swapped for each other, on the model's word.
        ("The liver is sclerotic with moderate splenomegaly.",
         "The liver is cirrhotic with moderate splenomegaly."),
        ("There is a sclerotic lesion in the iliac bone.",
         "There is a sclerotic lesion in the iliac bone."),
    ],
)
def test_context_fixes_misheard_word_forms(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # Both forms are common report words: number is grammar, not a mishearing.
        "Nondisplaced fractures of the left posterior ninth and tenth ribs.",
        "Prior radiographs were reviewed for comparison.",
        # The verb says plural.
        "The intervertebral discs are desiccated.",
        "There is an enhancing epidural mass at T8, causing severe spinal canal stenosis.",
        "Findings of multiple sclerosis.",
        # Report words that sound like other report words, and a prefix that negates.
        "The osseous structures are demineralized.",
        "The catheter was repositioned and now terminates in the superior vena cava.",
        "The left lung has reexpanded.",
        "Status post resected sigmoid colon.",
    ],
)
def test_word_forms_and_report_verbs_are_left_alone(lexicon, sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


def test_a_prefix_heard_as_a_word_joins_its_stem(lexicon) -> None:
    assert correct("There is a comminuted inner trochanteric fracture of the left femur.",
                   lexicon=lexicon).text == (
        "There is a comminuted intertrochanteric fracture of the left femur.")
    # A direction word is not a prefix: "medial carpal" stays two words.
    assert correct("Medial carpal shift.", lexicon=lexicon).text == "Medial carpal shift."


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # a prefix heard as an English word, then its stem exactly (found by
        # scripts/probe_audio.py: the test voice's retro-, post- and recto- terms)
        ("There is a small record cardiac opacity.", "There is a small retrocardiac opacity."),
        ("A record sternal goiter is present.", "A retrosternal goiter is present."),
        ("The rectus sigmoid junction is thickened.", "The rectosigmoid junction is thickened."),
        ("There is mild pre vertebral soft tissue swelling.",
         "There is mild prevertebral soft tissue swelling."),
        # a combining form heard as the adjective it comes from
        ("Degenerative changes of the temporal mandibular joint.",
         "Degenerative changes of the temporomandibular joint."),
        ("Fracture at the cervical thoracic junction.",
         "Fracture at the cervicothoracic junction."),
        ("The cervical thoracic and lumbar spine are normal.",
         "The cervical thoracic and lumbar spine are normal."),
        # the words are a phrase of their own, or the prefix is no heard word's
        ("No esophageal or gastric wall thickening.", "No esophageal or gastric wall thickening."),
        ("Both renal arteries are patent.", "Both renal arteries are patent."),
        ("Both surgical clips are intact.", "Both surgical clips are intact."),
        ("The rectus abdominis muscle is intact.", "The rectus abdominis muscle is intact."),
        ("PA lateral views of the chest.", "PA lateral views of the chest."),
        ("Preoperative for kidney pancreas transplant.",
         "Preoperative for kidney pancreas transplant."),
    ],
)
def test_a_misheard_prefix_before_its_stem_joins_it_on_the_models_gain(
        lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


def test_a_non_word_with_a_voicing_slip_is_corrected(lexicon) -> None:
    result = correct("Wall thickening of the sigmoid colon with barricolanic inflammatory "
                     "stranding.", lexicon=lexicon)
    assert result.text == ("Wall thickening of the sigmoid colon with pericolonic inflammatory "
                           "stranding.")
    from reporting.asr.correction import flips_meaning

    assert flips_meaning(["mineralized"], ["demineralized"])


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("There are enlarged its lateral hilar lymph nodes.",
         "There are enlarged ipsilateral hilar lymph nodes."),
        ("Cirrhotic liver with splenomegaly and small volume of sites.",
         "Cirrhotic liver with splenomegaly and small volume ascites."),
        ("Diffuse a faceman of the cerebral sulci.", "Diffuse effacement of the cerebral sulci."),
        # Far likelier, but not a radiology word, or not beginning like the heard words.
        ("There is enter will improvement.", "There is enter will improvement."),
        ("Sore throat.", "Sore throat."),
        ("The cardi axle wet is mildly enlarged.", "The cardiac axle wet is mildly enlarged."),
        ("A calculus at the right here at a rosical junction.",
         "A calculus at the right here at a rosical junction."),
        # A dictated punctuation word is never part of a word.
        ("An epidural mass at T8 comma causing severe spinal canal stenosis period",
         "An epidural mass at T8 comma causing severe spinal canal stenosis period"),
        # Two real words are a sentence already: a small gain does not merge them.
        ("There is perceptible soft tissue swelling.",
         "There is perceptible soft tissue swelling."),
        # A non-word second piece may carry a syllable too many, and Whisper's comma
        # inside the broken word goes with it.
        ("Surrounding vessel genic edema.", "Surrounding vasogenic edema."),
        ("Surrounding vessel, genic edema, causes 4 mm of midline shift.",
         "Surrounding vasogenic edema, causes 4 mm of midline shift."),
        ("There is a mass, extending to the left.", "There is a mass, extending to the left."),
    ],
)
def test_two_heard_words_merge_into_a_radiology_word_on_a_large_gain(lexicon, heard: str,
                                                                      expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


def test_a_word_heard_near_one_finding_is_never_written_as_its_opposite(lexicon) -> None:
    # "plastic" is blastic misheard; the phrase "lytic lesion" sounds close enough to be
    # offered, and would reverse the finding
    result = correct("A 2 cm plastic lesion in the iliac bone.", lexicon=lexicon).text
    assert "lytic" not in result
    assert correct("A 2 cm lyric lesion in the iliac bone.", lexicon=lexicon).text == (
        "A 2 cm lytic lesion in the iliac bone.")


def test_laterality_is_never_merged_into_a_term(lexicon) -> None:
    sentence = "There is a small hypoechoic lesion in the right lobe of the liver."
    assert correct(sentence, lexicon=lexicon).text == sentence  # not "thyroid lobe"


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # "and" for "in" inside a term, with the clause's verb further on: a large gain swaps it
        ("Clustered tree and bud nodules are seen in both lower lobes.",
         "Clustered tree in bud nodules are seen in both lower lobes."),
        # "and" joining two clauses stays
        ("No ascites and the bowel is normal.", "No ascites and the bowel is normal."),
        ("There is fluid and the gallbladder wall is thickened.",
         "There is fluid and the gallbladder wall is thickened."),
    ],
)
def test_and_for_in_before_a_verb_needs_a_large_gain(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


@pytest.mark.parametrize(
    "sentence",
    [
        # a verb before real words is the sentence's own
        "The margins are sclerotic.",
        "There is compressibility of the vein.",
        # anatomy and findings once rewritten into other terms
        "There is edema in the postcentral gyrus.",
        "The vas deferens is normal.",
        "There is a blastic lesion in the L2 vertebral body.",
        "There is fat in the right cardiophrenic angle.",
        "The fracture fragments are in near anatomic apposition.",
        "There is thickening of the interlobular septa.",
        "There is whirl sign of the mesentery.",
        # a phrase never swallows the clause's verb ("There is bone scan" is no "three phase")
        "There is bone scan evidence of metastases.",
        "There is runoff into the peroneal artery.",
        # direction words said in full are not a heard-apart combining form
        "There is a tear of the anterior inferior labrum.",
        "The posterior superior labrum is intact.",
    ],
)
def test_correct_anatomy_and_verbs_are_left_alone(lexicon, sentence: str) -> None:
    assert correct(sentence, lexicon=lexicon).text == sentence


def test_a_verb_heard_for_a_first_syllable_still_merges_with_a_non_word(lexicon) -> None:
    assert correct("Chronic small vessel is chemic changes.", lexicon=lexicon).text == (
        "Chronic small vessel ischemic changes.")


def test_the_probe_script_lists_terms_the_corrector_would_rewrite(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "probe_corrections.py"
    terms = tmp_path / "terms.txt"
    terms.write_text("# anatomy\npostcentral gyrus | vas deferens\npleural effusion\n")
    clean = subprocess.run([sys.executable, str(script), str(terms)], capture_output=True,
                           text=True, timeout=300)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "3 terms, 0 rewritten" in clean.stderr
    terms.write_text("plural effusion\n")  # a mishearing: the corrector does rewrite it
    found = subprocess.run([sys.executable, str(script), str(terms)], capture_output=True,
                           text=True, timeout=300)
    assert found.returncode == 1
    assert found.stdout.startswith("plural effusion\t") and "pleural effusion" in found.stdout


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        # "parahilar" and the report verbs ("eroding") are in the lexicon's `known` section:
        # left alone when dictated, never written for something else
        ("Pairhiller pair bronchial thickening.", "Perihilar peribronchial thickening."),
        ("There is a single intra-euroing gestational sac.",
         "There is a single intrauterine gestational sac."),
        ("The opacity is parahilar.", "The opacity is parahilar."),
        ("The mass is eroding the cortex.", "The mass is eroding the cortex."),
    ],
)
def test_known_words_are_kept_but_never_written(lexicon, heard: str, expected: str) -> None:
    assert correct(heard, lexicon=lexicon).text == expected


def test_the_known_section_is_no_correction_target() -> None:
    from reporting.asr.vocabulary import Lexicon, parse_terms

    lexicon = Lexicon(parse_terms(["[chest]", "perihilar", "[known]", "parahilar"]))
    assert [t.written for t in lexicon.targets()] == ["perihilar"]
    assert "parahilar" in lexicon.words


def test_probe_lists_of_correct_terms_and_verbs_come_back_unchanged() -> None:
    """~1,200 correct terms and ~120 report verbs, each put into neutral report sentences
    (scripts/probe_corrections.py): none may be rewritten ("postcentral gyrus" once became
    "potential gyrus", "blastic lesion" "lytic lesion", "the mass arises" "appears")."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "probe_corrections", root / "scripts" / "probe_corrections.py")
    assert spec is not None and spec.loader is not None
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    fixtures = root / "tests" / "fixtures" / "asr"
    terms = probe.read_terms(fixtures / "probe_terms.txt")
    assert len(terms) > 1000
    assert probe.rewritten(terms) == {}
    verbs = probe.read_terms(fixtures / "probe_verbs.txt")
    assert probe.rewritten(verbs, ("The mass {} the adjacent vessel.",)) == {}


def test_the_audio_probe_finds_what_was_heard_in_each_terms_place() -> None:
    """scripts/probe_audio.py aligns what the recogniser wrote with the probe sentences: a
    prefix heard as a word, a term heard as other words and a hyphenated split are each
    charged to their own term, and terms heard right to none."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("probe_audio",
                                                  root / "scripts" / "probe_audio.py")
    assert spec is not None and spec.loader is not None
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    terms = ["retrocardiac", "pleural effusion", "hypointensity", "microhemorrhages", "ascites"]
    sentences = [frame.format(t) for frame, t in zip(probe.FRAMES, terms, strict=False)]
    heard = ("There is evidence of record cardiac. Findings include pleural effusion. "
             "The images demonstrate high-point density. Please correlate for "
             "micro-hemorrhages. Again seen is of sites.")
    assert probe.heard_terms(terms, sentences, heard) == [
        "record cardiac", None, "high point density", "micro hemorrhages", "of sites"]
