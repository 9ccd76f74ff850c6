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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reporting.asr.correction import correct
from reporting.asr.decoder import SAMPLE_RATE, WhisperDecoder
from reporting.asr.vocabulary import Lexicon, build_prompt, load_lexicon

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MAX_CHUNK_S = 12.0
"""Speech stretches are merged into chunks of at most this many seconds."""
MERGE_GAP_S = 0.5
"""Stretches closer than this are decoded together (one sentence pause fits)."""
EDGE_PAD_S = 0.25


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


def speech_chunks(audio: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of speech (Silero VAD), merged into chunks of at most MAX_CHUNK_S."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(min_silence_duration_ms=400, speech_pad_ms=200,
                      max_speech_duration_s=MAX_CHUNK_S - 1)
    stamps = get_speech_timestamps(audio, opts)
    chunks: list[tuple[int, int]] = []
    for ts in stamps:
        start, end = int(ts["start"]), int(ts["end"])
        if chunks:
            prev_start, prev_end = chunks[-1]
            if (start - prev_end) / SAMPLE_RATE <= MERGE_GAP_S and (
                end - prev_start
            ) / SAMPLE_RATE <= MAX_CHUNK_S:
                chunks[-1] = (prev_start, end)
                continue
        chunks.append((start, end))
    pad = int(EDGE_PAD_S * SAMPLE_RATE)
    return [(max(0, s - pad), min(len(audio), e + pad)) for s, e in chunks]


def _sentence_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def drop_echo(raw: str, context: str) -> str:
    """Remove leading sentences that repeat the last sentences of the prompt context."""
    if not raw or not context:
        return raw
    recent = {_sentence_key(s) for s in re.split(r"(?<=[.!?])\s+", context.strip())[-3:]}
    recent.discard("")
    sentences = re.split(r"(?<=[.!?])\s+", raw)
    while sentences and _sentence_key(sentences[0]) in recent:
        sentences.pop(0)
    return " ".join(sentences).strip()


def to_report_text(utterance: str, preceding: str) -> str:
    """Spoken-to-written via reporting.dictation.text, appended to `preceding`."""
    from reporting.dictation.text import join, to_written

    return join(preceding, to_written(utterance, preceding=preceding))


def transcribe_pipeline(
    source: str | Path | bytes | np.ndarray,
    *,
    decoder: WhisperDecoder | None = None,
    model: WhisperModel | None = None,
    field: str | None = None,
    modality: str | None = None,
    prior_text: str = "",
    extra_terms: Sequence[str] = (),
    lexicon: Lexicon | None = None,
    personal_rules: Mapping[str, str] | None = None,
    use_prompt: bool = True,
    use_correction: bool = True,
    written: bool = True,
) -> PipelineResult:
    """Recognise a whole recording as radiology report text (prompted decode + correction)."""
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
    for start, end in speech_chunks(audio):
        context = f"{prior_text} {text}".strip()
        prompt = build_prompt(field, modality, context, extra_terms) if use_prompt else ""
        result = decoder.decode(audio[start:end], prompt=prompt)
        raw = drop_echo(result.text.strip(), context)
        if not raw:
            continue
        raw_parts.append(raw)
        fixed = raw
        if use_correction:
            corrected = correct(raw, lexicon=lexicon, personal_rules=personal_rules)
            fixed = corrected.text
            changes.extend(corrected.changes)
        before = text
        text = to_report_text(fixed, text) if written else f"{text} {fixed}".strip()
        segments.append(PipelineSegment(start / SAMPLE_RATE, end / SAMPLE_RATE,
                                        text[len(before):].strip(), raw))
    return PipelineResult(text.strip(), segments, changes, " ".join(raw_parts), duration)
