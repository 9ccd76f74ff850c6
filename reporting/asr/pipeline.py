"""Whole-file radiology recognition: VAD utterances, prompted decode, correction, written form.

Used by `POST /api/transcribe`, `reporting transcribe FILE` and the accuracy
benchmark. Each speech stretch found by Silero VAD is decoded with a
radiology prompt (section seeds plus the text dictated so far), near-miss
medical words are corrected against the lexicon, and the dictation layer's
spoken-to-written rules (`reporting.dictation.text`) produce report text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reporting.asr.correction import correct
from reporting.asr.decoder import SAMPLE_RATE, DecodeOptions, Transcript, WhisperDecoder
from reporting.asr.reconsider import reconsider
from reporting.asr.rescoring import LM_WEIGHT, NUM_HYPOTHESES, decode_rescored
from reporting.asr.second_opinion import merge_readings
from reporting.asr.vocabulary import (
    Lexicon,
    build_prompt,
    exam_terms,
    load_lexicon,
    section_terms,
)

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MAX_CHUNK_S = 20.0
"""Speech stretches are merged into chunks of at most this many seconds (measured on base:
20 s chunks give the model sentence context: held-out WER 14.7% -> 9.6% against
sentence-sized chunks)."""
MERGE_GAP_S = 1.5
"""Stretches closer than this are decoded together (dictation pauses between sentences fit)."""
EDGE_PAD_S = 0.4
"""Audio kept before and after each stretch, so a soft first word ("No ...") is not clipped."""
MIN_WORDS_PER_SPEECH_S = 1.2
"""A chunk decoded to fewer words per second of speech was cut short by the model (Whisper
without timestamps sometimes ends a long chunk early); its stretches are then decoded
one by one."""
MAX_WORDS_PER_SPEECH_S = 4.5
"""More words per second of speech than anyone dictates: the model copied its prompt; the
chunk is decoded again with the section seeds only (no earlier text)."""
PIPELINE_OPTIONS = DecodeOptions(beam_size=5)
"""Whole-file decoding: beam 5 (base held-out WER 9.6% greedy -> 8.3%, at about 1.4x the
decode time)."""


@dataclass(frozen=True)
class SpeechChunk:
    """A decode unit: padded sample range plus the padded VAD stretches it was merged from."""

    start: int
    end: int
    parts: tuple[tuple[int, int], ...]

    @property
    def speech_s(self) -> float:
        """Seconds of speech (padded stretches) in the chunk."""
        return sum(e - s for s, e in self.parts) / SAMPLE_RATE


@dataclass(frozen=True)
class PipelineSegment:
    """One decoded chunk: times in seconds in the input and its written text."""

    start: float
    end: float
    text: str
    raw_text: str


@dataclass(frozen=True)
class PipelineResult:
    """Report text for a whole recording, with its segments and the corrections made."""

    text: str
    segments: list[PipelineSegment] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)
    raw_text: str = ""
    duration: float = 0.0


def load_audio(source: str | Path | bytes | np.ndarray) -> np.ndarray:
    """16 kHz mono float32 audio from a path, encoded bytes or an array (assumed 16 kHz)."""
    if isinstance(source, np.ndarray):
        return np.asarray(source, dtype=np.float32).reshape(-1)
    from faster_whisper.audio import decode_audio

    if isinstance(source, bytes):
        import io

        return decode_audio(io.BytesIO(source), sampling_rate=SAMPLE_RATE)
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"audio file {path} does not exist")
    return decode_audio(str(path), sampling_rate=SAMPLE_RATE)


def speech_stretches(audio: np.ndarray) -> list[tuple[int, int]]:
    """Padded sample ranges of speech found by Silero VAD (never longer than a chunk)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    pad = int(EDGE_PAD_S * SAMPLE_RATE)
    # Pad ourselves (speech_pad_ms=0 keeps VAD's own boundaries); long speech is split by
    # the VAD at its quietest point, never at a fixed time.
    opts = VadOptions(min_silence_duration_ms=400, speech_pad_ms=0,
                      max_speech_duration_s=MAX_CHUNK_S - 2 * EDGE_PAD_S)
    stamps = get_speech_timestamps(audio, opts)
    return [(max(0, int(ts["start"]) - pad), min(len(audio), int(ts["end"]) + pad))
            for ts in stamps]


def merge_stretches(stretches: Sequence[tuple[int, int]], *, max_chunk_s: float = MAX_CHUNK_S,
                    merge_gap_s: float = MERGE_GAP_S) -> list[SpeechChunk]:
    """Merge neighbouring stretches into chunks of at most `max_chunk_s` seconds."""
    if max_chunk_s <= 0:
        raise ValueError("max_chunk_s must be positive")
    chunks: list[SpeechChunk] = []
    for start, end in stretches:
        if chunks:
            last = chunks[-1]
            gap = (start - last.end) / SAMPLE_RATE
            if gap <= merge_gap_s and (end - last.start) / SAMPLE_RATE <= max_chunk_s:
                chunks[-1] = SpeechChunk(last.start, max(end, last.end), (*last.parts,
                                                                           (start, end)))
                continue
        chunks.append(SpeechChunk(start, end, ((start, end),)))
    return chunks


def speech_chunks(audio: np.ndarray) -> list[SpeechChunk]:
    """Decode units for a recording: VAD stretches merged into chunks of <= MAX_CHUNK_S."""
    return merge_stretches(speech_stretches(audio))


def looks_truncated(text: str, chunk: SpeechChunk) -> bool:
    """True when the decoded text is too short for the speech in a multi-stretch chunk."""
    if len(chunk.parts) < 2:
        return False
    return len(text.split()) < MIN_WORDS_PER_SPEECH_S * chunk.speech_s


def _sentence_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


ECHO_MIN_WORDS = 4
"""A decoded sentence of at least this many words, all taken from one recent context sentence,
is an echo of the prompt."""


def _is_echo(key: str, recent: set[str]) -> bool:
    if key in recent:
        return True
    # Near-copies ("Endotracheal tip 4 cm above the carina." after "Endotracheal tube tip
    # terminates 4 cm above the carina."): every word borrowed from one sentence. A changed
    # word ("left" for "right") keeps the sentence.
    words = set(key.split())
    return len(key.split()) >= ECHO_MIN_WORDS and any(words <= set(r.split()) for r in recent)


TAIL_COPY_MIN_WORDS = 8
"""A decoded text that starts with at least this many words of the context's end (nearly all
the same words, in order) copied the prompt before the new speech."""
TAIL_COPY_AGREEMENT = 0.85


def drop_echo(raw: str, context: str) -> str:
    """Remove leading sentences that repeat (or nearly repeat) the last context sentences,
    and a leading run of words that copies the end of the context."""
    if not raw or not context:
        return raw
    recent = {_sentence_key(s) for s in re.split(r"(?<=[.!?])\s+", context.strip())[-3:]}
    recent.discard("")
    sentences = re.split(r"(?<=[.!?])\s+", raw)
    while sentences and _is_echo(_sentence_key(sentences[0]), recent):
        sentences.pop(0)
    return _drop_tail_copy(" ".join(sentences).strip(), context)


def _drop_tail_copy(raw: str, context: str) -> str:
    """Whisper sometimes re-reads the prompt's last words before the new speech ("...lesion
    of the medial" then "talofibular ligament is thickened but intact. Small tibiotalar
    joint effusion. Osteochondral lesion of the medial talar dome"): a leading run of at
    least TAIL_COPY_MIN_WORDS words that matches the context's last words in order, all but
    one in seven the same, is dropped. Dictation does not say its last eight words again."""
    tail = _sentence_key(context).split()[-80:]
    words = raw.split()
    keyed = [(key, i) for i, word in enumerate(words) for key in _sentence_key(word).split()]
    for k in range(min(len(keyed), len(tail)), TAIL_COPY_MIN_WORDS - 1, -1):
        same = sum(a == b for (a, _), b in zip(keyed[:k], tail[-k:], strict=True))
        if same >= TAIL_COPY_AGREEMENT * k:
            cut = keyed[k - 1][1] + 1
            return " ".join(words[cut:])
    return raw


_HYPHENATED_UNIT = re.compile(
    r"(?<![\w.-])(\d+(?:\.\d+)?|[A-Za-z]+)-((?:milli|centi)met(?:er|re)s?)\b", re.I)
_NUMBER_WORDS = frozenset(("one two three four five six seven eight nine ten eleven twelve "
                           "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty "
                           "thirty forty fifty sixty seventy eighty ninety hundred half").split())


_SIDE_HYPHEN = re.compile(
    r"(?<![\w-])((?i:left|right))-(?!(?i:sided|sidedness|handed|to)\b)(?=[A-Za-z])")
"""Whisper's "left-costophrenic angle": a side word joined to the next word by a hyphen
(kept in "right-sided", "left-handed", "left-to-right")."""


def unhyphenate(text: str) -> str:
    """Undo Whisper's hyphens that reports do not write: "6-millimeter nodule" -> "6
    millimeter nodule" (then "6 mm"), "left-costophrenic angle" -> "left costophrenic angle"."""

    def repl(m: re.Match[str]) -> str:
        number = m.group(1)
        if not number[0].isdigit() and number.lower() not in _NUMBER_WORDS:
            return m.group(0)
        return f"{number} {m.group(2)}"

    return _SIDE_HYPHEN.sub(r"\1 ", _HYPHENATED_UNIT.sub(repl, text))


def to_report_text(utterance: str, preceding: str) -> str:
    """Spoken-to-written via reporting.dictation.text, appended to `preceding`."""
    from reporting.dictation.text import join, to_written

    return join(preceding, to_written(unhyphenate(utterance), preceding=preceding))


def transcribe_pipeline(
    source: str | Path | bytes | np.ndarray,
    *,
    decoder: WhisperDecoder | None = None,
    model: WhisperModel | None = None,
    field: str | None = None,
    modality: str | None = None,
    exam: str = "",
    prior_text: str = "",
    extra_terms: Sequence[str] = (),
    lexicon: Lexicon | None = None,
    personal_rules: Mapping[str, str] | None = None,
    use_prompt: bool = True,
    use_correction: bool = True,
    written: bool = True,
    options: DecodeOptions | None = None,
    use_hotwords: bool = False,
    num_hypotheses: int = NUM_HYPOTHESES,
    lm_weight: float = LM_WEIGHT,
    acoustic_check: bool = True,
    second: WhisperDecoder | None = None,
    reconsider_words: bool = True,
) -> PipelineResult:
    """Recognise a whole recording as radiology report text (prompted decode + correction).

    `exam` (the procedure description and body part) adds the words typical of that
    examination to the prompt (`vocabulary.exam_terms`).

    With `num_hypotheses` > 1 and correction on, each chunk's beam hypotheses are re-ranked
    with the radiology language model (`reporting.asr.rescoring`); 1 keeps Whisper's choice.
    With `acoustic_check`, the corrector's context swaps are weighed by the recogniser's own
    score of the chunk's audio with and without them (`AcousticScorer`).
    With a `second` decoder (another model), each chunk is also decoded by it and its
    reading is taken where the main model's score and the LM prefer it
    (`reporting.asr.second_opinion`).
    With `reconsider_words`, runs of words that sound like one radiology word and confusable
    short words are weighed by the same score (`reporting.asr.reconsider`).
    """
    if num_hypotheses < 1:
        raise ValueError("num_hypotheses must be at least 1")
    if decoder is None:
        if model is None:
            raise ValueError("decoder or model is required")
        decoder = WhisperDecoder(model)
    audio = load_audio(source)
    duration = audio.size / SAMPLE_RATE
    lexicon = lexicon if lexicon is not None else load_lexicon()
    text = ""
    raw_parts: list[str] = []
    segments: list[PipelineSegment] = []
    changes: list[tuple[str, str]] = []
    options = replace(options or PIPELINE_OPTIONS,
                      keep_audio_scorer=(acoustic_check or second is not None
                                         or reconsider_words) and use_correction)
    hotwords = ", ".join(section_terms(field, modality, limit=30)) if use_hotwords else None
    extra_terms = [*extra_terms, *exam_terms(exam)]
    rescoring = use_correction and num_hypotheses > 1 and lm_weight > 0

    def decode(samples: np.ndarray, prompt: str, preceding: str,
               using: WhisperDecoder = decoder) -> Transcript:
        if not rescoring:
            return using.decode(samples, prompt=prompt, hotwords=hotwords, options=options)
        return decode_rescored(using, samples, prompt=prompt, hotwords=hotwords,
                               options=options, num_hypotheses=num_hypotheses,
                               lm_weight=lm_weight, lexicon=lexicon,
                               personal_rules=personal_rules, preceding=preceding)

    queue = speech_chunks(audio)
    while queue:
        chunk = queue.pop(0)
        context = f"{prior_text} {text}".strip()
        prompt = build_prompt(field, modality, context, extra_terms) if use_prompt else ""
        result = decode(audio[chunk.start:chunk.end], prompt, text)
        raw = drop_echo(result.text.strip(), context)
        if context and use_prompt and len(raw.split()) > MAX_WORDS_PER_SPEECH_S * chunk.speech_s:
            seeds_only = build_prompt(field, modality, "", extra_terms)
            result = decode(audio[chunk.start:chunk.end], seeds_only, text)
            raw = drop_echo(result.text.strip(), context)
        if looks_truncated(raw, chunk):
            queue[:0] = [SpeechChunk(s, e, ((s, e),)) for s, e in chunk.parts]
            continue
        if not raw:
            continue
        raw_parts.append(raw)
        fixed = raw
        if use_correction:
            corrected = correct(raw, lexicon=lexicon, personal_rules=personal_rules,
                                acoustic=result.scorer if acoustic_check else None)
            fixed = corrected.text
            changes.extend(corrected.changes)
            if second is not None and result.scorer is not None:
                other = drop_echo(decode(audio[chunk.start:chunk.end], prompt, text,
                                         using=second).text.strip(), context)
                other = correct(other, lexicon=lexicon, personal_rules=personal_rules).text
                merged = merge_readings(fixed, other, acoustic=result.scorer)
                fixed = merged.text
                changes.extend(merged.changes)
            if result.scorer is not None and reconsider_words:
                again = reconsider(fixed, acoustic=result.scorer)
                fixed = again.text
                changes.extend(again.changes)
        before = text
        text = to_report_text(fixed, text) if written else f"{text} {fixed}".strip()
        segments.append(PipelineSegment(chunk.start / SAMPLE_RATE, chunk.end / SAMPLE_RATE,
                                        text[len(before):].strip(), raw))
    return PipelineResult(text.strip(), segments, changes, " ".join(raw_parts), duration)
