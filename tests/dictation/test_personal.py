"""Personal vocabulary: learning substitutions from edits and applying them."""

from __future__ import annotations

import json

import pytest

from reporting.dictation.personal import (
    Substitution,
    apply_substitutions,
    learn_substitutions,
    merge_substitutions,
)


@pytest.mark.parametrize(
    ("dictated", "edited", "learned"),
    [
        (
            "There is a small left plural effusion.",
            "There is a small left pleural effusion.",
            [Substitution("plural", "pleural", "effusion")],
        ),
        (
            "Plural effusion is noted.",
            "Pleural effusion is noted.",
            [Substitution("plural", "pleural", "effusion")],
        ),
        (
            "Widening of the media stenom.",
            "Widening of the mediastinum.",
            [Substitution("media stenom", "mediastinum", "the")],
        ),
        (
            "There is cardiomigaly.",
            "There is cardiomegaly.",
            [Substitution("cardiomigaly", "cardiomegaly", "is")],
        ),
        (
            "No pneumothorex or effusion.",
            "No pneumothorax or effusion.",
            [Substitution("pneumothorex", "pneumothorax", "no")],
        ),
        (
            "Findings suggest new monia in the right base.",
            "Findings suggest pneumonia in the right base.",
            [Substitution("new monia", "pneumonia", "suggest")],
        ),
        (
            "Stable sub segmental atelectasis.",
            "Stable subsegmental atelectasis.",
            [Substitution("sub segmental", "subsegmental", "atelectasis")],
        ),
        (
            "Density of 40 hounsfeld units.",
            "Density of 40 Hounsfield units.",
            [Substitution("hounsfeld", "Hounsfield", "units")],
        ),
        (
            "Hounsfeld measurement of the lesion.",
            "Hounsfield measurement of the lesion.",
            [Substitution("hounsfeld", "hounsfield", "measurement")],
        ),
        (
            "Bilateral plural effusions. Plural thickening.",
            "Bilateral pleural effusions. Pleural thickening.",
            [
                Substitution("plural", "pleural", "effusions"),
                Substitution("plural", "pleural", "thickening"),
            ],
        ),
        ("plural", "pleural", [Substitution("plural", "pleural", None)]),
    ],
)
def test_learns_recognition_errors(
    dictated: str, edited: str, learned: list[Substitution]
) -> None:
    assert learn_substitutions(dictated, edited) == learned


@pytest.mark.parametrize(
    ("dictated", "edited"),
    [
        # laterality swaps are clinical decisions
        ("Left pleural effusion.", "Right pleural effusion."),
        ("Small right effusion.", "Small left effusion."),
        ("Left lower lobe opacity.", "Bilateral lower lobe opacity."),
        # negation
        ("No pneumothorax.", "Small pneumothorax."),
        ("There is now an effusion.", "There is no effusion."),
        ("Normal study.", "Abnormal study."),
        ("Atypical lesion.", "Typical lesion."),
        # numbers and sizes
        ("A 4 mm nodule.", "A 6 mm nodule."),
        ("A four millimeter nodule.", "A five millimeter nodule."),
        ("A 4 millimeter nodule.", "A 4 centimeter nodule."),
        ("At L4-5.", "At L5-S1."),
        ("The third rib.", "The fourth rib."),
        # severity, direction, opposites
        ("Mild cardiomegaly.", "Moderate cardiomegaly."),
        ("There is a small effusion.", "There is a tiny effusion."),
        ("Hyperdense lesion in the liver.", "Hypodense lesion in the liver."),
        ("Anterior wall.", "Posterior wall."),
        ("There is a new opacity in the base.", "There is opacities in the base."),
        # different words, not near misses
        ("The liver is normal.", "The spleen is normal."),
        ("Effusion.", "Consolidation."),
        # deletions, additions, rewrites
        ("The lungs are clear and there is no effusion.", "The lungs are clear."),
        ("The lungs are clear.", "The lungs are clear and there is no effusion."),
        (
            "The lungs are clear. There is no effusion.",
            "Heart size is enlarged with bilateral interstitial opacities and effusions.",
        ),
        ("There is a small effusion in the base.", "Small basal pleural fluid collection noted."),
        # replacements longer than three words
        ("small plural fluid colection noted today", "small pleural fluids collection seen today"),
        ("plural fluid colection noted", "pleural fluids collection seen"),
        # capitalisation only, and no change
        ("ct of the chest", "CT of the chest"),
        ("Pleural effusion.", "Pleural effusion."),
        ("", "Pleural effusion."),
        # function words
        ("There is a effusion.", "There is an effusion."),
    ],
)
def test_does_not_learn_clinical_or_large_edits(dictated: str, edited: str) -> None:
    assert learn_substitutions(dictated, edited) == []


def test_repeated_correction_in_one_edit_counts_twice() -> None:
    learned = learn_substitutions(
        "Plural effusion on the left. Plural effusion on the right.",
        "Pleural effusion on the left. Pleural effusion on the right.",
    )
    assert learned == [Substitution("plural", "pleural", "effusion", count=2)]


def test_merge_sums_counts_of_identical_rules() -> None:
    existing = [Substitution("plural", "pleural", "effusion", 3), Substitution("a", "b", "c")]
    merged = merge_substitutions(
        existing,
        [Substitution("plural", "pleural", "effusion"), Substitution("plural", "pleural", None)],
    )
    assert merged == [
        Substitution("plural", "pleural", "effusion", 4),
        Substitution("a", "b", "c"),
        Substitution("plural", "pleural", None),
    ]


RULES = [Substitution("plural", "pleural", "effusion", 2)]


@pytest.mark.parametrize(
    ("text", "result", "applied"),
    [
        ("Small plural effusion.", "Small pleural effusion.", 1),
        ("Plural effusion.", "Pleural effusion.", 1),
        ("PLURAL EFFUSION", "PLEURAL EFFUSION", 1),
        ("Bilateral plural effusions.", "Bilateral pleural effusions.", 1),
        ("Effusion plural.", "Effusion pleural.", 1),
        ("plural effusion and plural effusion", "pleural effusion and pleural effusion", 2),
        # out of context, or not a whole word: unchanged
        ("The plural form.", "The plural form.", 0),
        ("Plurality of effusion.", "Plurality of effusion.", 0),
        ("Plural. Effusion.", "Plural. Effusion.", 0),
        ("plurals effusion", "plurals effusion", 0),
        ("", "", 0),
    ],
)
def test_apply_only_in_context(text: str, result: str, applied: int) -> None:
    new_text, fired = apply_substitutions(text, RULES)
    assert new_text == result
    assert fired == RULES * applied


def test_apply_rule_without_context_anywhere() -> None:
    rules = [Substitution("pneumothorex", "pneumothorax", None)]
    text, fired = apply_substitutions("No pneumothorex. Pneumothorex resolved.", rules)
    assert text == "No pneumothorax. Pneumothorax resolved."
    assert len(fired) == 2


def test_apply_multiword_rules_and_keeps_proper_nouns() -> None:
    rules = [
        Substitution("media stenom", "mediastinum", "widening"),
        Substitution("hounsfeld", "Hounsfield", "units"),
    ]
    text, fired = apply_substitutions("Widening of the media stenom. 40 hounsfeld units.", rules)
    assert text == "Widening of the media stenom. 40 Hounsfield units."
    assert fired == [rules[1]]
    text, _ = apply_substitutions("Media stenom widening. 40 hounsfeld units.", rules)
    assert text == "Mediastinum widening. 40 Hounsfield units."


def test_apply_does_not_chain_rules() -> None:
    rules = [Substitution("plural", "pleural", None), Substitution("pleural", "peritoneal", None)]
    text, fired = apply_substitutions("plural pleural", rules)
    assert text == "pleural peritoneal"
    assert len(fired) == 2


def test_apply_prefers_the_more_frequent_rule() -> None:
    rules = [
        Substitution("plural", "pleura", "effusion", 1),
        Substitution("plural", "pleural", "effusion", 5),
    ]
    assert apply_substitutions("plural effusion", rules)[0] == "pleural effusion"


def test_apply_min_count() -> None:
    rules = [Substitution("plural", "pleural", "effusion", 1)]
    assert apply_substitutions("plural effusion", rules, min_count=2) == ("plural effusion", [])


def test_learned_rules_apply_to_the_next_dictation() -> None:
    rules = learn_substitutions(
        "Small left plural effusion. Widening of the media stenom.",
        "Small left pleural effusion. Widening of the mediastinum.",
    )
    text, fired = apply_substitutions(
        "Large right plural effusion and widening of the media stenom.", rules
    )
    assert text == "Large right pleural effusion and widening of the mediastinum."
    assert len(fired) == 2


def test_substitution_round_trips_through_json() -> None:
    rule = Substitution("plural", "pleural", "effusion", 7)
    data = json.loads(json.dumps(rule.to_dict()))
    assert data == {"wrong": "plural", "right": "pleural", "context": "effusion", "count": 7}
    assert Substitution.from_dict(data) == rule
    assert Substitution.from_dict({"wrong": "X", "right": "y"}) == Substitution("x", "y")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"right": "y"}, "wrong is required"),
        ({"wrong": "x"}, "right is required"),
        ({"wrong": " ", "right": "y"}, "wrong is required"),
        ({"wrong": "x", "right": ""}, "right is required"),
        ({"wrong": "a b c d", "right": "y"}, "at most 3 words"),
        ({"wrong": "x", "right": "y", "context": 4}, "context must be"),
        ({"wrong": "x", "right": "y", "count": "2"}, "count must be an integer"),
        ({"wrong": "x", "right": "y", "count": 0}, "count must be at least 1"),
    ],
)
def test_substitution_validation(data: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Substitution.from_dict(data)
