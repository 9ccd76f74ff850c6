"""Shared ASR test fixtures: one real tiny.en model per test session, real dictation audio."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from reporting.asr.decoder import WhisperDecoder
from reporting.asr.manager import AsrManager
from reporting.asr.vocabulary import Lexicon, load_lexicon
from reporting.core.config import AsrSettings
from tests.conftest import ASR_DEVICE

FIXTURES = Path(__file__).resolve().parents[2] / "audio_fixtures"
SR = 16_000


def load_fixture(fixture_id: str) -> tuple[np.ndarray, str]:
    """Audio (16 kHz float32) and the spoken reference text of one audio fixture."""
    import soundfile as sf

    for line in (FIXTURES / "manifest.jsonl").read_text().splitlines():
        item = json.loads(line)
        if item["id"] == fixture_id:
            audio, rate = sf.read(FIXTURES / item["file"], dtype="float32")
            assert rate == SR
            return audio, item["spoken"].replace(" | ", " ")
    raise LookupError(fixture_id)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER after the MedWER normaliser (Whisper's English normaliser, numbers folded)."""
    from medwer import Normalizer, wer

    norm = Normalizer()
    return wer(norm(reference), norm(hypothesis))[2]


@pytest.fixture(scope="session")
def asr_manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsrManager]:
    """A loaded tiny.en manager shared by the whole test session."""
    data_dir = tmp_path_factory.mktemp("asr-data")
    # One decode thread: the scheduler tests check the order in which requests are served.
    # They hold `WhisperDecoder.decode`, so finals here skip the N-best rescoring (tested in
    # test_decoder.py and through the dictation WebSocket, where it is on).
    manager = AsrManager(
        AsrSettings(model="tiny.en", device=ASR_DEVICE, max_sessions=4, rescore_finals=False),
        data_dir, decode_threads=1,
    )
    manager.load()
    manager.warm_up()
    yield manager
    manager.close()


@pytest.fixture(scope="session")
def tiny_decoder() -> WhisperDecoder:
    """A real tiny.en decoder (int8, 2 threads on CPU) for the whole-file and N-best paths."""
    from faster_whisper import WhisperModel

    from reporting.asr.models import resolve_runtime, tiny_en_dir

    runtime = resolve_runtime(AsrSettings(device=ASR_DEVICE))
    model = WhisperModel(str(tiny_en_dir()), **runtime.model_kwargs(), cpu_threads=2)
    return WhisperDecoder(model)


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The shipped radiology lexicon."""
    return load_lexicon()


@pytest.fixture(scope="session")
def effusion() -> tuple[np.ndarray, str]:
    """A 14 s chest X-ray dictation with pauses between sentences."""
    return load_fixture("cxr_effusion")
