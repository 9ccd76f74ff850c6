"""Whole-file pipeline: chunking, truncation and echo handling, negations kept (real tiny.en)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from reporting.asr.decoder import SAMPLE_RATE
from reporting.asr.pipeline import (
    MAX_CHUNK_S,
    SpeechChunk,
    drop_echo,
    looks_truncated,
    merge_stretches,
    speech_chunks,
    to_report_text,
    transcribe_pipeline,
    unhyphenate,
)
from tests.asr.conftest import FIXTURES, load_fixture

S = SAMPLE_RATE


def test_stretches_merge_across_sentence_pauses_up_to_the_chunk_limit() -> None:
    stretches = [(0, 4 * S), (5 * S, 9 * S), (10 * S, 15 * S), (16 * S, 24 * S)]
    chunks = merge_stretches(stretches, max_chunk_s=20.0, merge_gap_s=1.5)
    assert [(c.start, c.end) for c in chunks] == [(0, 15 * S), (16 * S, 24 * S)]
    assert chunks[0].parts == tuple(stretches[:3])
    assert chunks[0].speech_s == pytest.approx(13.0)


def test_long_pauses_are_never_merged() -> None:
    chunks = merge_stretches([(0, 2 * S), (5 * S, 7 * S)], max_chunk_s=20.0, merge_gap_s=1.5)
    assert len(chunks) == 2


def test_merge_rejects_a_nonpositive_limit() -> None:
    with pytest.raises(ValueError, match="max_chunk_s"):
        merge_stretches([(0, S)], max_chunk_s=0)


def test_truncation_is_judged_on_speech_time() -> None:
    chunk = SpeechChunk(0, 15 * S, ((0, 5 * S), (6 * S, 15 * S)))
    assert looks_truncated("Endotracheal tube tip terminates 4 cm above the carina.", chunk)
    assert not looks_truncated(" ".join(["word"] * 30), chunk)
    single = SpeechChunk(0, 15 * S, ((0, 15 * S),))
    assert not looks_truncated("Short.", single)  # nothing smaller to fall back to


def test_echo_of_the_previous_sentence_is_dropped_but_a_changed_side_is_kept() -> None:
    context = "Endotracheal tube tip terminates 4 cm above the carina."
    assert drop_echo("Endotracheal tip 4 cm above the carina. No pneumothorax.", context) == (
        "No pneumothorax."
    )
    assert drop_echo("No pleural effusion on the left.", "No pleural effusion on the right.") == (
        "No pleural effusion on the left."
    )


def test_a_reread_of_the_prompts_last_words_is_dropped() -> None:
    context = ("The calcaneofibular ligament is thickened but intact. Small tibiotalar joint "
               "effusion. Osteochondral lesion of the medial")
    reread = ("talofibular ligament is thickened but intact. Small tibiotalar joint effusion. "
              "Osteochondral lesion of the medial talar dome without a displaced fragment.")
    assert drop_echo(reread, context) == "talar dome without a displaced fragment."
    # Seven words again, or eight with two changed, are dictation, not a re-read.
    for said in ("joint effusion. Osteochondral lesion of the medial femoral condyle.",
                 "Large tibiotalar joint effusion. Chondral lesion of the medial talus."):
        assert drop_echo(said, context) == said


def test_chunks_of_a_real_dictation_cover_all_speech_without_cutting_it() -> None:
    audio, _ = load_fixture("ho_msk_hip_long")  # 33 s, seven sentences
    chunks = speech_chunks(audio)
    assert len(chunks) >= 2
    assert all((c.end - c.start) / S <= MAX_CHUNK_S + 1e-6 for c in chunks)
    # Chunk edges sit in pauses: the audio at each inner boundary is quiet.
    for left, right in itertools.pairwise(chunks):
        edge = audio[left.end - S // 10:left.end]
        assert float(np.sqrt(np.mean(edge**2))) < 0.02
        assert right.start >= left.end - int(0.8 * S)


def test_leading_negation_survives_the_pipeline(asr_manager) -> None:
    result = transcribe_pipeline(FIXTURES / "ct_head_noncontrast.flac",
                                 decoder=asr_manager.decoder, modality="CT", field="findings")
    assert result.text.startswith("No acute intracranial hemorrhage"), result.text


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("There is a 6-millimeter solid nodule.", "There is a 6 mm solid nodule."),
        ("A six-millimeter nodule.", "A 6 mm nodule."),
        ("A 1.5-centimeter cyst.", "A 1.5 cm cyst."),
        ("Blunting of the left-costophrenic angle.", "Blunting of the left costophrenic angle."),
        ("Right-hilar fullness.", "Right hilar fullness."),
    ],
)
def test_hyphens_reports_do_not_write_are_undone(heard: str, written: str) -> None:
    assert to_report_text(heard, "") == written


@pytest.mark.parametrize("text", ["A multi-centimeter mass.", "Follow-up in 3 months.",
                                  "Well-circumscribed cyst.", "A sub-centimeter node.",
                                  "Right-sided effusion.", "A left-to-right shunt.",
                                  "Bright-red blood."])
def test_other_hyphenated_words_are_left_alone(text: str) -> None:
    assert unhyphenate(text) == text


def test_the_audio_probe_speaks_terms_and_reports_what_was_heard(tmp_path: Path) -> None:
    """scripts/probe_audio.py end to end: Piper speaks the terms, the real pipeline (tiny.en)
    transcribes them, and every term gets a result line (None where it was heard right)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    terms = tmp_path / "terms.txt"
    terms.write_text("pleural effusion\npneumothorax\n")
    out = tmp_path / "probe.jsonl"
    run = subprocess.run(
        [sys.executable, str(root / "scripts" / "probe_audio.py"), "--terms", str(terms),
         "--model", "tiny.en", "--data-dir", str(tmp_path / "data"), "--threads", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=root)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stderr.strip().splitlines()[-1])["terms"] == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    results = {r["term"]: r["heard"] for r in rows if "term" in r}
    assert results == {"pleural effusion": None, "pneumothorax": None}, rows
    heard = next(r["text"] for r in rows if "text" in r)
    assert "pleural effusion" in heard.lower() and "pneumothorax" in heard.lower()
