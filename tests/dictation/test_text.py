"""Spoken-to-written rules for dictated text."""

from __future__ import annotations

import pytest

from reporting.dictation.text import PARAGRAPH_BREAK, join, to_written


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        # measurements and units
        ("four point five millimeters", "4.5 mm"),
        ("three by two centimeters", "3 x 2 cm"),
        ("three point two by two point one by one point five centimeters", "3.2 x 2.1 x 1.5 cm"),
        ("three centimeters by two centimeters", "3 x 2 cm"),
        ("twelve millimeter nodule", "12 mm nodule"),
        ("five cc", "5 cc"),
        ("forty percent", "40%"),
        ("fifty to sixty percent", "50 to 60%"),
        ("measuring forty Hounsfield units", "Measuring 40 HU"),
        ("one hundred and twenty milliliters", "120 mL"),
        ("two and a half centimeters", "2.5 cm"),
        ("point five centimeters", "0.5 cm"),
        ("zero point five centimeters", "0.5 cm"),
        ("three point one four centimeters", "3.14 cm"),
        ("one centimeter", "1 cm"),
        ("two to three centimeters", "2 to 3 cm"),
        ("four and five millimeters", "4 and 5 mm"),
        ("velocity of one hundred twenty centimeters per second", "Velocity of 120 cm/s"),
        ("dose length product of fifteen milligray", "Dose length product of 15 mGy"),
        ("forty five year old male", "45-year-old male"),
        # Whisper's hyphenated number words; an age unit before "follow-up" is an attribute
        ("a forty-five-year-old man", "A 45-year-old man"),
        ("a three-month follow-up CT", "A 3-month follow-up CT"),
        ("six month follow up", "6-month follow up"),
        ("for one week prior", "For 1 week prior"),
        ("at three months", "At 3 months"),
        ("a two-vessel cord", "A two-vessel cord"),
        ("two weeks ago", "2 weeks ago"),
        ("at the three o'clock position", "At the 3 o'clock position"),
        ("an eight French catheter", "An 8 French catheter"),
        ("measuring three by two", "Measuring 3 x 2"),
        # Whisper's own digits
        ("4.5 millimeters", "4.5 mm"),
        ("3x2 cm", "3 x 2 cm"),
        ("3 X 2 X 1 cm", "3 x 2 x 1 cm"),
        ("3 by 2 cm", "3 x 2 cm"),
        ("4.5mm", "4.5 mm"),
        (".5 cm", "0.5 cm"),
        ("40 percent", "40%"),
        ("40 %", "40%"),
        ("1,500 mL", "1500 mL"),
        ("3 \u00d7 2 cm", "3 x 2 cm"),
        # counts and prose numbers
        ("two lesions", "Two lesions"),
        ("there are two lesions", "There are two lesions"),
        ("twelve lesions", "12 lesions"),
        ("the larger one", "The larger one"),
        ("one by one", "One by one"),
        ("the third ventricle", "The third ventricle"),
        ("fourth ventricle is normal", "Fourth ventricle is normal"),
        ("at this point five lesions", "At this point five lesions"),
        ("twenty-six nodes", "26 nodes"),
        # years
        ("in two thousand twenty six", "In 2026"),
        ("since nineteen ninety nine", "Since 1999"),
        ("in twenty twenty six", "In 2026"),
        ("in twenty oh five", "In 2005"),
        # spine levels
        ("L four five", "L4-5"),
        ("L5 S1", "L5-S1"),
        ("L five S one", "L5-S1"),
        ("C five six", "C5-6"),
        ("T twelve", "T12"),
        ("L four", "L4"),
        ("L for five", "L4-5"),
        ("C to three", "C2-3"),
        ("C seven T one", "C7-T1"),
        ("T twelve L one", "T12-L1"),
        ("L4 5", "L4-5"),
        ("L4/5", "L4-5"),
        ("L-4", "L4"),
        ("L4-5", "L4-5"),
        ("at L four five there is a disc bulge", "At L4-5 there is a disc bulge"),
        ("T two weighted FLAIR", "T2 weighted FLAIR"),
        # series/image and scores
        ("series three image forty one", "Series 3, image 41"),
        ("see series 3 image 41", "See series 3, image 41"),
        ("series 3, image 41", "Series 3, image 41"),
        ("image forty one of series three", "Image 41 of series 3"),
        ("BI-RADS two", "BI-RADS 2"),
        ("Bi-Rads 4A.", "BI-RADS 4A."),
        ("bi rads four C", "BI-RADS 4C"),
        ("BIRADS category three", "BI-RADS category 3"),
        ("LI-RADS five", "LI-RADS 5"),
        ("Lung RADS two", "Lung-RADS 2"),
        ("Bosniak two F", "Bosniak 2F"),
        ("grade one", "Grade 1"),
        ("Great three splenic laceration.", "Grade 3 splenic laceration."),
        ("a great deal of stool", "A great deal of stool"),
        ("station four R", "Station 4R"),
        # spoken punctuation
        ("no effusion period the heart is normal", "No effusion. The heart is normal"),
        ("no effusion full stop", "No effusion."),
        ("the lungs are clear comma no effusion", "The lungs are clear, no effusion"),
        ("impression colon no acute findings", "Impression: no acute findings"),
        ("lungs colon clear", "Lungs: clear"),
        ("normal semicolon stable", "Normal; stable"),
        ("is this new question mark", "Is this new?"),
        ("open paren see series 3 image 41 close paren", "(See series 3, image 41)"),
        ("well hyphen defined", "Well-defined"),
        ("two dash three centimeters", "2-3 cm"),
        ("T1 slash T2", "T1/T2"),
        ("no effusion new line heart normal", "No effusion\nHeart normal"),
        ("no effusion next line heart normal", "No effusion\nHeart normal"),
        ("no effusion period new paragraph impression colon normal",
         "No effusion.\n\nImpression: normal"),
        # Whisper punctuation around spoken punctuation: never doubled
        ("effusion, period.", "Effusion."),
        ("effusion. Period.", "Effusion."),
        ("Effusion, comma, small.", "Effusion, small."),
        ("No effusion. New paragraph. Impression colon normal.",
         "No effusion.\n\nImpression: normal."),
        ("No effusion, new paragraph, the heart is normal.",
         "No effusion\n\nThe heart is normal."),
        ("Effusion. Comma. And atelectasis.", "Effusion, and atelectasis."),
        # "comma" as Whisper often writes it
        ("sigmoid colon coma with pericolonic change", "Sigmoid colon, with pericolonic change"),
        ("No effusion, coma, no pneumothorax.", "No effusion, no pneumothorax."),
        ("granuloma in the right upper lobe calma unchanged",
         "Granuloma in the right upper lobe, unchanged"),
        ("Normal... stable.", "Normal. Stable."),
        # real words that sound like punctuation
        ("a period of time", "A period of time"),
        ("after a period of observation", "After a period of observation"),
        ("the washout period is normal", "The washout period is normal"),
        ("The sigmoid colon is normal.", "The sigmoid colon is normal."),
        ("the colon is unremarkable", "The colon is unremarkable"),
        ("descending colon wall thickening", "Descending colon wall thickening"),
        ("Colon is unremarkable.", "Colon is unremarkable."),
        ("a new line is seen in the right atrium", "A new line is seen in the right atrium"),
        ("Patient found in a coma.", "Patient found in a coma."),
        ("History of hepatic coma.", "History of hepatic coma."),
        ("Glasgow coma scale of 8.", "Glasgow coma scale of 8."),
        ("Coma.", "Coma."),
        # abbreviations keep their case
        ("ct of the chest with iv contrast", "CT of the chest with IV contrast"),
        ("Mri of the brain. Flair hyperintensity.", "MRI of the brain. FLAIR hyperintensity."),
        ("pet-ct shows uptake", "PET-CT shows uptake"),
        ("t2-weighted images", "T2-weighted images"),
        ("e.g. a cyst", "E.g. a cyst"),
        ("cyst, e.g. simple", "Cyst, e.g. simple"),
        # fillers and spacing
        ("Um, the lungs are clear.", "The lungs are clear."),
        ("the lungs uh are clear", "The lungs are clear"),
        ("effusion , small", "Effusion, small"),
        ("  clear   lungs  ", "Clear lungs"),
        ("", ""),
        ("Period.", ""),
        # a sentence that opens with a measurement: "a two point three ..." heard as "at"
        ("At 2.3 cm arterially enhancing observation.",
         "A 2.3 cm arterially enhancing observation."),
        ("at eight millimeter nodule in the right lobe", "An 8 mm nodule in the right lobe"),
        ("No change. At 1.5 cm nodule.", "No change. A 1.5 cm nodule."),
        ("At 3 cm below the carina.", "At 3 cm below the carina."),
        ("At 5 cm, the tube bends.", "At 5 cm, the tube bends."),
        ("At 2.3 cm, arterially enhancing observation in segment 7.",
         "A 2.3 cm arterially enhancing observation in segment 7."),
        ("At 4 cm, abrupt narrowing is seen.", "At 4 cm, abrupt narrowing is seen."),
        ("At 6 months the lesion is stable.", "At 6 months the lesion is stable."),
        ("The tip is at 3 cm above the carina.", "The tip is at 3 cm above the carina."),
    ],
)
def test_to_written_at_start_of_field(spoken: str, written: str) -> None:
    assert to_written(spoken) == written


@pytest.mark.parametrize(
    ("preceding", "spoken", "written"),
    [
        # capitalisation depends on what is already in the field
        ("", "the lungs are clear.", "The lungs are clear."),
        ("Lungs clear.", "the heart is normal.", "The heart is normal."),
        ("Lungs clear?", "the heart is normal.", "The heart is normal."),
        ("Lungs clear.\n", "the heart is normal.", "The heart is normal."),
        ("Lungs clear. ", "heart normal", "Heart normal"),
        # mid-sentence: Whisper's capital on the utterance's first word is undone
        ("There is a small", "Pleural effusion.", "pleural effusion."),
        ("There is a small", "Left pleural effusion.", "left pleural effusion."),
        ("Density of 40", "Hounsfield units.", "HU."),
        ("Increased flow on", "Doppler imaging.", "Doppler imaging."),
        ("Findings in keeping with", "Crohn's disease.", "Crohn's disease."),
        ("There is a", "CT correlate.", "CT correlate."),
        ("Cyst, e.g.", "Simple.", "simple."),
        # punctuation at the start of an utterance
        ("Small effusion", "Period.", "."),
        ("Small effusion.", "Period.", "."),
        ("Small effusion.", "Comma and mild atelectasis.", ", and mild atelectasis."),
        ("Impression", "Colon.", ":"),
        ("", "Comma.", ""),
        ("Heading\n", "Period.", ""),
        ("Effusion.", "New paragraph.", PARAGRAPH_BREAK),
        ("Effusion.", "New line.", "\n"),
        # "colon" as the first word: only punctuation when it can follow the field text
        ("", "Colon is normal.", "Colon is normal."),
        ("The heart is normal.", "Colon is normal.", "Colon is normal."),
    ],
)
def test_to_written_depends_on_preceding_text(preceding: str, spoken: str, written: str) -> None:
    assert to_written(spoken, preceding=preceding) == written


@pytest.mark.parametrize(
    ("preceding", "addition", "joined"),
    [
        ("", "The lungs are clear.", "The lungs are clear."),
        ("   ", "Clear.", "Clear."),
        ("Lungs are clear.", "Heart is normal.", "Lungs are clear. Heart is normal."),
        ("Lungs are clear. ", "Heart is normal.", "Lungs are clear. Heart is normal."),
        ("There is a small", "pleural effusion.", "There is a small pleural effusion."),
        ("Small effusion", ".", "Small effusion."),
        ("Small effusion ", ",", "Small effusion,"),
        ("Small effusion.", ".", "Small effusion."),
        ("Small effusion.", ", and atelectasis.", "Small effusion, and atelectasis."),
        ("Small effusion,", ".", "Small effusion."),
        ("Compare e.g.", ", prior", "Compare e.g., prior"),
        ("Effusion.", "\n\n", "Effusion.\n\n"),
        ("Effusion. ", "\n\nHeart normal.", "Effusion.\n\nHeart normal."),
        ("Effusion.\n\n", "Heart normal.", "Effusion.\n\nHeart normal."),
        ("Effusion.\n\n", "\n\n", "Effusion.\n\n"),
        ("Effusion.\n", "\n", "Effusion.\n\n"),
        ("Effusion.\n", "Heart.", "Effusion.\nHeart."),
        ("See (", "series 3", "See (series 3"),
        ("See (series 3", ")", "See (series 3)"),
        ("Well", "-defined", "Well-defined"),
        ("Well-", "defined", "Well-defined"),
        ("Measures 40", "%", "Measures 40%"),
        ("Unchanged.", "", "Unchanged."),
    ],
)
def test_join(preceding: str, addition: str, joined: str) -> None:
    assert join(preceding, addition) == joined


def test_dictating_a_paragraph_utterance_by_utterance() -> None:
    finals = [
        "Findings colon.",
        "There is a small left plural effusion measuring three point two by two centimeters.",
        "Period.",
        "No pneumothorax, comma,",
        "Heart size normal.",
        "New paragraph.",
        "impression colon small effusion at L four five.",
    ]
    field = ""
    for final in finals:
        field = join(field, to_written(final, preceding=field))
    assert field == (
        "Findings: there is a small left plural effusion measuring 3.2 x 2 cm. "
        "No pneumothorax, heart size normal.\n\nImpression: small effusion at L4-5."
    )


def test_to_written_is_idempotent_on_written_text() -> None:
    written = "Series 3, image 41: 3.2 x 2.1 x 1.5 cm nodule at L4-5 (BI-RADS 4A), 40%."
    assert to_written(written) == written
