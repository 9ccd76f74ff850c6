"""Voice activity detection with the Silero model bundled in faster-whisper."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
FRAME = 512
"""Silero frame: 512 samples = 32 ms at 16 kHz."""
_CONTEXT = 64


def speech_chunks(
    audio: np.ndarray,
    *,
    max_piece_s: float = 25.0,
    merge_gap_s: float = 1.5,
    pad_ms: int = 200,
) -> list[tuple[int, int]]:
    """Sample ranges of speech in a whole recording, merged into pieces of at most `max_piece_s`."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(
        min_silence_duration_ms=500,
        speech_pad_ms=pad_ms,
        max_speech_duration_s=max_piece_s,
        min_speech_duration_ms=150,
    )
    spans = [(int(c["start"]), int(c["end"])) for c in get_speech_timestamps(audio, opts)]
    pieces: list[tuple[int, int]] = []
    for start, end in spans:
        if pieces:
            p_start, p_end = pieces[-1]
            if (start - p_end) <= merge_gap_s * SAMPLE_RATE and (
                end - p_start
            ) <= max_piece_s * SAMPLE_RATE:
                pieces[-1] = (p_start, end)
                continue
        pieces.append((start, end))
    return pieces


class FrameVad:
    """Incremental Silero speech probabilities, one per 32 ms frame, for any chunk sizes fed."""

    def __init__(self) -> None:
        from faster_whisper.vad import get_vad_model

        self._model = get_vad_model()
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros((1, _CONTEXT), dtype=np.float32)
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)

    def feed(self, pcm: np.ndarray) -> np.ndarray:
        """Add samples; return the speech probability of every frame completed by them."""
        buf = np.concatenate([self._pending, np.asarray(pcm, dtype=np.float32).reshape(-1)])
        n = buf.size // FRAME
        self._pending = buf[n * FRAME :]
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        frames = buf[: n * FRAME].reshape(n, FRAME)
        # Each frame is fed with the last 64 samples before it; the LSTM state carries over
        # between calls, so chunked input gives the same probabilities as one whole call.
        context = np.concatenate([self._context, frames[:-1, -_CONTEXT:]], axis=0)
        batch = np.concatenate([context, frames], axis=1)
        out, self._h, self._c = self._model.session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = frames[-1:, -_CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)
