"""List correct report words and phrases that the speech corrector would rewrite.

    python scripts/probe_corrections.py TERMS_FILE [--frames "There is {}." ...]

TERMS_FILE holds one term per line (or several separated by `|`); `#` starts a comment.
Each term is put into a few neutral report sentences ("There is {}.", "The {} is
normal.", "No {} is seen.") and run through `reporting.asr.correction.correct` exactly as
a final would be. A term that comes back changed in any of them is printed with what it
became: add it (or the phrase it belongs to) to `reporting/asr/lexicon/radiology_terms.txt`
so that dictating it is never "corrected" (see docs/templates.md, "Vocabulary").
Exit status 1 when anything was rewritten, so the check can run in a template repository's
CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FRAMES = ("There is {}.", "The {} is normal.", "No {} is seen.")


def read_terms(path: Path) -> list[str]:
    """Terms of a probe file: one per line or `|`-separated, comments and blanks skipped."""
    terms: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        terms.extend(t.strip() for t in line.split("|") if t.strip())
    return list(dict.fromkeys(terms))


def rewritten(terms: list[str], frames: tuple[str, ...] = FRAMES) -> dict[str, str]:
    """Term -> the first sentence it was rewritten in, with the changes made."""
    from reporting.asr.correction import correct

    out: dict[str, str] = {}
    for term in terms:
        for frame in frames:
            sentence = frame.format(term)
            if frame.startswith("{}"):
                sentence = sentence[:1].upper() + sentence[1:]
            result = correct(sentence)
            touched = [(a, b) for a, b in result.changes
                       if a.lower() in sentence.lower() and any(
                           w in term.lower().split() for w in a.lower().split())]
            if touched:
                out[term] = f"{sentence} -> {result.text} {touched}"
                break
    return out


def main(argv: list[str] | None = None) -> int:
    """Probe the terms and print the ones the corrector rewrites."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("terms", type=Path)
    parser.add_argument("--frames", nargs="+", default=list(FRAMES),
                        help="sentences with {} where the term goes")
    args = parser.parse_args(argv)
    terms = read_terms(args.terms)
    found = rewritten(terms, tuple(args.frames))
    for term, how in found.items():
        print(f"{term}\t{how}")  # noqa: T201
    print(f"{len(terms)} terms, {len(found)} rewritten", file=sys.stderr)  # noqa: T201
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
