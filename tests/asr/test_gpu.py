"""The speech model on a GPU (`REPORTING_ASR__DEVICE=cuda`): skipped where CTranslate2 sees
none. The rest of the speech tests run on a GPU too with REPORTING_TEST_ASR_DEVICE=cuda."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporting.asr.manager import AsrManager
from reporting.asr.models import cuda_device_count
from reporting.core.config import AsrSettings

from .conftest import load_fixture, word_error_rate

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(cuda_device_count() == 0, reason="no CUDA device visible to CTranslate2"),
]


@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_the_model_runs_on_the_gpu_and_transcribes(tmp_path: Path, device: str) -> None:
    manager = AsrManager(AsrSettings(model="tiny.en", device=device), tmp_path)
    try:
        manager.load()
        assert manager.runtime is not None
        assert (manager.runtime.device, manager.runtime.compute_type) == ("cuda", "float16")
        assert manager.decoder.model.model.device == "cuda"
        assert manager.decode_threads == 2
        manager.warm_up()
        audio, spoken = load_fixture("msk_wrist")
        text = manager.transcribe_file(audio).text
        assert word_error_rate(spoken, text) < 0.2, text
    finally:
        manager.close()
