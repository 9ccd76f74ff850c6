"""`reporting dictate FILE --report ID`: the reference WebSocket client.

Streams an audio file through /ws/dictation in real time (or `speed` times
faster), printing partials and finals as they arrive. Used by tests, scripts
and the latency benchmark.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAME_SECONDS = 0.1


def load_pcm16(path: Path) -> bytes:
    """Any audio file FFmpeg reads → 16 kHz mono s16le bytes."""
    from faster_whisper import decode_audio

    audio = decode_audio(str(path), sampling_rate=16000)
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


@dataclass
class DictationRun:
    messages: list[dict[str, Any]] = field(default_factory=list)
    sent_at: list[tuple[float, float]] = field(default_factory=list)  # (audio time, wall)
    started: float = 0.0

    @property
    def finals(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "final"]

    @property
    def text(self) -> str:
        return " ".join(m["text"] for m in self.finals)


async def dictate(
    url: str, token: str, report_id: str, pcm: bytes, *, speed: float = 1.0,
    field_id: str | None = None, on_message: Callable[[dict[str, Any]], None] | None = None,
    trailing_silence: float = 0.0,
) -> DictationRun:
    """Stream PCM in 100 ms frames at `speed`× real time; return every server message."""
    import websockets

    run = DictationRun()
    frame = int(16000 * FRAME_SECONDS) * 2
    if trailing_silence:
        pcm += bytes(int(16000 * trailing_silence) * 2)
    async with websockets.connect(f"{url}?token={token}", max_size=1 << 22) as ws:
        start: dict[str, Any] = {"type": "start", "report_id": report_id,
                                 "sample_rate": 16000, "encoding": "pcm_s16le"}
        if field_id:
            start["field"] = field_id
        await ws.send(json.dumps(start))
        while True:
            message = json.loads(await ws.recv())
            run.messages.append(message)
            if on_message:
                on_message(message)
            if message["type"] == "ready":
                break
            if message["type"] == "error":
                return run

        async def receive() -> None:
            async for raw in ws:
                message = json.loads(raw)
                message["_at"] = time.monotonic()
                run.messages.append(message)
                if on_message:
                    on_message(message)
                if message["type"] == "stopped":
                    return

        receiver = asyncio.create_task(receive())
        run.started = time.monotonic()
        for i in range(0, len(pcm), frame):
            await ws.send(pcm[i:i + frame])
            sent_audio = (i + frame) / 32000
            run.sent_at.append((sent_audio, time.monotonic()))
            if speed > 0:
                delay = run.started + sent_audio / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
        await ws.send(json.dumps({"type": "stop"}))
        await receiver
    return run
