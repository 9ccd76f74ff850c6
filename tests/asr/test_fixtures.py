"""Audio fixtures are consistent, and the pipeline transcribes them closely with tiny.en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "audio_fixtures"
REQUIRED = {"id", "file", "modality", "text", "spoken", "tags", "split", "exam"}


def _manifest() -> list[dict]:
    lines = (FIXTURES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_manifest_is_consistent() -> None:
    entries = _manifest()
    assert len(entries) >= 30
    assert len({e["id"] for e in entries}) == len(entries)
    total = 0
    for e in entries:
        assert REQUIRED <= set(e), e["id"]
        assert e["split"] in {"dev", "heldout", "heldout2", "heldout3", "heldout4", "heldout5",
                              "heldout6", "heldout7", "heldout8", "heldout9",
                              "heldout10", "heldout11", "heldout12", "heldout13",
                              "heldout14", "heldout15", "heldout16",
                              "heldout17"}
        path = FIXTURES / e["file"]
        assert path.suffix == ".flac"
        assert path.is_file(), e["file"]
        info = sf.info(path)
        assert (info.samplerate, info.channels) == (16000, 1), e["id"]
        assert abs(info.duration - e["duration"]) < 0.05
        if "non-speech" in e["tags"]:
            assert e["text"] == ""
            assert info.duration >= 30
        else:
            assert e["text"].strip()
            assert e["spoken"].strip()
            assert e["exam"].strip(), e["id"]  # the procedure an order would name
            words = len(e["spoken"].split())
            # Dictation runs at roughly 1-4 words per second including pauses.
            assert 1.0 <= words / info.duration <= 4.0, e["id"]
        total += path.stat().st_size
    # Seventeen held-out splits (~3 MB each): keep the repository small.
    assert total < 62 * 1024 * 1024
    heldout = sum(e["split"].startswith("heldout") for e in entries)
    assert 0.25 <= heldout / len(entries) <= 0.92
    assert any(info for info in entries if "long" in info["tags"] and info["duration"] >= 30)


def test_fixture_mix_covers_modalities_and_conditions() -> None:
    entries = _manifest()
    modalities = {e["modality"] for e in entries}
    assert {"CR", "CT", "MR", "US", "MG"} <= modalities
    tags = {t for e in entries for t in e["tags"]}
    assert {"noise", "spoken-punctuation", "numbers", "command", "long", "silence-edges",
            "non-speech"} <= tags
    scales = {e["length_scale"] for e in entries}
    assert min(scales) <= 0.85
    assert max(scales) >= 1.2


@pytest.mark.parametrize("fixture_id", ["cxr_cardiomegaly", "us_abdomen"])
def test_pipeline_with_tiny_en_is_close_to_reference(tiny_decoder, fixture_id: str) -> None:
    from medwer import Scorer

    from reporting.asr.pipeline import transcribe_pipeline

    entry = next(e for e in _manifest() if e["id"] == fixture_id)
    result = transcribe_pipeline(FIXTURES / entry["file"], decoder=tiny_decoder,
                                 modality=entry["modality"], field="findings")
    plain = transcribe_pipeline(FIXTURES / entry["file"], decoder=tiny_decoder,
                                use_prompt=False, use_correction=False, written=False)
    scorer = Scorer()
    ours = scorer.corpus([entry["text"]], [result.text])
    base = scorer.corpus([entry["text"]], [plain.text])
    assert ours["wer"] <= 0.15, result.text
    assert ours["medical_wer"] <= base["medical_wer"]
    assert result.segments
    assert result.segments[0].start < result.segments[-1].end


def test_pipeline_returns_nothing_for_silence(tiny_decoder) -> None:
    from reporting.asr.pipeline import transcribe_pipeline

    result = transcribe_pipeline(FIXTURES / "silence_only.flac", decoder=tiny_decoder)
    assert result.text == ""
    assert result.duration >= 30


def test_pipeline_requires_a_model() -> None:
    from reporting.asr.pipeline import transcribe_pipeline

    with pytest.raises(ValueError, match="decoder or model"):
        transcribe_pipeline(FIXTURES / "silence_only.flac")
