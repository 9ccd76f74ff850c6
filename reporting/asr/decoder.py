"""One Whisper decode of one utterance, with a short encoder window and hallucination guards.

The caller (the manager) hands in VAD-trimmed speech; this module never decides
what is speech. It computes log-Mel features for the real audio length, pads
them to a short encoder window (whisper.cpp's `audio_ctx` trick: the encoder
cost scales with the window, and 30 s of padding dominates a 3 s utterance),
runs CTranslate2's `generate` greedily with our own prompt and no conditioning
on earlier text, then drops output that looks hallucinated.
"""

from __future__ import annotations

import difflib
import math
import re
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

SAMPLE_RATE = 16_000
MAX_WINDOW_S = 30.0
"""Whisper's native window; longer audio must be split before decoding."""

# Guard thresholds (Whisper's own defaults where they exist).
NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4
QUIET_RMS = 0.003
"""RMS below this (about -50 dBFS) is too quiet to hold dictation."""
_SILENCE_PHRASES = frozenset(
    {
        "you",
        "thank you",
        "thanks",
        "thank you very much",
        "thanks for watching",
        "thank you for watching",
        "thanks for listening",
        "thank you for listening",
        "please subscribe",
        "bye",
        "bye bye",
        "okay",
        "so",
        "the end",
        "uh",
        "um",
        "hmm",
        "subtitles by the amaraorg community",
        "music",
    }
)
_MAX_PROMPT_TOKENS = 223
_MAX_HOTWORD_TOKENS = 120


@dataclass(frozen=True)
class Segment:
    """A piece of decoded text with times in seconds relative to the decoded audio."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """Result of decoding one utterance (or a whole file)."""

    text: str
    """Decoded text after the guards ('' when nothing was said or the output was dropped)."""
    duration: float
    """Seconds of audio decoded."""
    segments: tuple[Segment, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    decode_seconds: float = 0.0
    """Wall time of the decode itself (not the queueing before it)."""
    dropped: str | None = None
    """Why a guard discarded the model output (`silence`, `no_speech`, `repetition`, ...)."""
    raw_text: str = ""
    """Model output before the guards, for diagnostics."""
    window_s: float = MAX_WINDOW_S
    """Encoder window used."""
    extra: dict[str, float] = field(default_factory=dict)
    scorer: AcousticScorer | None = field(default=None, compare=False, repr=False)
    """Scores other readings of the same audio (`DecodeOptions.keep_audio_scorer`)."""


class AcousticScorer:
    """How well other texts fit one decoded utterance: the natural-log probability the model
    gives each text's tokens for this audio (forced decoding, CTranslate2's `align`), under
    the prompt the decode used.

    It keeps the decode's encoder output, so a score costs one pass of the decoder over the
    text and none of the encoder. The difference between two texts' scores is what the
    recogniser itself thinks of a correction: "sulci are" against "salter", "tegmen tympani"
    against "tegmentum and pony". Scores are remembered per text.
    """

    def __init__(self, model: Any, encoder_output: Any, start: Sequence[int],
                 num_frames: int, tokenizer: Any) -> None:
        self._model = model
        self._encoder_output = encoder_output
        self._start = list(start)
        self._num_frames = num_frames
        self._tokenizer = tokenizer
        self._memo: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def __call__(self, text: str) -> tuple[float, int]:
        """(natural-log probability of `text`'s tokens for the audio, number of tokens)."""
        text = " ".join(text.split())
        with self._lock:
            known = self._memo.get(text)
        if known is not None:
            return known
        tokens = [*self._tokenizer.encode(" " + text), self._tokenizer.eot]
        (result,) = self._model.align(self._encoder_output, self._start, [tokens],
                                      [self._num_frames])
        probs = result.text_token_probs
        score = (float(sum(math.log(max(p, 1e-12)) for p in probs)), len(probs))
        with self._lock:
            self._memo[text] = score
        return score


@dataclass(frozen=True)
class _Raw:
    """Model output of one item before the guards."""

    text: str
    n_tokens: int
    max_new: int
    avg_logprob: float
    no_speech_prob: float
    scorer: AcousticScorer | None = None


MAX_TOKENS_PER_S = 12.0
"""Token budget of a decode per second of audio (plus 16). Dictation measures at most 4.1
tokens a second of speech (the densest fixture, numbers and Latin included), so output that
reaches the budget never ended: a decoder loop."""


@dataclass(frozen=True)
class DecodeOptions:
    """Knobs of one decode call."""

    beam_size: int = 1
    short_window: bool = True
    """Encode only `window_for(duration)` seconds instead of a padded 30 s window."""
    min_window_s: float = 10.0
    window_step_s: float = 5.0
    timestamps: bool = False
    """Let the model emit timestamp tokens (Whisper's default mode) instead of plain text."""
    retry: bool = True
    """Decode again with the padded 30 s window when the short window's output is dropped
    for repetition or low confidence. Partials turn it off: their audio ends mid-word, the
    retry costs 3-6 decodes, and the next partial or the final comes anyway."""
    keep_audio_scorer: bool = False
    """Return an `AcousticScorer` with the transcript (it holds the encoder output, 1-3 MB,
    for as long as the transcript lives), for the corrector to weigh its rewrites."""


def window_for(duration: float, options: DecodeOptions) -> float:
    """Encoder window (seconds) for `duration` seconds of audio under `options`."""
    if not options.short_window:
        return MAX_WINDOW_S
    step = max(0.5, options.window_step_s)
    window = math.ceil((duration + 0.25) / step) * step
    return float(min(MAX_WINDOW_S, max(options.min_window_s, window)))


def wants_full_window_retry(dropped: str | None, options: DecodeOptions) -> bool:
    """Whether a short-window decode dropped for `dropped` is worth the 30 s window retry."""
    return (dropped in ("repetition", "low_confidence") and options.short_window
            and options.retry)


def rms(audio: np.ndarray) -> float:
    """Root mean square level of float audio."""
    if audio.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def prepare_audio(audio: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Mono float32 samples, their duration (s) and RMS level; more than 30 s is refused."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    duration = samples.size / SAMPLE_RATE
    if duration > MAX_WINDOW_S:
        raise ValueError(f"audio is {duration:.1f} s; split it below {MAX_WINDOW_S:.0f} s")
    return samples, duration, rms(samples)


def is_too_quiet(duration: float, level: float) -> bool:
    """Audio too short or too quiet to hold speech: never sent to the model."""
    return duration < 0.1 or level < QUIET_RMS


def compression_ratio(text: str) -> float:
    """zlib compression ratio of the text (Whisper's repetition measure)."""
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data))


_WORD = re.compile(r"[a-z0-9']+")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def collapse_loops(text: str, *, min_repeats: int = 3, max_n: int = 8) -> tuple[str, bool]:
    """Collapse an n-gram repeated `min_repeats`+ times in a row to one copy; report if changed."""
    words = text.split()
    changed = False
    n = 1
    while n <= max_n:
        i = 0
        out: list[str] = []
        while i < len(words):
            gram = [_norm(w) for w in words[i : i + n]]
            reps = 1
            while (
                len(gram) == n
                and i + (reps + 1) * n <= len(words)
                and [_norm(w) for w in words[i + reps * n : i + (reps + 1) * n]] == gram
            ):
                reps += 1
            # A phrase of 3+ words said twice in a row is a decoder loop, not dictation.
            needed = 2 if n >= 3 else min_repeats
            if len(gram) == n and reps >= needed and any(gram):
                out.extend(words[i : i + n])
                i += reps * n
                changed = True
            else:
                out.append(words[i])
                i += 1
        words = out
        n += 1
    return " ".join(words), changed


LOOP_BACK_MIN_WORDS = 8
"""A run of at least this many words decoded twice in a row is a loop back."""


def drop_loop_back(text: str) -> tuple[str, bool]:
    """Drop the second copy of a run of LOOP_BACK_MIN_WORDS+ words decoded twice in a row.

    Whisper sometimes jumps back in the audio mid-utterance and reads a stretch again
    ("... The calcaneofibular ligament is thickened but intact. Small tibiotalar joint
    effusion. Osteochondral lesion of the medial talofibular ligament is thickened but
    intact. Small tibiotalar joint effusion. Osteochondral lesion of the medial talar
    dome"). The copy must match word for word except its first word (where the jump lands
    mid-word), so sentences said in a row that differ inside ("no fracture of the left
    ankle. No fracture of the right ankle.") are kept.
    """
    words = text.split()
    keys = [_norm(w) for w in words]
    for k in range(len(words) // 2, LOOP_BACK_MIN_WORDS - 1, -1):
        for i in range(len(words) - 2 * k + 1):
            if keys[i + k + 1 : i + 2 * k] == keys[i + 1 : i + k] and all(keys[i + 1 : i + k]):
                kept = [*words[: i + k], *words[i + 2 * k :]]
                return drop_loop_back(" ".join(kept))[0], True
    return text, False


REPEAT_SIMILARITY = 0.8
"""Word-sequence similarity at which a sentence counts as a copy of the one before it."""
MAX_WORDS_PER_S = 3.5
"""Faster than anyone dictates: text beyond this rate cannot all have been said."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def drop_repeated_sentences(text: str, duration: float) -> tuple[str, bool]:
    """Drop sentences that (nearly) copy the sentence before them, when the audio is too short.

    Whisper fills a short window by saying the utterance again ("Soft tissue swelling
    over the dorsum of the wrist. Soft tissue swelling over the dorsum of the wrist.").
    Radiologists do say similar sentences in a row ("5 mm nodule in the right upper
    lobe. 4 mm nodule in the right lower lobe."), so a copy of an earlier sentence of the
    output (or the start of the last one, where the output ended mid-loop) is dropped only
    while the text is faster than `MAX_WORDS_PER_S` for `duration` seconds of audio.
    """
    sentences = _SENTENCE_END.split(text.strip())
    if len(sentences) < 2 or duration <= 0:
        return text, False
    if sum(len(s.split()) for s in sentences) / duration <= MAX_WORDS_PER_S:
        return text, False
    kept = [sentences[0]]
    kept_words = [_norm(sentences[0]).split()]
    for sentence in sentences[1:]:
        now, before = _norm(sentence).split(), kept_words[-1]
        # A loop may repeat one sentence or several ("A. B. A. B."): any earlier one counts.
        copy = len(now) >= 3 and any(
            len(earlier) >= 3
            and difflib.SequenceMatcher(None, earlier, now).ratio() >= REPEAT_SIMILARITY
            for earlier in kept_words)
        # A loop cut short by the end of the output: the start of the sentence again.
        restart = 2 <= len(now) < len(before) and before[: len(now)] == now
        if not (copy or restart):
            kept.append(sentence)
            kept_words.append(now)
    return " ".join(kept), len(kept) < len(sentences)


MIN_LOOPED_WORDS_PER_S = 2.0
"""A sentence said on repeat is taken as all the audio held only at this rate or faster."""


def sentence_on_repeat(text: str, duration: float) -> str | None:
    """The sentence of a loop that only ever repeats it ("A. A. A. A"), or None.

    A decode that runs into the token budget never ended. When all it did was say its
    first sentence again, and that sentence alone is dictation at a normal rate for the
    audio's `duration` (2 to 3.5 words a second), the sentence is what was said: no other
    speech can have been skipped, so the 30 s window retry (seconds of decoding) is not
    needed. A loop of several sentences, or one sentence too short or too long for the
    audio, is still dropped. (A sentence copied from the prompt is the caller's echo check.)
    """
    sentences = _SENTENCE_END.split(text.strip())
    if len(sentences) < 2 or duration <= 0:
        return None
    first = _norm(sentences[0]).split()
    if len(first) < 3 or not MIN_LOOPED_WORDS_PER_S <= len(first) / duration <= MAX_WORDS_PER_S:
        return None
    for sentence in sentences[1:-1]:
        if difflib.SequenceMatcher(None, first, _norm(sentence).split()).ratio() \
                < REPEAT_SIMILARITY:
            return None
    # The budget cut the last copy short, maybe inside a word: compare what came before.
    last = _norm(sentences[-1]).split()[:-1]
    if last and difflib.SequenceMatcher(None, first[: len(last)], last).ratio() \
            < REPEAT_SIMILARITY:
        return None
    return sentences[0]


def is_silence_phrase(text: str) -> bool:
    """True for the stock phrases Whisper produces from silence or noise."""
    return _norm(text) in _SILENCE_PHRASES


class WhisperDecoder:
    """Decodes speech with a loaded faster-whisper model; thread-safe for concurrent calls."""

    def __init__(self, model: WhisperModel, *, language: str = "en") -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        multilingual = bool(model.model.is_multilingual)
        self.tokenizer: Tokenizer = Tokenizer(
            model.hf_tokenizer,
            multilingual,
            task="transcribe",
            language=language if multilingual else "en",
        )
        from faster_whisper.transcribe import get_suppressed_tokens

        self.suppress_tokens: list[int] = list(get_suppressed_tokens(self.tokenizer, [-1]))
        """Whisper's default suppressed tokens (`suppress_tokens=[-1]`)."""
        self._lock = threading.Lock()  # the feature extractor keeps per-call state

    def prompt_tokens(
        self, prompt: str, hotwords: str | None = None, *, timestamps: bool = False
    ) -> list[int]:
        """Prompt tokens: <|startofprev|> hotwords + prompt tail, then the SOT sequence."""
        tok = self.tokenizer
        hot: list[int] = []
        if hotwords and hotwords.strip():
            hot = tok.encode(" " + hotwords.strip())[:_MAX_HOTWORD_TOKENS]
        previous: list[int] = []
        if prompt and prompt.strip():
            budget = _MAX_PROMPT_TOKENS - len(hot)
            previous = tok.encode(" " + prompt.strip())[-budget:] if budget > 0 else []
        tokens: list[int] = []
        if hot or previous:
            tokens.append(tok.sot_prev)
            tokens.extend(hot)
            tokens.extend(previous)
        tokens.extend(tok.sot_sequence)
        if not timestamps:
            tokens.append(tok.no_timestamps)
        return tokens

    def max_new_tokens(self, duration: float, prompt_length: int) -> int:
        """Most tokens a decode of `duration` seconds may produce (`MAX_TOKENS_PER_S`)."""
        return min(self.model.max_length - prompt_length - 1,
                   int(duration * MAX_TOKENS_PER_S) + 16)

    def features(self, audio: np.ndarray, window_s: float) -> np.ndarray:
        """Log-Mel features of `audio` padded (or trimmed) to `window_s` seconds."""
        fe = self.model.feature_extractor
        with self._lock:
            feats = fe(audio, padding=160)
        frames = round(window_s * fe.sampling_rate / fe.hop_length)
        content = feats.shape[-1] - 1
        feats = feats[:, : min(content, frames)]
        if feats.shape[-1] < frames:
            # Pad with the log-Mel floor, which is what silence (zero samples) computes to:
            # Whisper was trained on speech padded with silence to 30 s. A pad of 0.0 reads
            # as steady sound, and the model then tends to repeat itself to fill it.
            floor = float(feats.max()) - 2.0 if feats.size else 0.0
            feats = np.pad(feats, ((0, 0), (0, frames - feats.shape[-1])),
                           constant_values=floor)
        return np.ascontiguousarray(feats, dtype=np.float32)

    def decode(
        self,
        audio: np.ndarray,
        *,
        prompt: str = "",
        hotwords: str | None = None,
        options: DecodeOptions | None = None,
    ) -> Transcript:
        """Decode at most 30 s of speech; returns guarded text ('' for silence)."""
        opts = options or DecodeOptions()
        audio, duration, level = prepare_audio(audio)
        if is_too_quiet(duration, level):
            return Transcript(text="", duration=duration, dropped="silence", window_s=0.0)

        result = self._decode_once(audio, duration, level, prompt, hotwords, opts)
        if wants_full_window_retry(result.dropped, opts):
            # Fallback: the padded 30 s window the model was trained on.
            retry = self._decode_once(
                audio, duration, level, prompt, hotwords, replace(opts, short_window=False)
            )
            extra = {"fallback": 1.0, "first_decode_seconds": result.decode_seconds}
            result = replace(
                retry, decode_seconds=result.decode_seconds + retry.decode_seconds, extra=extra
            )
        return result

    def _decode_once(
        self,
        audio: np.ndarray,
        duration: float,
        level: float,
        prompt: str,
        hotwords: str | None,
        opts: DecodeOptions,
    ) -> Transcript:
        started = time.perf_counter()
        window = window_for(duration, opts)
        out = self._generate(audio, duration, prompt, hotwords, window, opts)
        return self._transcript(out, duration, level, window, time.perf_counter() - started)

    def _generate(
        self,
        audio: np.ndarray,
        duration: float,
        prompt: str,
        hotwords: str | None,
        window: float,
        opts: DecodeOptions,
    ) -> _Raw:
        encoder_output = self.model.encode(self.features(audio, window))
        prompt_tokens = self.prompt_tokens(prompt, hotwords, timestamps=opts.timestamps)
        max_new = self.max_new_tokens(duration, len(prompt_tokens))
        (result,) = self.model.model.generate(
            encoder_output,
            [prompt_tokens],
            beam_size=max(1, opts.beam_size),
            patience=1.0,
            length_penalty=1.0,
            max_length=len(prompt_tokens) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self.suppress_tokens,
            max_initial_timestamp_index=50,
        )
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot][:max_new]
        return _Raw(
            text=self.tokenizer.decode(tokens).strip(),
            n_tokens=len(tokens),
            max_new=max_new,
            avg_logprob=float(result.scores[0]) * len(tokens) / (len(tokens) + 1),
            no_speech_prob=float(result.no_speech_prob),
            scorer=self.scorer(encoder_output, prompt_tokens, audio) if opts.keep_audio_scorer
            else None,
        )

    def scorer(self, encoder_output: Any, prompt_tokens: Sequence[int],
               audio: np.ndarray) -> AcousticScorer:
        """An `AcousticScorer` for one utterance's encoder output (a batch of one)."""
        frames = audio.size // self.model.feature_extractor.hop_length
        return AcousticScorer(self.model.model, encoder_output, prompt_tokens, frames,
                              self.tokenizer)

    def _transcript(
        self, out: _Raw, duration: float, level: float, window: float, elapsed: float
    ) -> Transcript:
        ratio = compression_ratio(out.text)
        text, dropped = guard(
            out.text, level=level, no_speech=out.no_speech_prob, avg_logprob=out.avg_logprob,
            n_tokens=out.n_tokens, max_new=out.max_new, duration=duration,
        )
        return Transcript(
            text=text,
            duration=duration,
            segments=(Segment(0.0, duration, text),) if text else (),
            avg_logprob=out.avg_logprob,
            no_speech_prob=out.no_speech_prob,
            compression_ratio=ratio,
            decode_seconds=elapsed,
            dropped=dropped,
            raw_text=out.text,
            window_s=window,
            scorer=out.scorer if text else None,
        )


def guard(raw: str, *, level: float, no_speech: float, avg_logprob: float, n_tokens: int,
          max_new: int, duration: float = 0.0) -> tuple[str, str | None]:
    """The hallucination guards on one decoded text: (kept text, drop reason or None).

    With the audio's `duration`, sentences repeated faster than anyone speaks are dropped
    too. Output that ran into the token limit is dropped whole (the caller retries): it
    never ended, so it is a loop, and whatever followed the loop was never decoded.
    """
    if not raw:
        return "", None
    if no_speech > NO_SPEECH_THRESHOLD and avg_logprob < LOGPROB_THRESHOLD:
        return "", "no_speech"
    if is_silence_phrase(raw) and (level < 0.02 or no_speech > 0.2 or avg_logprob < -0.7):
        return "", "silence_phrase"
    if n_tokens >= max_new:
        looped_sentence = sentence_on_repeat(raw, duration)
        if looped_sentence is None:
            return "", "repetition"  # it never ended: a loop, or text no one could have said
        raw = looped_sentence
    raw, _ = drop_repeated_sentences(raw, duration)
    raw, _ = drop_loop_back(raw)
    text, looped = collapse_loops(raw)
    if looped and (compression_ratio(text) > COMPRESSION_RATIO_THRESHOLD or not text):
        return "", "repetition"
    if not looped and compression_ratio(raw) > COMPRESSION_RATIO_THRESHOLD:
        return "", "repetition"
    if avg_logprob < -1.5:
        return "", "low_confidence"
    return text, None
