"""Engine latency benchmark: decode time per window size and end-of-speech→final latency.

Usage: python bench/asr_latency_engine.py [--model tiny.en|base] [--stream-fixture ID]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from reporting.asr.decoder import DecodeOptions
from reporting.asr.manager import AsrManager
from reporting.asr.streaming import Final, StreamingRecognizer
from reporting.core.config import AsrSettings

ROOT = Path(__file__).resolve().parents[1]
SR = 16_000


def _fixtures(n: int) -> list[np.ndarray]:
    items = [
        json.loads(x) for x in (ROOT / "audio_fixtures/manifest.jsonl").read_text().split("\n") if x
    ]
    speech = [i for i in items if "non-speech" not in i["tags"]][:n]
    return [sf.read(ROOT / "audio_fixtures" / i["file"], dtype="float32")[0] for i in speech]


async def _stream_latency(manager: AsrManager, audio: np.ndarray) -> list[dict[str, float]]:
    rec = StreamingRecognizer(manager, "bench")
    finals: list[Final] = []

    async def collect() -> None:
        async for event in rec.events():
            if isinstance(event, Final):
                finals.append(event)

    task = asyncio.create_task(collect())
    step = SR // 50  # 20 ms frames in real time
    for pos in range(0, audio.size, step):
        rec.feed(audio[pos : pos + step])
        await asyncio.sleep(0.02)
    await rec.finish()
    await task
    return [
        {
            "latency_s": round(f.latency_s, 3),
            "reused": f.reused_partial,
            "utterance_s": round(f.end - f.start, 2),
        }
        for f in finals
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--clip-seconds", type=float, default=4.0)
    parser.add_argument("--stream-fixture", default="cxr_effusion")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        manager = AsrManager(AsrSettings(model=args.model), data_dir)
        manager.load()
        manager.warm_up()
        clips = [a[: int(args.clip_seconds * SR)] for a in _fixtures(args.clips)]
        timings: dict[str, float] = {}
        for label, opts in {
            "window_30s_beam1": DecodeOptions(short_window=False),
            "window_short_beam1": DecodeOptions(),
            "window_short_beam5": DecodeOptions(beam_size=5),
            "window_30s_beam5": DecodeOptions(short_window=False, beam_size=5),
        }.items():
            secs = []
            for clip in clips:
                started = time.perf_counter()
                manager.decoder.decode(clip, options=opts)
                secs.append(time.perf_counter() - started)
            timings[label] = round(statistics.median(secs), 3)
        items = [
            json.loads(x)
            for x in (ROOT / "audio_fixtures/manifest.jsonl").read_text().split("\n")
            if x
        ]
        item = next(i for i in items if i["id"] == args.stream_fixture)
        audio = sf.read(ROOT / "audio_fixtures" / item["file"], dtype="float32")[0]
        finals = asyncio.run(_stream_latency(manager, audio))
        manager.close()
    print(
        json.dumps(
            {
                "model": args.model,
                "clip_seconds": args.clip_seconds,
                "median_decode_s": timings,
                "stream_fixture": args.stream_fixture,
                "finals": finals,
                "median_final_latency_s": round(
                    statistics.median(f["latency_s"] for f in finals), 3
                ),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
