"""Live recognition of one dictation stream: VAD endpointing, partials, finals.

`StreamingRecognizer` turns a stream of 16 kHz mono float32 samples into events:

- `Partial(text, start, end)` while the speaker talks (at most every
  `partial_interval_s` of new speech, skipped while the decoder is busy, so a
  slow CPU yields fewer partials rather than a growing queue);
- `Final(text, start, end, audio)` at each pause of `endpoint_ms`, for an
  utterance longer than `max_utterance_s` (cut at its quietest point), and for
  everything left when `finish()` is called. Utterances never overlap, so no
  word is decoded twice; speech edges are padded by `pad_ms` so none is cut.

Silence and noise never reach the model: only audio that the Silero VAD marks
as speech (plus padding) is decoded. When speech stops (`speculative_ms` into the
pause), the coming final is decoded speculatively with the final's settings, the part
of its trailing pad not heard yet filled with the room's own silence; if the pause then
lasts to `endpoint_ms`, that result becomes the final at once (lower end-of-speech
latency), while the final keeps the audio really heard.

The prompt of each decode is the caller's (`prompt`) plus the text of recent finals as
Whisper wrote them (`context_chars`; `context`). A caller may judge each reading that can
become a final (`second_prompt`) and have it decoded once more with another prompt,
inside the same speculative window.

Use from one asyncio task group (all methods on the event loop thread)::

    rec = StreamingRecognizer(manager, session_id, prompt=lambda: field_context)
    async def receive():
        async for chunk in socket:          # any frame size
            rec.feed(pcm_to_float32(chunk))
        await rec.finish()                  # flush; events() then ends
    async def send():
        async for event in rec.events():
            ...                             # Partial / Final / RecognizerError
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from reporting.asr.decoder import DecodeOptions, Transcript
from reporting.asr.manager import AsrManager, DecodeKind
from reporting.asr.vad import FRAME, FrameVad

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Partial:
    """Provisional text of the utterance in progress; replaces the previous partial."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Final:
    """Committed text of one utterance; times are seconds from the start of the stream."""

    text: str
    start: float
    end: float
    audio: np.ndarray = field(repr=False, compare=False)
    """The 16 kHz samples that were decoded (kept for the session layer / audit)."""
    latency_s: float = 0.0
    """Wall time from the arrival of the utterance's last speech to this final."""
    reused_partial: bool = False
    """True when a speculative decode of exactly this audio became the final."""
    transcript: Transcript | None = field(default=None, repr=False, compare=False)
    prompt: str = ""
    """The prompt of the decode that gave `text`."""


@dataclass(frozen=True)
class RecognizerError:
    """A decode failed; the utterance audio is attached so nothing is lost."""

    code: str
    message: str
    start: float
    end: float
    audio: np.ndarray = field(repr=False, compare=False)


Event = Partial | Final | RecognizerError


@dataclass
class _Utterance:
    start: int
    end: int
    speech_end: int
    """Sample index where speech was last heard (for latency)."""
    speech: int = 0
    """Samples the VAD heard as speech (pauses and pads excluded)."""


@dataclass
class _Decoded:
    start: int
    end: int
    options: DecodeOptions
    transcript: Transcript
    prompt: str


class StreamingRecognizer:
    """Streaming speech recognizer for one dictation session on a shared `AsrManager`."""

    def __init__(
        self,
        manager: AsrManager,
        session_id: str,
        *,
        sample_rate: int = SAMPLE_RATE,
        prompt: Callable[[], str] | str = "",
        hotwords: Callable[[], str | None] | str | None = None,
        second_prompt: Callable[[str, float], str | None] | None = None,
        endpoint_ms: int = 450,
        pad_ms: int = 200,
        speculative_ms: int = 50,
        partial_interval_s: float = 0.4,
        partials: bool = True,
        max_utterance_s: float = 18.0,
        min_speech_ms: int = 200,
        context_chars: int = 200,
        threshold: float = 0.5,
        neg_threshold: float = 0.35,
    ) -> None:
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"sample_rate must be {SAMPLE_RATE} (resample before feeding)")
        if not 100 <= endpoint_ms <= 5000:
            raise ValueError("endpoint_ms must be between 100 and 5000")
        if not 4.0 <= max_utterance_s <= 28.0:
            raise ValueError("max_utterance_s must be between 4 and 28 seconds")
        if not 0 <= speculative_ms <= pad_ms:
            raise ValueError("speculative_ms must be between 0 and pad_ms")
        self.manager = manager
        self.session_id = session_id
        self._prompt = prompt
        self._hotwords = hotwords
        self._second_prompt = second_prompt
        """Judges a final's reading (its text, its seconds of speech): a prompt to decode the
        utterance with once more, or None to keep it. The dictation session's cure for the
        readings Whisper takes from its prompt instead of the audio (a copy of the field's
        last sentence; a sentence cut short after a few words). The second reading is kept
        when the judge passes it."""
        self.endpoint = int(endpoint_ms * SAMPLE_RATE / 1000)
        self.pad = int(pad_ms * SAMPLE_RATE / 1000)
        self.speculative_after = int(speculative_ms * SAMPLE_RATE / 1000)
        """Silence after which the coming final is decoded speculatively; the part of the
        trailing pad not heard yet is decoded as the room's silence (`_with_room_tone`)."""
        self.partial_interval = int(partial_interval_s * SAMPLE_RATE)
        self.partials = partials
        self.max_utterance = int(max_utterance_s * SAMPLE_RATE)
        self.min_speech = int(min_speech_ms * SAMPLE_RATE / 1000)
        self.threshold = threshold
        self.neg_threshold = neg_threshold
        self.context_chars = context_chars
        self._context = ""  # tail of the finals so far, appended to the prompt

        self._vad = FrameVad()
        self._chunks: list[np.ndarray] = []
        self._audio = np.zeros(0, dtype=np.float32)
        self._base = 0  # absolute sample index of self._audio[0]
        self._received = 0
        self._frames_done = 0
        self._probs: deque[float] = deque()  # per frame, from frame index self._probs_base
        self._probs_base = 0
        self._arrivals: deque[tuple[int, float]] = deque()  # (sample end, monotonic time)

        self._in_speech = False
        self._utt_start: int | None = None  # start of the utterance in progress (padded)
        self._room_tone = 0
        """Samples of silence heard before the utterance's speech (its leading pad)."""
        self._speech_samples = 0
        self._last_speech_end = 0
        self._committed = 0  # audio before this is in a final (or was silence)
        self._pending: deque[_Utterance] = deque()
        self._last_partial_end = 0
        self._speculative: _Decoded | None = None
        self._partial_seq = 0

        self._events: asyncio.Queue[Event | None] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._finishing = False
        self._done = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._partial_task: asyncio.Task[None] | None = None
        """The live partial in flight; finals and speculative decodes never wait for it."""
        self._finals_since_finish: list[Final] = []
        self._transcribed_until = 0

    # -- public ------------------------------------------------------------------------------

    @property
    def audio_seconds(self) -> float:
        """Seconds of audio received so far."""
        return self._received / SAMPLE_RATE

    @property
    def context(self) -> str:
        """The recent finals' text as decoded, which the recognizer adds to each prompt."""
        return self._context

    @property
    def transcribed_until(self) -> float:
        """All audio before this time (s) has been decoded or judged silence; may be dropped."""
        return self._transcribed_until / SAMPLE_RATE

    def audio_between(self, start: float, end: float) -> np.ndarray:
        """Samples between two stream times still held (audio not yet transcribed is kept)."""
        a = max(int(start * SAMPLE_RATE) - self._base, 0)
        b = max(int(end * SAMPLE_RATE) - self._base, 0)
        self._consolidate()
        return self._audio[a:b].copy()

    def feed(self, pcm: np.ndarray) -> None:
        """Add mono float32 16 kHz samples (any length); call on the event loop thread."""
        if self._finishing:
            raise RuntimeError("feed() after finish()")
        samples = np.asarray(pcm, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            return
        self._chunks.append(samples)
        self._received += samples.size
        self._arrivals.append((self._received, time.monotonic()))
        for prob in self._vad.feed(samples):
            self._on_frame(float(prob))
        self._ensure_worker()
        self._wake.set()

    async def finish(self) -> list[Final]:
        """Flush: decode everything received, emit the remaining finals, end `events()`.

        Returns the finals emitted after the call (they are also delivered by `events()`).
        """
        if not self._finishing:
            self._finishing = True
            self._finals_since_finish = []
            if self._utt_start is not None and self._speech_samples >= self.min_speech:
                end = min(self._received, self._last_speech_end + self.pad)
                self._commit(end)
            else:
                self._drop_utterance(self._received)
            self._ensure_worker()
            self._wake.set()
        await self._done.wait()
        return list(self._finals_since_finish)

    async def events(self) -> AsyncIterator[Event]:
        """Yield Partial/Final/RecognizerError events until `finish()` has flushed everything."""
        self._ensure_worker()
        while True:
            event = await self._events.get()
            if event is None:
                return
            yield event

    async def aclose(self) -> None:
        """Stop decoding now (audio not yet decoded is abandoned) and end `events()`."""
        self._finishing = True
        await self._stop_partial()
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if not self._done.is_set():
            self._done.set()
            self._events.put_nowait(None)

    # -- endpointing -------------------------------------------------------------------------

    def _on_frame(self, prob: float) -> None:
        frame_start = self._frames_done * FRAME
        frame_end = frame_start + FRAME
        self._frames_done += 1
        self._probs.append(prob)
        speech = prob >= self.threshold or (self._in_speech and prob >= self.neg_threshold)
        if speech:
            if self._utt_start is None:
                self._utt_start = max(self._committed, frame_start - self.pad)
                self._room_tone = frame_start - self._utt_start
                self._speech_samples = 0
                self._speculative = None
                self._last_partial_end = 0
            self._in_speech = True
            self._speech_samples += FRAME
            self._last_speech_end = frame_end
        else:
            self._in_speech = False
        if self._utt_start is None:
            self._advance_silence(frame_end)
            return
        silence = frame_end - self._last_speech_end
        if not speech and silence >= self.endpoint:
            if self._speech_samples >= self.min_speech:
                self._commit(self._last_speech_end + self.pad)
            else:
                self._drop_utterance(frame_end - self.pad)  # a blip: not speech
        elif frame_end - self._utt_start >= self.max_utterance:
            self._commit(self._quietest_cut())
        self._trim_probs()

    def _advance_silence(self, frame_end: int) -> None:
        # Nothing pending: everything but the pre-speech pad is judged silence.
        floor = max(self._committed, frame_end - self.pad)
        self._committed = floor
        if not self._pending:
            self._transcribed_until = floor

    def _drop_utterance(self, end: int) -> None:
        self._utt_start = None
        self._speech_samples = 0
        self._speculative = None
        self._committed = max(self._committed, min(end, self._received))
        if not self._pending:
            self._transcribed_until = self._committed

    def _quietest_cut(self) -> int:
        """Cut point of an over-long utterance: the least speech-like frame of its second half."""
        assert self._utt_start is not None
        lo = self._utt_start + self.max_utterance // 2
        hi = self._frames_done * FRAME - self.pad
        first = max(lo // FRAME, self._probs_base)
        last = hi // FRAME
        probs = np.array(
            [self._probs[i - self._probs_base] for i in range(first, last)], dtype=np.float32
        )
        if probs.size == 0:
            return hi
        # Among the frames closest to silence, prefer the lowest energy.
        candidates = np.flatnonzero(probs <= probs.min() + 0.05) + first
        self._consolidate()
        energies = [
            float(
                np.mean(
                    np.square(self._audio[i * FRAME - self._base : (i + 1) * FRAME - self._base])
                )
            )
            for i in candidates
        ]
        best = int(candidates[int(np.argmin(energies))])
        return best * FRAME + FRAME // 2

    def _commit(self, end: int) -> None:
        assert self._utt_start is not None
        end = min(end, self._received)
        # Speech heard after a forced cut stays in a new utterance starting at the cut.
        carried = self._last_speech_end > end
        later = max(self._last_speech_end - end, 0) if carried else 0
        if end > self._utt_start:
            self._pending.append(_Utterance(self._utt_start, end, self._last_speech_end,
                                            max(self._speech_samples - later, 0)))
        self._committed = end
        self._utt_start = end if carried else None
        self._room_tone = 0  # a cut mid-speech: no silence before the carried speech
        self._speech_samples = later
        self._last_partial_end = 0
        self._wake.set()

    def _trim_probs(self) -> None:
        keep_from = (self._utt_start if self._utt_start is not None else self._committed) // FRAME
        while self._probs and self._probs_base < keep_from:
            self._probs.popleft()
            self._probs_base += 1

    # -- audio buffer ------------------------------------------------------------------------

    def _consolidate(self) -> None:
        if self._chunks:
            self._audio = np.concatenate([self._audio, *self._chunks])
            self._chunks = []

    def _slice(self, start: int, end: int) -> np.ndarray:
        self._consolidate()
        return self._audio[start - self._base : end - self._base].copy()

    def _release_audio(self) -> None:
        keep_from = min(
            self._transcribed_until,
            self._pending[0].start if self._pending else self._received,
            self._utt_start if self._utt_start is not None else self._received,
            self._received - 2 * SAMPLE_RATE,
        )
        if keep_from - self._base > 10 * SAMPLE_RATE:
            self._consolidate()
            self._audio = self._audio[keep_from - self._base :].copy()
            self._base = keep_from

    def _arrival_time(self, sample: int) -> float:
        for end, when in self._arrivals:
            if end >= sample:
                return when
        return time.monotonic()

    # -- decoding ----------------------------------------------------------------------------

    def _ensure_worker(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(
                self._run(), name=f"asr-stream-{self.session_id}"
            )

    def _current_prompt(self) -> str:
        base = self._prompt() if callable(self._prompt) else self._prompt
        if not self.context_chars or not self._context:
            return base
        return f"{base} {self._context}".strip()

    def _current_hotwords(self) -> str | None:
        return self._hotwords() if callable(self._hotwords) else self._hotwords

    async def _run(self) -> None:
        try:
            while True:
                self._wake.clear()
                if self._pending:
                    await self._decode_final(self._pending[0])
                    self._pending.popleft()
                    self._transcribed_until = max(
                        self._transcribed_until,
                        self._pending[0].start if self._pending else self._committed,
                    )
                    self._release_audio()
                    while len(self._arrivals) > 1 and self._arrivals[1][0] <= self._committed:
                        self._arrivals.popleft()
                    continue
                if self._finishing:
                    break
                job = self._partial_job()
                if job is not None and job[2]:
                    await self._decode_partial(*job)  # speculative: may become the final
                    continue
                if job is not None:
                    # A live partial runs beside this loop, so the speculative decode at the
                    # next pause (or a final) starts at once instead of waiting for it.
                    task = asyncio.get_running_loop().create_task(self._decode_partial(*job))
                    task.add_done_callback(lambda _t: self._wake.set())
                    self._partial_task = task
                    continue
                await self._wake.wait()
        finally:
            await self._stop_partial()
            self._done.set()
            self._events.put_nowait(None)

    async def _stop_partial(self) -> None:
        """Cancel the live partial in flight (its text would be stale)."""
        task, self._partial_task = self._partial_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _partial_job(self) -> tuple[int, int, bool] | None:
        """(start, end, speculative) of the next partial worth decoding, if any."""
        if not self.partials or self._utt_start is None:
            return None
        if self._speech_samples < self.min_speech:
            return None
        start = self._utt_start
        silence = self._frames_done * FRAME - self._last_speech_end
        if not self._in_speech and silence >= max(self.speculative_after, FRAME):
            end = self._last_speech_end + self.pad
            spec = self._speculative
            if spec is None or (spec.start, spec.end) != (start, end):
                return start, end, True
            return None
        if self._partial_task is not None and not self._partial_task.done():
            return None  # one live partial at a time
        if not self._in_speech:
            # A pause may be starting: a partial now would show no new words and would
            # still be decoding beside the speculative final 200 ms from now.
            return None
        end = self._received
        interval = self.current_partial_interval()
        if end - max(self._last_partial_end, start) >= interval and not self.manager.busy():
            return start, end, False
        return None

    def current_partial_interval(self) -> float:
        """Samples of new speech between live partials now. Under load partials back off
        (finals first, fewer partials per session): the interval grows with the sessions
        dictating beyond those the decoder serves at the full rate."""
        return self.partial_interval * max(
            1.0, self.manager.active_sessions / self.manager.full_rate_sessions)

    async def _decode_partial(self, start: int, end: int, speculative: bool) -> None:
        options = self.manager.final_options if speculative else self.manager.partial_options
        self._last_partial_end = end
        audio = self._slice(start, min(end, self._received))
        if audio.size < end - start:
            audio = self._with_room_tone(audio, end - start)
        # The speculative decode may become the final: decoded (and judged) as one.
        speech = self._speech_samples if speculative else None
        try:
            result, prompt = await self._decode(audio, "partial", options, speech=speech)
        except Exception as exc:  # a failed partial is not fatal; the final will retry
            log.warning("partial decode failed for %s: %s", self.session_id, exc)
            return
        if result is None:
            return
        if speculative:
            self._speculative = _Decoded(start, end, options, result, prompt)
        still_current = self._utt_start == start or any(
            u.start == start and u.end == end for u in self._pending
        )
        if result.text and still_current and not (self._pending and not speculative):
            self._events.put_nowait(Partial(result.text, start / SAMPLE_RATE, end / SAMPLE_RATE))

    async def _decode(self, audio: np.ndarray, kind: DecodeKind, options: DecodeOptions, *,
                      speech: int | None) -> tuple[Transcript | None, str]:
        """(reading, its prompt). With `speech` (samples heard as speech) the reading may
        become a final: `second_prompt` judges it and may have the audio decoded again."""
        prompt = self._current_prompt()
        hotwords = self._current_hotwords()
        draft = speech is None
        result = await self.manager.decode(audio, session_id=self.session_id, kind=kind,
                                           prompt=prompt, hotwords=hotwords, options=options,
                                           draft=draft)
        judge = self._second_prompt
        if draft or judge is None or result is None or not result.text.strip():
            return result, prompt
        speech_s = (speech or 0) / SAMPLE_RATE
        again = judge(result.text, speech_s)
        if again is None or again == prompt:
            return result, prompt
        try:
            retry = await self.manager.decode(audio, session_id=self.session_id, kind=kind,
                                              prompt=again, hotwords=hotwords,
                                              options=options, draft=False)
        except Exception as exc:  # keep the first reading rather than lose the utterance
            log.warning("second decode failed for %s: %s", self.session_id, exc)
            return result, prompt
        if retry is None or not retry.text.strip() or judge(retry.text, speech_s) is not None:
            return result, prompt
        return retry, again

    def _with_room_tone(self, audio: np.ndarray, length: int) -> np.ndarray:
        """`audio` extended to `length` samples for a speculative decode started before the
        trailing pad has all arrived: the rest is the room's own silence, taken from before
        the utterance's speech (zeros when there is none), so that the decoder hears the
        same background it will hear in the final's audio."""
        missing = length - audio.size
        tone = audio[: min(self._room_tone, audio.size)]
        if tone.size == 0:
            return np.concatenate([audio, np.zeros(missing, np.float32)])
        fill = np.resize(tone, missing).astype(np.float32)
        return np.concatenate([audio, fill])

    async def _decode_final(self, utt: _Utterance) -> None:
        audio = self._slice(utt.start, utt.end)
        spec = self._speculative
        reused = (
            spec is not None
            and (spec.start, spec.end) == (utt.start, utt.end)
            and spec.options == self.manager.final_options
        )
        try:
            if reused and spec is not None:
                result: Transcript | None = spec.transcript
                prompt = spec.prompt
            else:
                result, prompt = await self._decode(audio, "final", self.manager.final_options,
                                                    speech=utt.speech)
        except Exception as exc:
            log.warning("final decode failed for %s: %s", self.session_id, exc)
            self._events.put_nowait(
                RecognizerError(
                    "asr_failed",
                    f"speech recognition failed: {exc}",
                    utt.start / SAMPLE_RATE,
                    utt.end / SAMPLE_RATE,
                    audio,
                )
            )
            return
        if spec is not None and spec.start == utt.start:
            self._speculative = None
        if result is None or not result.text:
            return
        final = Final(
            text=result.text,
            start=utt.start / SAMPLE_RATE,
            end=utt.end / SAMPLE_RATE,
            audio=audio,
            latency_s=time.monotonic() - self._arrival_time(utt.speech_end),
            reused_partial=reused,
            transcript=result,
            prompt=prompt,
        )
        if self.context_chars:
            self._context = f"{self._context} {final.text}".strip()[-self.context_chars :]
        if self._finishing:
            self._finals_since_finish.append(final)
        self._events.put_nowait(final)
