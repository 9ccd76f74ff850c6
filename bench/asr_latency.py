"""Streaming latency and concurrency of the dictation server, end to end.

Usage::

    python bench/asr_latency.py [--model tiny.en|base] [--streams 1,2,4,8] [--fixtures N]
                                [--experiment final_beam=1,decode_threads=2,...] [--details]

Starts a real `reporting serve` in a subprocess (fresh data dir, migrate + demo data,
`REPORTING_ASR__MODEL`, preload on), waits for `/readyz` to report the speech model
loaded, warms it with one short dictation, creates draft reports for CR/CT/MR studies of
the demo worklist over REST, then streams fixtures over the real `/ws/dictation` socket
with the reference client (`reporting.dictation.client.dictate`) in real time (speed 1.0,
100 ms frames). For each stream count N, `--fixtures` rounds start N sessions together,
each with a different fixture. Prints one JSON object:

- `final_latency_s`: end of speech → final. End of speech is the wall time at which the
  audio at the final's `end` (speech end + 200 ms pad) was sent, interpolated from the
  client's `sent_at`; latency is the final's arrival minus that. `from_speech_end` uses
  `end - 0.2 s` (the last audio the VAD called speech) instead.
- `partials_per_speech_s` (speech seconds = sum of final `end - start`) and
  `first_partial_s` (first partial's arrival minus the wall time when the first
  speech audio, found by an energy threshold, was sent).
- `carried`: p95 latency ≤ 2 s at that stream count.
- `streamed_wer`: medwer corpus scores (`wer`, `medical_wer`) of each session's finals,
  joined, against the fixture manifest's `text`, so a setting's accuracy cost shows next
  to its latency (same scorer as `bench/asr_accuracy.py`).
- `server`: the scheduler's own view, sampled every 0.2 s in the server process by a
  passive observer thread (`AsrManager.stats()`: `lag_s` = age of the oldest queued
  decode, queue depth) and the event loop's responsiveness (`loop_lag_s`: delay of a
  `call_soon_threadsafe` probe).
- `nonspeech`: finals produced by the 32 s `silence_only` and `noise_only` fixtures
  (streamed at once; must be 0).

The server subprocess is `python bench/asr_latency.py --serve-child ...`, which installs
the observer and then calls the unchanged `reporting serve` command. `--experiment` is
for measuring proposed changes only: it overrides decode settings inside that server
process (labelled in the output) and is not how the product is configured, except
`partial_model`, which is passed as the real setting `REPORTING_ASR__PARTIAL_MODEL`
(`partial_model=` with no value: partials use the final model).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reporting.dictation.client import DictationRun, dictate, load_pcm16  # noqa: E402

USERNAME, PASSWORD = "drokafor", "demo-radiologist"
ORDERS_USER, ORDERS_PASSWORD = "mirth", "demo-integration"  # places extra orders
PAD_S = 0.2  # the recognizer's speech-edge padding (StreamingRecognizer pad_ms)
LAG_LIMIT_S = 2.0
TRAILING_SILENCE_S = 1.0  # lets the last utterance end on a VAD pause, not on `stop`
SLOT_MODALITIES = ("CR", "CT", "MR", "CT", "CR", "MR", "CT", "CR")
EXPERIMENT_KEYS = ("final_beam", "partial_beam", "decode_threads", "cpu_threads",
                   "partial_interval_s", "endpoint_ms", "min_window_s", "window_step_s",
                   "partial_model", "speculative_ms")


# -- server side: passive observer + experiment overrides, then the real `serve` ----------


def _serve_child(port: int, stats_path: Path, experiment: dict[str, Any]) -> None:
    """Run `reporting serve` with a stats sampler thread (and experiment overrides, if any)."""
    from reporting.asr import manager as asr_manager
    from reporting.asr import streaming
    from reporting.cli.main import app

    managers: list[Any] = []
    loops: list[asyncio.AbstractEventLoop] = []
    init = asr_manager.AsrManager.__init__

    def observed_init(self: Any, *args: Any, **kwargs: Any) -> None:
        if "decode_threads" in experiment:
            kwargs["decode_threads"] = int(experiment["decode_threads"])
        init(self, *args, **kwargs)
        window = {k: float(experiment[k]) for k in ("min_window_s", "window_step_s")
                  if k in experiment}
        if "final_beam" in experiment or window:
            self.final_options = replace(self.final_options, **window, beam_size=int(
                experiment.get("final_beam", self.final_options.beam_size)))
        if "partial_beam" in experiment or window:
            self.partial_options = replace(self.partial_options, **window, beam_size=int(
                experiment.get("partial_beam", self.partial_options.beam_size)))
        managers.append(self)

    asr_manager.AsrManager.__init__ = observed_init  # type: ignore[method-assign]

    rec_init = streaming.StreamingRecognizer.__init__

    def observed_rec_init(self: Any, *args: Any, **kwargs: Any) -> None:
        for key in ("partial_interval_s", "endpoint_ms", "speculative_ms"):
            if key in experiment:
                kwargs[key] = type(rec_init.__kwdefaults__[key])(experiment[key])
        if not loops:
            loops.append(asyncio.get_running_loop())
        rec_init(self, *args, **kwargs)

    streaming.StreamingRecognizer.__init__ = observed_rec_init  # type: ignore[method-assign]

    def sample() -> None:
        with stats_path.open("a") as out:
            while True:
                time.sleep(0.2)
                if not managers:
                    continue
                row: dict[str, Any] = {"t": time.monotonic()}
                st = managers[0].stats()
                row.update(lag_s=round(st.lag_s, 3), queued_finals=st.queued_finals,
                           queued_partials=st.queued_partials, in_flight=st.in_flight,
                           active=st.active_sessions, decodes=st.decodes,
                           dropped_partials=st.dropped_partials,
                           decode_s=round(st.decode_seconds, 3),
                           audio_s=round(st.audio_seconds, 3))
                if loops:
                    done = threading.Event()
                    sent = time.monotonic()
                    holder: list[float] = []

                    def probe(sent: float = sent, holder: list[float] = holder,
                              done: threading.Event = done) -> None:
                        holder.append(time.monotonic() - sent)
                        done.set()

                    try:
                        loops[0].call_soon_threadsafe(probe)
                    except RuntimeError:
                        return
                    done.wait(5.0)
                    row["loop_lag_s"] = round(holder[0], 4) if holder else 5.0
                out.write(json.dumps(row) + "\n")
                out.flush()

    threading.Thread(target=sample, name="bench-stats", daemon=True).start()
    app(["serve", "--port", str(port)])


# -- client side ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manifest() -> list[dict[str, Any]]:
    lines = (ROOT / "audio_fixtures/manifest.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines if x.strip()]


def _pools() -> dict[str, list[dict[str, Any]]]:
    """Speech fixtures of 10-15.5 s per modality (no commands, no long or noisy ones)."""
    pools: dict[str, list[dict[str, Any]]] = {"CR": [], "CT": [], "MR": []}
    for item in _manifest():
        tags = set(item["tags"])
        if tags & {"command", "non-speech", "noise", "long"}:
            continue
        if item["modality"] in pools and 10.0 <= item["duration"] <= 15.5:
            pools[item["modality"]].append(item)
    return pools


def _onset_s(pcm: bytes) -> float:
    """First 20 ms window whose RMS exceeds -34 dBFS: where speech starts in a clean fixture."""
    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    win = 320
    n = audio.size // win
    levels = np.sqrt(np.mean(np.square(audio[: n * win].reshape(n, win)), axis=1))
    loud = np.flatnonzero(levels > 0.02)
    return float(loud[0] * win / 16000) if loud.size else 0.0


def _wall_at(run: DictationRun, audio_s: float) -> float:
    """Wall time (monotonic) at which the audio at `audio_s` had been sent."""
    xs = [0.0, *(a for a, _ in run.sent_at)]
    ys = [run.started, *(w for _, w in run.sent_at)]
    return float(np.interp(audio_s, xs, ys))


def _cpu_snapshot(pids: list[int]) -> tuple[float, float, float, float]:
    """(wall, busy CPU-s of the machine, CPU-s of `pids`, CPU-s of `pids[0]`) from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path("/proc/stat").read_text().split("\n")[0].split()[1:]
    values = [int(x) for x in fields]
    busy = sum(values) - values[3] - values[4]  # minus idle and iowait
    own = []
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            own.append(int(stat[11]) + int(stat[12]))  # utime, stime
    return time.monotonic(), busy / tick, sum(own) / tick, (own[0] if own else 0) / tick


def _cpu_use(before: tuple[float, ...], after: tuple[float, ...], audio_s: float
             ) -> dict[str, float]:
    """Cores busy overall, in the server + bench processes and in everything else; server
    CPU-seconds per second of streamed audio (less sensitive to other load than latency)."""
    span = after[0] - before[0]
    total = (after[1] - before[1]) / span
    ours = (after[2] - before[2]) / span
    return {"machine_cores_busy": round(total, 2), "server_and_bench_cores": round(ours, 2),
            "other_processes_cores": round(max(total - ours, 0.0), 2),
            "server_cpu_s_per_audio_s": round((after[3] - before[3]) / audio_s, 3)}


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(float(np.percentile(np.asarray(values), q)), 3)


@dataclass
class StreamResult:
    fixture: str
    latencies: list[float]
    from_speech_end: list[float]
    partials: int
    speech_s: float
    first_partial_s: float | None
    finals: int
    max_send_drift_s: float
    errors: list[str]
    text: str


def _analyse(fixture: str, pcm: bytes, run: DictationRun) -> StreamResult:
    finals = [m for m in run.messages if m["type"] == "final"]
    partials = [m for m in run.messages if m["type"] == "partial"]
    latencies = [m["_at"] - _wall_at(run, m["end"]) for m in finals]
    from_end = [m["_at"] - _wall_at(run, max(m["end"] - PAD_S, m["start"])) for m in finals]
    speech = sum(m["end"] - m["start"] for m in finals)
    first = None
    if partials:
        first = partials[0]["_at"] - _wall_at(run, _onset_s(pcm))
    drift = max((w - run.started - a for a, w in run.sent_at), default=0.0)
    errors = [f"{m.get('code')}: {m.get('message')}" for m in run.messages
              if m["type"] == "error"]
    return StreamResult(fixture, latencies, from_end, len(partials), speech, first,
                        len(finals), drift, errors, " ".join(m["text"] for m in finals))


class Bench:
    """One server subprocess and the REST/WebSocket client that measures it."""

    def __init__(self, model: str, experiment: dict[str, Any], workdir: Path) -> None:
        self.model = model
        self.experiment = experiment
        self.workdir = workdir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/dictation"
        self.stats_path = workdir / "stats.jsonl"
        self.env = {**os.environ, "REPORTING_DATA_DIR": str(workdir / "var"),
                    "REPORTING_ASR__MODEL": model, "REPORTING_ASR__PRELOAD": "true",
                    "REPORTING_HL7__LISTEN": "", "REPORTING_RUN_WORKERS": "false",
                    "PYTHONPATH": os.pathsep.join(
                        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.env.pop("REPORTING_DATABASE_URL", None)
        if "cpu_threads" in experiment:
            self.env["REPORTING_ASR__CPU_THREADS"] = str(int(experiment["cpu_threads"]))
        if "partial_model" in experiment:  # a real setting: passed the way an admin would
            self.env["REPORTING_ASR__PARTIAL_MODEL"] = str(experiment["partial_model"])
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""
        self.headers: dict[str, str] = {}
        self.orders_headers: dict[str, str] = {}
        self.free: dict[str, list[dict[str, Any]]] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.created = 0

    def start(self) -> float:
        """Migrate, load demo data, start the server; return seconds until the model is ready."""
        cli = [sys.executable, "-m", "reporting.cli.main"]
        for cmd in ("migrate", "demo"):
            subprocess.run([*cli, cmd], env=self.env, check=True, capture_output=True,
                           cwd=ROOT)
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-child",
             "--port", str(self.port), "--stats", str(self.stats_path),
             "--experiment", json.dumps(self.experiment)],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "server.log").open("wb"))
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: "
                                   + (self.workdir / "server.log").read_text()[-2000:])
            try:
                r = httpx.get(f"{self.base}/readyz", timeout=5)
                if r.status_code == 200 and r.json()["checks"].get("speech_model") == "ok":
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not report the speech model loaded in 240 s")

    def stop(self) -> None:
        """Terminate the server subprocess."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _token(self, username: str, password: str) -> str:
        r = httpx.post(f"{self.base}/api/auth/token",
                       data={"username": username, "password": password}, timeout=30)
        r.raise_for_status()
        return str(r.json()["access_token"])

    def login(self) -> None:
        """Log in as the demo radiologist and note the worklist's CR/CT/MR studies."""
        self.token = self._token(USERNAME, PASSWORD)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.orders_headers = {
            "Authorization": f"Bearer {self._token(ORDERS_USER, ORDERS_PASSWORD)}"}
        worklist = httpx.get(f"{self.base}/api/worklist", headers=self.headers,
                             timeout=30).json()
        self.free = {m: [s for s in worklist if s["modality"] == m] for m in ("CR", "CT", "MR")}
        self.templates = {m: studies[0] for m, studies in self.free.items() if studies}

    def new_report(self, modality: str, exam: str = "") -> str:
        """A fresh draft report on a worklist study of `modality` (a new order once none is
        left, or when `exam` names the procedure the fixture dictates: the prompt then
        carries that exam's vocabulary, as it does for a radiologist reading that study).

        Every session dictates into its own empty report, so the prompt's field context
        never holds the same fixture's text (the echo guard would drop a repeated sentence).
        """
        if self.free[modality] and not exam:
            study_id = self.free[modality].pop(0)["id"]
        else:
            self.created += 1
            model = self.templates[modality]
            body = {"facility": model["facility"],
                    "patient": {k: model["patient"][k] for k in ("mrn", "name", "sex")},
                    "accession": f"BENCH{self.created:05d}", "modality": modality,
                    "procedure_code": model["procedure_code"],
                    "procedure_description": exam or model["procedure_description"],
                    "body_part": "" if exam else model["body_part"], "reason": model["reason"]}
            r = httpx.post(f"{self.base}/api/studies", json=body,
                           headers=self.orders_headers, timeout=30)
            r.raise_for_status()
            study_id = r.json()["id"]
        rep = httpx.post(f"{self.base}/api/reports", json={"study_id": study_id},
                         headers=self.headers, timeout=30)
        rep.raise_for_status()
        return str(rep.json()["id"])

    def stats_between(self, t0: float, t1: float) -> list[dict[str, Any]]:
        """Server samples taken between two monotonic times (same clock across processes)."""
        if not self.stats_path.exists():
            return []
        rows = [json.loads(x) for x in self.stats_path.read_text().splitlines() if x]
        return [r for r in rows if t0 <= r["t"] <= t1]

    async def stream_all(self, jobs: list[tuple[str, str, bytes]]) -> list[DictationRun]:
        """Start one real-time dictation per (report id, fixture id, pcm) at once."""
        return list(await asyncio.wait_for(asyncio.gather(*(
            dictate(self.ws_url, self.token, report, pcm, speed=1.0,
                    trailing_silence=TRAILING_SILENCE_S)
            for report, _, pcm in jobs)), timeout=300))


def _streamed_wer(results: list[StreamResult]) -> dict[str, Any]:
    """medwer corpus scores of each session's concatenated finals against the manifest text."""
    from medwer import Scorer

    expected = {item["id"]: item["text"] for item in _manifest()}
    scores = Scorer().corpus([expected[r.fixture] for r in results], [r.text for r in results])
    return {key: round(float(scores[key]), 4) if scores[key] is not None else None
            for key in ("wer", "medical_wer")} | {"ref_words": scores["ref_words"]}


def _summarise(results: list[StreamResult], samples: list[dict[str, Any]]) -> dict[str, Any]:
    lat = [x for r in results for x in r.latencies]
    lat_end = [x for r in results for x in r.from_speech_end]
    speech = sum(r.speech_s for r in results)
    firsts = [r.first_partial_s for r in results if r.first_partial_s is not None]
    p95 = _pct(lat, 95)
    out: dict[str, Any] = {
        "sessions": len(results),
        "finals": len(lat),
        "final_latency_s": {"p50": _pct(lat, 50), "p95": p95,
                            "max": round(max(lat), 3) if lat else None},
        "from_speech_end_s": {"p50": _pct(lat_end, 50), "p95": _pct(lat_end, 95)},
        "partials_per_speech_s": round(sum(r.partials for r in results) / speech, 2)
        if speech else None,
        "first_partial_s": {"p50": _pct(firsts, 50), "p95": _pct(firsts, 95),
                            "sessions_without_partial": len(results) - len(firsts)},
        "speech_s": round(speech, 1),
        "max_client_send_drift_s": round(max(r.max_send_drift_s for r in results), 3),
        "carried": p95 is not None and p95 <= LAG_LIMIT_S,
        "streamed_wer": _streamed_wer(results),
        "errors": sorted({e for r in results for e in r.errors}),
    }
    if samples:
        lags = [s["lag_s"] for s in samples]
        loop = [s["loop_lag_s"] for s in samples if "loop_lag_s" in s]
        decode_s = samples[-1]["decode_s"] - samples[0]["decode_s"]
        span = samples[-1]["t"] - samples[0]["t"]
        out["server"] = {
            "lag_s_p95": _pct(lags, 95), "lag_s_max": round(max(lags), 3),
            "max_queue_depth": max(s["queued_finals"] + s["queued_partials"] for s in samples),
            "dropped_partials": samples[-1]["dropped_partials"] - samples[0]["dropped_partials"],
            "decodes": samples[-1]["decodes"] - samples[0]["decodes"],
            "decoder_busy": round(decode_s / span, 2) if span > 0 else None,
            "mean_decode_s": round(decode_s / max(samples[-1]["decodes"]
                                                  - samples[0]["decodes"], 1), 3),
            "loop_lag_s_p95": _pct(loop, 95),
            "loop_lag_s_max": round(max(loop), 4) if loop else None,
        }
    return out


async def _run(args: argparse.Namespace, bench: Bench) -> dict[str, Any]:
    streams = [int(x) for x in args.streams.split(",")]
    pools = _pools()
    pcm_cache: dict[str, bytes] = {}

    def pcm_of(item: dict[str, Any]) -> bytes:
        if item["id"] not in pcm_cache:
            pcm_cache[item["id"]] = load_pcm16(ROOT / "audio_fixtures" / item["file"])
        return pcm_cache[item["id"]]

    # Warm-up: one short real dictation (first 3 s of a fixture), not measured.
    warm_item = pools["CR"][0]
    await bench.stream_all([(bench.new_report("CR", warm_item.get("exam", "")), warm_item["id"],
                             pcm_of(warm_item)[: 3 * 32000])])

    cursor = dict.fromkeys(pools, 0)
    per_count: dict[str, Any] = {}
    details: dict[str, Any] = {}
    pids = [bench.proc.pid, os.getpid()] if bench.proc else [os.getpid()]
    for n in streams:
        results: list[StreamResult] = []
        samples: list[dict[str, Any]] = []
        load = _load_average()
        cpu_before = _cpu_snapshot(pids)
        for _ in range(args.fixtures):
            jobs = []
            for modality in SLOT_MODALITIES[:n]:
                pool = pools[modality]
                item = pool[cursor[modality] % len(pool)]
                cursor[modality] += 1
                jobs.append((bench.new_report(modality, item.get("exam", "")), item["id"],
                             pcm_of(item)))
            t0 = time.monotonic()
            runs = await bench.stream_all(jobs)
            time.sleep(0.5)  # let the sampler record the tail
            samples += bench.stats_between(t0, time.monotonic())
            for (_, fixture, pcm), run in zip(jobs, runs, strict=True):
                results.append(_analyse(fixture, pcm, run))
        per_count[str(n)] = _summarise(results, samples)
        per_count[str(n)]["load_average_before"] = load
        audio_s = sum(len(pcm_cache[r.fixture]) / 32000 + TRAILING_SILENCE_S for r in results)
        per_count[str(n)]["cpu"] = _cpu_use(cpu_before, _cpu_snapshot(pids), audio_s)
        if args.details:
            details[str(n)] = [
                {"fixture": r.fixture, "latencies": [round(x, 3) for x in r.latencies],
                 "partials": r.partials, "speech_s": round(r.speech_s, 2),
                 "first_partial_s": r.first_partial_s and round(r.first_partial_s, 3),
                 "text": r.text} for r in results]

    nonspeech: dict[str, Any] = {}
    items = {i["id"]: i for i in _manifest()}
    ids = ["silence_only", "noise_only"]
    runs = await bench.stream_all([(bench.new_report("CT"), fid, pcm_of(items[fid]))
                                   for fid in ids])
    for fid, run in zip(ids, runs, strict=True):
        nonspeech[fid] = {"finals": len(run.finals), "partials": sum(
            m["type"] == "partial" for m in run.messages), "text": run.text}
    out = {"streams": per_count, "nonspeech": nonspeech}
    if args.details:
        out["details"] = details
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"python": platform.python_version(),
            "faster_whisper": version("faster-whisper"), "ctranslate2": version("ctranslate2"),
            "onnxruntime": version("onnxruntime")}


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _max_carried(per_count: dict[str, Any]) -> int:
    """Largest stream count such that it and every smaller count measured kept p95 ≤ 2 s."""
    best = 0
    for n in sorted(per_count, key=int):
        if not per_count[n]["carried"]:
            break
        best = int(n)
    return best


def main() -> None:
    """Parse arguments, run the benchmark (or the server child) and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--streams", default="1,2,4,8")
    parser.add_argument("--fixtures", type=int, default=2,
                        help="rounds per stream count (each session gets a new fixture)")
    parser.add_argument("--experiment", default="",
                        help="comma list KEY=VALUE of " + ", ".join(EXPERIMENT_KEYS))
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--serve-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--stats", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        _serve_child(args.port, Path(args.stats), json.loads(args.experiment or "{}"))
        return
    experiment: dict[str, Any] = {}
    for part in filter(None, args.experiment.split(",")):
        key, _, value = part.partition("=")
        if key not in EXPERIMENT_KEYS:
            parser.error(f"unknown experiment key {key!r}")
        experiment[key] = value if key == "partial_model" else float(value)
    streams = [int(x) for x in args.streams.split(",")]
    if max(streams) > len(SLOT_MODALITIES) or min(streams) < 1:
        parser.error(f"stream counts must be between 1 and {len(SLOT_MODALITIES)}")
    with tempfile.TemporaryDirectory(prefix="asr-latency-") as tmp:
        bench = Bench(args.model, experiment, Path(tmp))
        load_before = _load_average()
        began = time.monotonic()
        try:
            ready_s = bench.start()
            bench.login()
            result = asyncio.run(_run(args, bench))
        finally:
            bench.stop()
    summary = {
        "model": args.model,
        "experiment": experiment or None,
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load_average(),
        "versions": _versions(),
        "server_ready_s": round(ready_s, 1),
        "fixtures_per_stream_count": args.fixtures,
        "wall_s": round(time.monotonic() - began, 1),
        **result,
    }
    one = summary["streams"].get("1")
    summary["targets"] = {
        "p95_final_latency_1_session_le_0.8s": bool(
            one and one["final_latency_s"]["p95"] is not None
            and one["final_latency_s"]["p95"] <= 0.8),
        "partials_per_speech_s_ge_2": bool(one and (one["partials_per_speech_s"] or 0) >= 2),
        "max_streams_carried": _max_carried(summary["streams"]),
        "nonspeech_finals_zero": all(v["finals"] == 0 for v in summary["nonspeech"].values()),
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
