"""Benchmark the report outputs: PDF render, SR, encapsulated PDF, FHIR build, C-STORE.

Prints JSON (milliseconds): mean and p95 per operation. The C-STORE round trip
goes to a local Orthanc started like the tests start it (Debian `orthanc`
package, own config, free ports, storage in a temporary folder).
Run: PYTHONPATH=. python bench/outputs.py [--n 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reporting.core.config import Destination
from reporting.delivery.dicom_sender import deliver_dicom
from reporting.delivery.encapsulated import build_encapsulated_pdf
from reporting.delivery.fhir import build_diagnostic_report
from reporting.delivery.pdf import render_pdf
from reporting.delivery.samples import sample_document
from reporting.delivery.sr import build_sr
from tests.delivery.servers import Orthanc


def measure(fn: Callable[[], object], n: int) -> dict[str, float]:
    """Mean and p95 in milliseconds over n runs, after one warm-up call."""
    fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"n": n, "mean_ms": round(statistics.fmean(times), 2), "p95_ms": round(p95, 2)}


def main() -> None:
    """Run every measurement and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20, help="runs per operation (PDF: half)")
    args = parser.parse_args()
    doc = sample_document(with_addendum=True)
    pdf = render_pdf(doc)
    results: dict[str, object] = {
        "pdf_render": measure(lambda: render_pdf(doc), max(3, args.n // 2)),
        "sr_build": measure(lambda: build_sr(doc), args.n * 5),
        "encapsulated_pdf_build": measure(lambda: build_encapsulated_pdf(doc, pdf), args.n * 5),
        "fhir_build": measure(lambda: build_diagnostic_report(doc, pdf), args.n * 5),
    }
    with tempfile.TemporaryDirectory() as tmp:
        orthanc = Orthanc(Path(tmp))
        orthanc.start()
        try:
            dest = Destination(
                name="pacs", kind="dicom", port=orthanc.dicom_port, ae_title=orthanc.ae_title
            )
            sr = build_sr(doc)
            encapsulated = build_encapsulated_pdf(doc, pdf)

            def store_sr() -> None:
                outcome = deliver_dicom(dest, [sr])
                if not outcome.ok:
                    raise RuntimeError(outcome)

            def store_both() -> None:
                outcome = deliver_dicom(dest, [sr, encapsulated])
                if not outcome.ok:
                    raise RuntimeError(outcome)

            results["cstore_sr_roundtrip"] = measure(store_sr, args.n)
            results["cstore_sr_and_pdf_roundtrip"] = measure(store_both, args.n)
        finally:
            orthanc.stop()
    results["pdf_bytes"] = len(pdf)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
