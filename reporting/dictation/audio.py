"""Audio frames from the browser or a file client → 16 kHz mono float32 samples.

`pcm_s16le` frames may be cut anywhere (an odd byte is carried to the next frame).
`webm_opus` (MediaRecorder) is a container stream: a decoder thread reads it
through PyAV from a blocking buffer; decoded samples are collected on each frame.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable

import numpy as np

SAMPLE_RATE = 16_000
ENCODINGS = ("pcm_s16le", "webm_opus")


class AudioFormatError(ValueError):
    """A frame the decoder cannot use; the session reports it and goes on."""


class PcmDecoder:
    """Little-endian signed 16-bit PCM at 16 kHz, frames of any size."""

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, data: bytes) -> np.ndarray:
        data = self._carry + data
        usable = len(data) - (len(data) % 2)
        self._carry = data[usable:]
        if usable == 0:
            return np.zeros(0, dtype=np.float32)
        return np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0

    def close(self) -> np.ndarray:
        self._carry = b""
        return np.zeros(0, dtype=np.float32)


class _BlockingBuffer(io.RawIOBase):
    """A pipe-like file: read() blocks until bytes arrive or the writer closes."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._closed_for_write = False
        self._cond = threading.Condition()

    def readable(self) -> bool:
        return True

    def write_bytes(self, data: bytes) -> None:
        with self._cond:
            self._data += data
            self._cond.notify_all()

    def finish(self) -> None:
        with self._cond:
            self._closed_for_write = True
            self._cond.notify_all()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        with self._cond:
            while not self._data and not self._closed_for_write:
                self._cond.wait()
            n = min(len(buffer), len(self._data))
            buffer[:n] = self._data[:n]
            del self._data[:n]
            return n


class WebmOpusDecoder:
    """Decodes a MediaRecorder webm/opus stream incrementally with PyAV in a thread.

    Decoded samples wait in a queue; each `feed` returns what has been decoded so
    far and `close` returns the rest, so no sample is lost at the end of a stream.
    """

    def __init__(self, on_error: Callable[[str], None]) -> None:
        self._buffer = _BlockingBuffer()
        self._decoded: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._on_error = on_error
        self._thread = threading.Thread(target=self._run, name="webm-decoder", daemon=True)
        self._thread.start()

    def _drain(self) -> np.ndarray:
        parts = []
        while True:
            try:
                parts.append(self._decoded.get_nowait())
            except queue.Empty:
                break
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def feed(self, data: bytes) -> np.ndarray:
        self._buffer.write_bytes(data)
        return self._drain()

    def close(self) -> np.ndarray:
        self._buffer.finish()
        self._thread.join(timeout=30)
        return self._drain()

    def _run(self) -> None:
        import av

        try:
            container = av.open(io.BufferedReader(self._buffer), mode="r", format="webm")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    self._decoded.put(out.to_ndarray().reshape(-1).astype(np.float32))
            for out in resampler.resample(None):
                self._decoded.put(out.to_ndarray().reshape(-1).astype(np.float32))
        except Exception as e:  # a broken stream must not kill the session
            self._on_error(f"webm/opus stream could not be decoded: {type(e).__name__}: {e}")


def make_decoder(encoding: str, on_error: Callable[[str], None]) -> PcmDecoder | WebmOpusDecoder:
    if encoding == "pcm_s16le":
        return PcmDecoder()
    if encoding == "webm_opus":
        return WebmOpusDecoder(on_error)
    raise AudioFormatError(f"unsupported encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
