"""N-best rescoring: Whisper's beam hypotheses re-ranked with the radiology language model.

Whisper's beam often holds the radiology reading ("cirrhotic liver", "in the
soft tissues") a little below an ordinary-English one ("sclerotic liver", "and
the soft tissues"). `decode_nbest` runs one beam search that returns several
hypotheses (CTranslate2 `generate(..., num_hypotheses=N, return_scores=True)`)
with the same encoder window, prompt and hallucination guards as
`WhisperDecoder.decode`; `rescore` corrects each hypothesis against the lexicon
(`reporting.asr.correction.correct`), writes it in report form and picks the one
with the best acoustic score + `lm_weight` x radiology LM score. Both scores are
length-normalised (per token and per word, scaled to the top hypothesis' length),
so neither favours dropping words. `decode_rescored` does both and returns a
`Transcript`, a drop-in for `WhisperDecoder.decode`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from reporting.asr.decoder import (
    AcousticScorer,
    DecodeOptions,
    Segment,
    Transcript,
    WhisperDecoder,
    compression_ratio,
    guard,
    is_too_quiet,
    prepare_audio,
    wants_full_window_retry,
    window_for,
)

if TYPE_CHECKING:
    from reporting.asr.language_model import RadiologyLM
    from reporting.asr.vocabulary import Lexicon

NUM_HYPOTHESES = 5
"""Hypotheses kept from a beam of 5 (the whole-file beam)."""
LM_WEIGHT = 1.0
"""Weight of the LM score (natural-log units, like the acoustic score) in the total.
Chosen on the dev split only: base dev WER 6.3% (no rescoring) -> 5.2% at 0.1-0.3 and 5.0%
from 0.5 to 3.0; 1.0 sits in the middle of that plateau."""
MAX_WORD_DIFF = 2
"""Hypotheses whose word count differs from the top one's by more than this (or by more
than 10%) are not considered: the LM must pick between readings, not between lengths."""


@dataclass(frozen=True)
class Hypothesis:
    """One beam hypothesis: raw text, acoustic score and, once rescored, LM and total scores."""

    text: str
    tokens: int
    acoustic: float
    """Mean log-probability per token (natural log, CTranslate2's length-normalised score)."""
    rank: int = 0
    """Position in the beam (0 = Whisper's own choice)."""
    corrected: str = ""
    """Text after lexicon/context correction (what rescoring scored)."""
    lm: float = 0.0
    """Mean log10 LM probability per word of the corrected, written text."""
    total: float = 0.0


@dataclass(frozen=True)
class NBest:
    """The hypotheses of one decode, best acoustic first, with the guard's view of the top."""

    hypotheses: list[Hypothesis]
    duration: float
    window_s: float
    no_speech_prob: float
    decode_seconds: float
    dropped: str | None = None
    extra: dict[str, float] = field(default_factory=dict)
    scorer: AcousticScorer | None = field(default=None, compare=False, repr=False)


def decode_nbest(decoder: WhisperDecoder, audio: np.ndarray, *, prompt: str = "",
                 hotwords: str | None = None, options: DecodeOptions | None = None,
                 num_hypotheses: int = NUM_HYPOTHESES) -> NBest:
    """One beam search returning up to `num_hypotheses` guarded hypotheses for <= 30 s."""
    return decode_nbest_batch(decoder, [audio], prompts=[prompt], hotwords=[hotwords],
                              options=options, num_hypotheses=num_hypotheses)[0]


def decode_nbest_batch(decoder: WhisperDecoder, audios: Sequence[np.ndarray], *,
                       prompts: Sequence[str] | None = None,
                       hotwords: Sequence[str | None] | None = None,
                       options: DecodeOptions | None = None,
                       num_hypotheses: int = NUM_HYPOTHESES) -> list[NBest]:
    """N-best lists of several utterances from one encoder pass and one `generate` call.

    The encoder window is the largest any item needs;
    `decode_seconds` of each item is its share of the batch time.
    """
    opts = options or DecodeOptions(beam_size=5)
    if num_hypotheses < 1:
        raise ValueError("num_hypotheses must be at least 1")
    n = len(audios)
    prompt_list = list(prompts) if prompts is not None else [""] * n
    hot_list = list(hotwords) if hotwords is not None else [None] * n
    if len(prompt_list) != n or len(hot_list) != n:
        raise ValueError("prompts and hotwords must have one entry per audio")
    out: list[NBest | None] = [None] * n
    todo: list[tuple[int, np.ndarray, float, float]] = []
    for i, raw_audio in enumerate(audios):
        audio, duration, level = prepare_audio(raw_audio)
        if is_too_quiet(duration, level):
            out[i] = NBest([], duration, 0.0, 0.0, 0.0, "silence")
        else:
            todo.append((i, audio, duration, level))
    if todo:
        started = time.perf_counter()
        window = max(window_for(duration, opts) for _, _, duration, _ in todo)
        feats = np.stack([decoder.features(audio, window) for _, audio, _, _ in todo])
        encoder_output = decoder.model.encode(feats)
        tokens_in = [decoder.prompt_tokens(prompt_list[i], hot_list[i],
                                   timestamps=opts.timestamps) for i, _, _, _ in todo]
        max_news = [decoder.max_new_tokens(duration, len(tokens))
                    for tokens, (_, _, duration, _) in zip(tokens_in, todo, strict=True)]
        beam = max(1, opts.beam_size, num_hypotheses)
        results = decoder.model.model.generate(
            encoder_output, tokens_in, beam_size=beam,
            num_hypotheses=min(num_hypotheses, beam), patience=1.0, length_penalty=1.0,
            max_length=max(len(t) + m for t, m in zip(tokens_in, max_news, strict=True)),
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=decoder.suppress_tokens, max_initial_timestamp_index=50,
        )
        share = (time.perf_counter() - started) / len(todo)
        for (i, _, duration, level), result, max_new in zip(todo, results, max_news,
                                                             strict=True):
            out[i] = _nbest(decoder, result, duration, level, window, max_new, share)
        if opts.keep_audio_scorer and len(todo) == 1:
            # One utterance: its encoder output is the whole batch (a batch would need slicing).
            i, audio, _, _ = todo[0]
            one = out[i]
            if one is not None and one.hypotheses:
                out[i] = replace(one, scorer=decoder.scorer(encoder_output, tokens_in[0], audio))
    return [item for item in out if item is not None]


def _nbest(decoder: WhisperDecoder, result: object, duration: float, level: float,
           window: float, max_new: int, elapsed: float) -> NBest:
    eot = decoder.tokenizer.eot
    no_speech = float(result.no_speech_prob)  # type: ignore[attr-defined]
    hyps: list[Hypothesis] = []
    dropped: str | None = None
    for rank, (ids, score) in enumerate(zip(result.sequences_ids,  # type: ignore[attr-defined]
                                            result.scores, strict=True)):  # type: ignore[attr-defined]
        ids = [t for t in ids if t < eot]
        raw = decoder.tokenizer.decode(ids).strip()
        avg = float(score) * len(ids) / (len(ids) + 1)
        text, why = guard(raw, level=level, no_speech=no_speech, avg_logprob=avg,
                          n_tokens=len(ids), max_new=max_new, duration=duration)
        if rank == 0:
            dropped = why
            if why is not None:
                break  # the top hypothesis decides whether anything was said
        if text and why is None:
            hyps.append(Hypothesis(text, len(ids), avg, rank))
    if dropped is not None:
        hyps = []
    return NBest(hyps, duration, window, no_speech, elapsed, dropped)


def lm_score(text: str, lm: RadiologyLM) -> tuple[float, int]:
    """(log10 probability, word count) of report text, sentence by sentence."""
    from reporting.asr.language_model import sentences

    total = 0.0
    words = 0
    for sent in sentences(text):
        total += lm.sentence_logprob(sent)
        words += len(sent)
    return total, words


def rescore(hypotheses: Sequence[Hypothesis], *, lm: RadiologyLM | None = None,
            lexicon: Lexicon | None = None, personal_rules: Mapping[str, str] | None = None,
            lm_weight: float = LM_WEIGHT, preceding: str = "") -> list[Hypothesis]:
    """Hypotheses with corrected text and scores, best total first (beam order on ties)."""
    from reporting.asr.correction import correct
    from reporting.asr.language_model import load_language_model
    from reporting.asr.pipeline import unhyphenate
    from reporting.dictation.text import to_written

    if lm_weight < 0:
        raise ValueError("lm_weight must not be negative")
    if not hypotheses:
        return []
    lm = lm or load_language_model()
    top = min(hypotheses, key=lambda h: h.rank)
    top_words = max(1, len(top.text.split()))
    allowed = max(MAX_WORD_DIFF, int(0.1 * top_words))
    scored: list[Hypothesis] = []
    seen: dict[str, Hypothesis] = {}
    for hyp in sorted(hypotheses, key=lambda h: h.rank):
        if hyp.rank != top.rank and abs(len(hyp.text.split()) - top_words) > allowed:
            continue
        fixed = correct(hyp.text, lexicon=lexicon, personal_rules=personal_rules,
                        lm=lm).text
        if fixed in seen:
            continue  # a lower-ranked spelling of the same corrected text adds nothing
        log10, n_words = lm_score(to_written(unhyphenate(fixed), preceding=preceding), lm)
        per_word = log10 / max(1, n_words)
        # Both scores scaled to the top hypothesis' length: natural-log units.
        total = hyp.acoustic * max(1, top.tokens) + lm_weight * math.log(10) * per_word * (
            top_words)
        rescored = replace(hyp, corrected=fixed, lm=per_word, total=total)
        seen[fixed] = rescored
        scored.append(rescored)
    return sorted(scored, key=lambda h: (-h.total, h.rank))


def decode_rescored(decoder: WhisperDecoder, audio: np.ndarray, *, prompt: str = "",
                    hotwords: str | None = None, options: DecodeOptions | None = None,
                    num_hypotheses: int = NUM_HYPOTHESES, lm_weight: float = LM_WEIGHT,
                    lm: RadiologyLM | None = None, lexicon: Lexicon | None = None,
                    personal_rules: Mapping[str, str] | None = None,
                    preceding: str = "") -> Transcript:
    """`WhisperDecoder.decode` with N-best LM rescoring: the text is the chosen raw hypothesis."""
    return decode_rescored_batch(
        decoder, [audio], prompts=[prompt], hotwords=[hotwords], options=options,
        num_hypotheses=num_hypotheses, lm_weight=lm_weight, lm=lm, lexicon=lexicon,
        personal_rules=[personal_rules], preceding=[preceding])[0]


def decode_rescored_batch(
    decoder: WhisperDecoder,
    audios: Sequence[np.ndarray],
    *,
    prompts: Sequence[str] | None = None,
    hotwords: Sequence[str | None] | None = None,
    options: DecodeOptions | None = None,
    num_hypotheses: int = NUM_HYPOTHESES,
    lm_weight: float = LM_WEIGHT,
    lm: RadiologyLM | None = None,
    lexicon: Lexicon | None = None,
    personal_rules: Sequence[Mapping[str, str] | None] | None = None,
    preceding: Sequence[str] | None = None,
) -> list[Transcript]:
    """`WhisperDecoder.decode` for several utterances, N-best LM rescored (one `generate` call)."""
    opts = options or DecodeOptions(beam_size=5)
    n = len(audios)
    rules = list(personal_rules) if personal_rules is not None else [None] * n
    before = list(preceding) if preceding is not None else [""] * n
    prompt_list = list(prompts) if prompts is not None else [""] * n
    hot_list = list(hotwords) if hotwords is not None else [None] * n
    if len(rules) != n or len(before) != n:
        raise ValueError("personal_rules and preceding must have one entry per audio")
    nbests = decode_nbest_batch(decoder, audios, prompts=prompt_list, hotwords=hot_list,
                                options=opts, num_hypotheses=num_hypotheses)
    out: list[Transcript] = []
    for i, nbest in enumerate(nbests):
        if wants_full_window_retry(nbest.dropped, opts):
            # Same fallback as the decoder: the padded 30 s window, one hypothesis.
            retry = decoder.decode(audios[i], prompt=prompt_list[i], hotwords=hot_list[i],
                                   options=replace(opts, short_window=False))
            out.append(replace(retry, decode_seconds=nbest.decode_seconds + retry.decode_seconds,
                               extra={"fallback": 1.0,
                                      "first_decode_seconds": nbest.decode_seconds}))
            continue
        if not nbest.hypotheses:
            out.append(Transcript(text="", duration=nbest.duration,
                                  no_speech_prob=nbest.no_speech_prob,
                                  decode_seconds=nbest.decode_seconds, dropped=nbest.dropped,
                                  window_s=nbest.window_s))
            continue
        started = time.perf_counter()
        ranked = rescore(nbest.hypotheses, lm=lm, lexicon=lexicon, personal_rules=rules[i],
                         lm_weight=lm_weight, preceding=before[i]) if lm_weight > 0 else []
        best = ranked[0] if ranked else nbest.hypotheses[0]
        rescore_s = time.perf_counter() - started
        out.append(Transcript(
            text=best.text,
            duration=nbest.duration,
            segments=(Segment(0.0, nbest.duration, best.text),),
            avg_logprob=best.acoustic,
            no_speech_prob=nbest.no_speech_prob,
            compression_ratio=compression_ratio(best.text),
            decode_seconds=nbest.decode_seconds + rescore_s,
            raw_text=nbest.hypotheses[0].text,
            window_s=nbest.window_s,
            extra={"hypotheses": float(len(nbest.hypotheses)), "chosen_rank": float(best.rank),
                   "rescore_seconds": rescore_s},
            scorer=nbest.scorer,
        ))
    return out
