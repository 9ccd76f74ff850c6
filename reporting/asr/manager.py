"""The process-wide speech model behind a fair, bounded decode scheduler.

One `AsrManager` per process holds one `faster_whisper.WhisperModel` for finals
(plus a smaller one for live partials, `AsrSettings.partial_model`) and a few
decode threads. Requests are queued per session and served round-robin across
sessions, finals before partials. A session holds at most one queued partial:
a newer partial replaces the older one (whose caller gets `None`), so a CPU that
falls behind drops stale partials instead of building an unbounded queue.
Admission control caps the number of dictation sessions.

Typical use from an asyncio server::

    manager = AsrManager(settings.asr, settings.data_dir)
    manager.load(); manager.warm_up()          # at start-up (blocking)
    manager.admit(session_id)                  # raises Overloaded when full
    try:
        t = await manager.decode(audio, session_id=session_id, kind="final")
    finally:
        manager.release(session_id)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from reporting.asr.correction import correct
from reporting.asr.decoder import (
    SAMPLE_RATE,
    DecodeOptions,
    Segment,
    Transcript,
    WhisperDecoder,
)
from reporting.asr.language_model import load_language_model
from reporting.asr.models import Runtime, resolve_model, resolve_runtime, wants_gpu
from reporting.asr.rescoring import decode_rescored
from reporting.asr.second_opinion import merge_readings
from reporting.asr.vad import speech_chunks
from reporting.core.config import AsrSettings
from reporting.core.errors import Unavailable

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

DecodeKind = Literal["final", "partial"]

FINAL_OPTIONS = DecodeOptions(beam_size=5)
"""Finals: short encoder window, beam 5 (measured: 2-4 WER points better than greedy on base)."""
PARTIAL_OPTIONS = DecodeOptions(beam_size=1, retry=False)
"""Partials: short encoder window, greedy, no retry (a dropped partial is skipped)."""


MAX_AUTO_DECODE_THREADS = 4
"""Most decodes run at once when `cpu_threads` is automatic (one per core up to this)."""


class Overloaded(Unavailable):
    """The server already serves as many dictation sessions as it can."""

    code = "overloaded"


class AsrNotLoaded(Unavailable):
    """The speech model is not loaded yet."""

    code = "asr_not_loaded"


@dataclass
class _Request:
    session_id: str
    kind: DecodeKind
    audio: np.ndarray
    prompt: str
    hotwords: str | None
    options: DecodeOptions
    future: concurrent.futures.Future[Transcript | None]
    draft: bool = False
    """Decode with the partial model (provisional text)."""
    enqueued_at: float = field(default_factory=time.monotonic)


def _partial_kind(req: _Request) -> str:
    """A queued partial is a live partial ("draft") or a speculative final ("speculative")."""
    return "draft" if req.draft else "speculative"


@dataclass
class _SessionQueue:
    finals: deque[_Request] = field(default_factory=deque)
    partial: _Request | None = None

    def __bool__(self) -> bool:
        return bool(self.finals) or self.partial is not None


@dataclass(frozen=True)
class AsrStats:
    """Scheduler state for monitoring (`/readyz`, metrics, logs)."""

    model: str
    loaded: bool
    decode_threads: int
    active_sessions: int
    max_sessions: int
    queued_finals: int
    queued_partials: int
    in_flight: int
    lag_s: float
    """Age of the oldest queued request: how far decoding runs behind."""
    decodes: int
    dropped_partials: int
    audio_seconds: float
    decode_seconds: float
    partial_model: str = ""
    """Model that decodes partials (the same as `model` when empty or equal)."""

    @property
    def queue_depth(self) -> int:
        """Requests waiting for a decode thread."""
        return self.queued_finals + self.queued_partials

    @property
    def real_time_factor(self) -> float:
        """Decode time per second of audio decoded so far (lower is better)."""
        return self.decode_seconds / self.audio_seconds if self.audio_seconds else 0.0


class AsrManager:
    """Owns the Whisper model, the decode threads and the admission of dictation sessions."""

    def __init__(
        self,
        asr: AsrSettings,
        data_dir: Path,
        *,
        decode_threads: int | None = None,
        final_options: DecodeOptions = FINAL_OPTIONS,
        partial_options: DecodeOptions = PARTIAL_OPTIONS,
    ) -> None:
        self.settings = asr
        self.data_dir = Path(data_dir)
        self.final_options = final_options
        self.partial_options = partial_options
        on_gpu = wants_gpu(asr)
        cores = os.cpu_count() or 1
        if decode_threads:
            self.decode_threads = decode_threads
        elif on_gpu:
            self.decode_threads = 2
        elif asr.cpu_threads:
            self.decode_threads = 1  # an explicit thread count is for one decode at a time
        else:
            # Measured on 2 shared cores: a decode with 1 thread is as fast as with 2 (the
            # decoder's small matrices do not split well), so decode one utterance per core.
            self.decode_threads = min(MAX_AUTO_DECODE_THREADS, cores)
        self.cpu_threads = asr.cpu_threads or max(1, cores // self.decode_threads)
        self.runtime: Runtime | None = None
        """Device and compute type the model runs with (set when it is loaded)."""
        self._model: WhisperModel | None = None
        self._decoder: WhisperDecoder | None = None
        self._partial_decoder: WhisperDecoder | None = None
        self.model_path: str | None = None
        self.partial_model_path: str | None = None
        self._load_lock = threading.Lock()
        self._cond = threading.Condition()
        self._queues: dict[str, _SessionQueue] = {}
        self._rr: deque[str] = deque()
        self._admitted: set[str] = set()
        self._in_flight = 0
        self._drafts_in_flight = 0
        self.full_rate_sessions = asr.max_sessions if on_gpu else max(2, self.decode_threads)
        """Sessions that get live partials at the full rate; beyond them partials back off
        (a GPU decodes a partial in tens of milliseconds: no back-off up to `max_sessions`)."""
        self.max_draft_threads = max(1, self.decode_threads - 1)
        """Decode threads live partials may hold at once: one stays free for finals."""
        self._threads: list[threading.Thread] = []
        self._second_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._closed = False
        self._decodes = 0
        self._dropped = 0
        self._audio_s = 0.0
        self._decode_s = 0.0

    # -- model -----------------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        """The configured model name (`base`, `tiny.en`, a path or a hub id)."""
        return self.settings.model

    @property
    def loaded(self) -> bool:
        """True once `load()` has finished."""
        return self._decoder is not None

    @property
    def decoder(self) -> WhisperDecoder:
        """The loaded decoder (raises `AsrNotLoaded` before `load()`)."""
        if self._decoder is None:
            raise AsrNotLoaded("speech model is not loaded")
        return self._decoder

    @property
    def partial_decoder(self) -> WhisperDecoder:
        """The decoder for partials: the partial model, or `decoder` when there is none."""
        if self._partial_decoder is None:
            raise AsrNotLoaded("speech model is not loaded")
        return self._partial_decoder

    @property
    def second_decoder(self) -> WhisperDecoder | None:
        """The second model for whole-file transcription (`reporting.asr.second_opinion`):
        the partial model when it is another model and `second_opinion` is on, else None."""
        partial = self.partial_decoder
        if not self.settings.second_opinion or partial is self.decoder:
            return None
        return partial

    @property
    def partial_model_name(self) -> str:
        """Name of the model that decodes partials."""
        if self._partial_decoder is not None and self._partial_decoder is self._decoder:
            return self.model_name
        return self.settings.partial_model.strip() or self.model_name

    def load(self) -> None:
        """Resolve and load the model and start the decode threads (idempotent, blocking)."""
        with self._load_lock:
            if self._decoder is not None:
                return
            from faster_whisper import WhisperModel

            runtime = resolve_runtime(self.settings)
            path = resolve_model(self.settings, self.data_dir)
            started = time.perf_counter()
            self._model = WhisperModel(
                path,
                **runtime.model_kwargs(),
                cpu_threads=self.cpu_threads,
                num_workers=self.decode_threads,
            )
            self.runtime = runtime
            decoder = WhisperDecoder(self._model)
            self.model_path = path
            self._partial_decoder = self._load_partial_decoder(path) or decoder
            self._decoder = decoder
            log.info(
                "speech model %s loaded from %s in %.1f s (%s, %s, %d threads, %d workers)",
                self.model_name,
                path,
                time.perf_counter() - started,
                runtime.device,
                runtime.compute_type,
                self.cpu_threads,
                self.decode_threads,
            )
            for i in range(self.decode_threads):
                thread = threading.Thread(target=self._worker, name=f"asr-decode-{i}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _load_partial_decoder(self, final_path: str) -> WhisperDecoder | None:
        """Load `partial_model` when it differs from the final model (None: share that one)."""
        from faster_whisper import WhisperModel

        name = self.settings.partial_model.strip()
        if not name or name == self.settings.model.strip():
            return None
        try:
            path = resolve_model(self.settings.model_copy(update={"model": name}), self.data_dir)
            if Path(path).resolve() == Path(final_path).resolve():
                return None
            model = WhisperModel(
                path,
                **resolve_runtime(self.settings).model_kwargs(),
                cpu_threads=self.cpu_threads,
                num_workers=self.decode_threads,
            )
        except Exception as exc:  # partials are provisional: fall back to the final model
            log.warning("partial model %s not loaded (%s); partials use %s",
                        name, exc, self.model_name)
            return None
        self.partial_model_path = path
        log.info("partial model %s loaded from %s", name, path)
        return WhisperDecoder(model)

    def warm_up(self) -> float:
        """Run one decode on synthetic audio so the first real request is fast; returns seconds."""
        self.load()
        rng = np.random.default_rng(0)
        t = np.arange(SAMPLE_RATE * 2) / SAMPLE_RATE
        tone = 0.1 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.standard_normal(t.size)
        started = time.perf_counter()
        self.partial_decoder.decode(tone.astype(np.float32), options=self.partial_options)
        self.decoder.decode(tone.astype(np.float32), options=self.final_options)
        if self.settings.rescore_finals:
            correct("pleural effusion", lm=load_language_model())  # build the LM and lexicon once
        return time.perf_counter() - started

    def close(self) -> None:
        """Stop the decode threads; queued requests are cancelled."""
        with self._cond:
            self._closed = True
            for queue in self._queues.values():
                for req in [*queue.finals, *([queue.partial] if queue.partial else [])]:
                    req.future.cancel()
            self._queues.clear()
            self._rr.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._second_pool is not None:
            self._second_pool.shutdown(wait=True, cancel_futures=True)
            self._second_pool = None

    # -- admission ---------------------------------------------------------------------------

    def admit(self, session_id: str) -> None:
        """Admit a dictation session or raise `Overloaded` when `max_sessions` are active."""
        with self._cond:
            if session_id in self._admitted:
                return
            if len(self._admitted) >= self.settings.max_sessions:
                raise Overloaded(
                    f"speech recognition is at capacity ({self.settings.max_sessions} "
                    "dictation sessions); try again shortly",
                    active=len(self._admitted),
                )
            self._admitted.add(session_id)

    def release(self, session_id: str) -> None:
        """Forget a session: frees its admission slot and drops its queued partial."""
        with self._cond:
            self._admitted.discard(session_id)
            queue = self._queues.get(session_id)
            if queue is not None and queue.partial is not None:
                queue.partial.future.set_result(None)
                queue.partial = None
                self._dropped += 1
            if queue is not None and not queue:
                self._forget(session_id)

    @contextlib.contextmanager
    def session(self, session_id: str) -> Iterator[str]:
        """`with manager.session(id):` admits the session and releases it afterwards."""
        self.admit(session_id)
        try:
            yield session_id
        finally:
            self.release(session_id)

    @property
    def active_sessions(self) -> int:
        """Number of admitted sessions."""
        with self._cond:
            return len(self._admitted)

    # -- scheduling --------------------------------------------------------------------------

    def submit(
        self,
        audio: np.ndarray,
        *,
        session_id: str,
        prompt: str = "",
        hotwords: str | None = None,
        kind: DecodeKind = "final",
        options: DecodeOptions | None = None,
        draft: bool | None = None,
    ) -> concurrent.futures.Future[Transcript | None]:
        """Queue a decode; the future yields a Transcript, or None for a superseded partial.

        `draft` picks the partial model; by default a partial with the partial options uses
        it, and everything else (finals, a speculative final decoded as a partial) does not.
        """
        if kind not in ("final", "partial"):
            raise ValueError("kind must be 'final' or 'partial'")
        self.load()
        opts = options or (self.final_options if kind == "final" else self.partial_options)
        if draft is None:
            draft = kind == "partial" and opts == self.partial_options
        future: concurrent.futures.Future[Transcript | None] = concurrent.futures.Future()
        req = _Request(
            session_id,
            kind,
            np.asarray(audio, dtype=np.float32).reshape(-1),
            prompt,
            hotwords,
            opts,
            future,
            draft,
        )
        with self._cond:
            if self._closed:
                raise AsrNotLoaded("speech recognition is shut down")
            queue = self._queues.get(session_id)
            if queue is None:
                queue = self._queues[session_id] = _SessionQueue()
                self._rr.append(session_id)
            if queue.partial is not None:
                # A newer request of the same session makes a queued partial stale.
                queue.partial.future.set_result(None)
                queue.partial = None
                self._dropped += 1
            if kind == "final":
                queue.finals.append(req)
            else:
                queue.partial = req
            self._cond.notify()
        return future

    async def decode(
        self,
        audio: np.ndarray,
        *,
        session_id: str,
        prompt: str = "",
        hotwords: str | None = None,
        kind: DecodeKind = "final",
        options: DecodeOptions | None = None,
        draft: bool | None = None,
    ) -> Transcript | None:
        """Decode off the event loop; None when a newer request superseded this partial."""
        future = self.submit(
            audio,
            session_id=session_id,
            prompt=prompt,
            hotwords=hotwords,
            kind=kind,
            options=options,
            draft=draft,
        )
        return await asyncio.wrap_future(future)

    def _forget(self, session_id: str) -> None:
        self._queues.pop(session_id, None)
        with contextlib.suppress(ValueError):
            self._rr.remove(session_id)

    def _next_request(self) -> _Request | None:
        """Pick the next request, round-robin across sessions (lock held).

        Finals first, then speculative final decodes (kind "partial" with the final model:
        they become finals when the pause lasts), then live partials (drafts). A draft
        also waits while `max_draft_threads` drafts are decoding, so finals and speculative
        decodes never queue behind partials.
        """
        drafts_allowed = self._drafts_in_flight < self.max_draft_threads
        for want in ("final", "speculative", "draft"):
            if want == "draft" and not drafts_allowed:
                break
            for _ in range(len(self._rr)):
                session_id = self._rr[0]
                self._rr.rotate(-1)
                queue = self._queues[session_id]
                req: _Request | None = None
                if want == "final" and queue.finals:
                    req = queue.finals.popleft()
                elif queue.partial is not None and want == _partial_kind(queue.partial):
                    req, queue.partial = queue.partial, None
                if req is not None:
                    if not queue and session_id not in self._admitted:
                        self._forget(session_id)
                    return req
        return None

    def _worker(self) -> None:
        final_decoder, partial_decoder = self.decoder, self.partial_decoder
        while True:
            with self._cond:
                req = self._next_request()
                while req is None and not self._closed:
                    self._cond.wait()
                    req = self._next_request()
                if req is None:
                    return
                if not req.future.set_running_or_notify_cancel():
                    continue
                self._in_flight += 1
                self._drafts_in_flight += req.draft
                options = req.options
                if options.beam_size > 1 and self._backlog():
                    # Others are waiting: greedy keeps every session's finals moving.
                    options = replace(options, beam_size=1)
            decoder = partial_decoder if req.draft else final_decoder
            try:
                if not req.draft and options.beam_size > 1 and self.settings.rescore_finals:
                    # The radiology LM picks among the beam's readings of a final.
                    second = self._second_reading(req, options)
                    result = decode_rescored(
                        decoder, req.audio, prompt=req.prompt, hotwords=req.hotwords,
                        options=replace(options, keep_audio_scorer=second is not None),
                    )
                    if second is not None:
                        result = self._second_opinion(result, second)
                else:
                    result = decoder.decode(
                        req.audio, prompt=req.prompt, hotwords=req.hotwords, options=options
                    )
            except BaseException as exc:  # delivered to the awaiting session, never lost
                log.exception("decode failed for session %s", req.session_id)
                req.future.set_exception(exc)
            else:
                req.future.set_result(result)
                with self._cond:
                    self._decodes += 1
                    self._audio_s += result.duration
                    self._decode_s += result.decode_seconds
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._drafts_in_flight -= req.draft
                    self._cond.notify()  # a partial held back by the draft cap may go now

    def _second_reading(self, req: _Request,
                        options: DecodeOptions) -> concurrent.futures.Future[Transcript] | None:
        """Start the second model's reading of a final beside the main decode (live second
        opinion on; None when off or there is no second model)."""
        second = self.second_decoder if self.settings.live_second_opinion else None
        if second is None:
            return None
        with self._load_lock:
            if self._second_pool is None:
                self._second_pool = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self.decode_threads, thread_name_prefix="asr-second")
        return self._second_pool.submit(decode_rescored, second, req.audio, prompt=req.prompt,
                                        hotwords=req.hotwords, options=options)

    def _second_opinion(self, result: Transcript,
                        second: concurrent.futures.Future[Transcript]) -> Transcript:
        """A final (or speculative final) with the second model's reading weighed in
        (`reporting.asr.second_opinion`): both readings corrected, the main one with its
        audio. Only on an unhurried machine: the caller decodes greedily when others wait."""
        scorer = result.scorer
        try:
            other = second.result()
        except Exception:  # the second opinion is an extra: the main reading stands
            log.exception("second reading failed")
            return replace(result, scorer=None)
        if scorer is None or not result.text.strip():
            return replace(result, scorer=None)
        started = time.perf_counter()
        fixed = correct(result.text, acoustic=scorer).text
        if other.text.strip():
            fixed = merge_readings(fixed, correct(other.text).text, acoustic=scorer).text
        return replace(result, text=fixed, scorer=None,
                       decode_seconds=result.decode_seconds + time.perf_counter() - started)

    def _backlog(self) -> bool:
        """Whether any final is still queued (lock held)."""
        return any(q.finals for q in self._queues.values())

    def busy(self) -> bool:
        """True while finals or speculative final decodes wait: partials should hold back."""
        with self._cond:
            return self._backlog() or any(
                q.partial is not None and not q.partial.draft for q in self._queues.values())

    def stats(self) -> AsrStats:
        """Snapshot of queue depth, lag and throughput."""
        now = time.monotonic()
        with self._cond:
            waiting = [
                *itertools.chain.from_iterable(q.finals for q in self._queues.values()),
                *(q.partial for q in self._queues.values() if q.partial is not None),
            ]
            finals = sum(len(q.finals) for q in self._queues.values())
            return AsrStats(
                model=self.model_name,
                loaded=self.loaded,
                decode_threads=self.decode_threads,
                active_sessions=len(self._admitted),
                max_sessions=self.settings.max_sessions,
                queued_finals=finals,
                queued_partials=len(waiting) - finals,
                in_flight=self._in_flight,
                lag_s=max((now - r.enqueued_at for r in waiting), default=0.0),
                decodes=self._decodes,
                dropped_partials=self._dropped,
                audio_seconds=self._audio_s,
                decode_seconds=self._decode_s,
                partial_model=self.partial_model_name,
            )

    # -- whole files -------------------------------------------------------------------------

    def transcribe_file(
        self, source: str | Path | np.ndarray, *, prompt: str = "", hotwords: str | None = None
    ) -> Transcript:
        """Transcribe a whole recording (blocking; call it in a worker thread from async code).

        Long audio is cut at VAD pauses into pieces of at most ~25 s, each decoded as a
        final through the scheduler, so file jobs share the decoder fairly with dictation.
        """
        if isinstance(source, np.ndarray):
            audio = np.asarray(source, dtype=np.float32).reshape(-1)
        else:
            from faster_whisper import decode_audio

            audio = decode_audio(str(source), sampling_rate=SAMPLE_RATE)
        started = time.perf_counter()
        session_id = f"file-{uuid.uuid4().hex}"
        pieces = speech_chunks(audio)
        futures = [
            self.submit(audio[s:e], session_id=session_id, prompt=prompt, hotwords=hotwords)
            for s, e in pieces
        ]
        segments: list[Segment] = []
        for (s, e), future in zip(pieces, futures, strict=True):
            part = future.result()
            if part is not None and part.text:
                segments.append(Segment(s / SAMPLE_RATE, e / SAMPLE_RATE, part.text))
        return Transcript(
            text=" ".join(seg.text for seg in segments),
            duration=audio.size / SAMPLE_RATE,
            segments=tuple(segments),
            decode_seconds=time.perf_counter() - started,
        )
