"""A tiny HTTP server standing in for a FHIR server: it records what it is sent.

Run as a separate process: ``python fhir_standin.py --port N --dir D``. PUT and
POST bodies are kept in memory with their path and headers and listed at
``GET /_requests``. ``D/respond.json`` (``{"status": 503}``) forces an answer.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDED: list[dict[str, object]] = []
STORE: dict[str, bytes] = {}


class Handler(BaseHTTPRequestHandler):
    workdir = Path(".")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read /_requests instead of a log."""

    def _reply(self, status: int, body: bytes, content_type: str = "application/fhir+json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/_requests":
            self._reply(200, json.dumps(RECORDED).encode(), "application/json")
        elif self.path in STORE:
            self._reply(200, STORE[self.path])
        else:
            self._reply(404, b'{"resourceType":"OperationOutcome"}')

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        RECORDED.append({
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization", ""),
            "content_type": self.headers.get("Content-Type", ""),
            "body": body.decode("utf-8"),
        })
        forced = self.workdir / "respond.json"
        if forced.exists():
            status = int(json.loads(forced.read_text())["status"])
            self._reply(status, b'{"resourceType":"OperationOutcome","issue":[]}')
            return
        created = self.path not in STORE
        STORE[self.path] = body
        self._reply(201 if created else 200, body)

    do_PUT = _record
    do_POST = _record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    Handler.workdir = args.dir
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
