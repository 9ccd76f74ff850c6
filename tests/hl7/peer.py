"""A real MLLP peer (an interface engine stand-in) for delivery tests, run as its own process.

Usage:
    python tests/hl7/peer.py --port N [--host 127.0.0.1] [--mode MODE] [--delay S]
                             [--record DIR] [--mode-file PATH]

Modes (what the peer does with each complete message it receives):
    ack        answer AA (MSA-2 echoes MSH-10)               → sender: delivered
    ca         answer CA (enhanced-mode commit accept)        → delivered
    nak-ae     answer AE with an ERR segment                  → quarantine
    nak-ar     answer AR with an ERR segment                  → retry
    slow       wait --delay seconds (default 5), then AA      → retry if past read timeout
    drop       close the connection without answering        → retry (dropped)
    drop-mid   send half of an ACK frame, then close          → retry (dropped)
    wrong-id   answer AA whose MSA-2 is not the MSH-10        → retry
    silent     keep the connection open, never answer        → retry (timeout)
    garbage    answer bytes that are not an HL7 frame, close  → retry

Runtime control: with --mode-file PATH, the file's first word (if the file exists and is
not empty) overrides --mode for every new message, e.g. `echo nak-ae > PATH`.

Recording: with --record DIR, every complete message is written (before answering) as
DIR/NNNNNN.hl7, raw bytes as received; the numbering continues across restarts.

On start the peer prints "READY <port>" on stdout (flushed). SIGTERM/SIGINT stop it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
from pathlib import Path

SB, EB = b"\x0b", b"\x1c\x0d"
MODES = ("ack", "ca", "nak-ae", "nak-ar", "slow", "drop", "drop-mid", "wrong-id", "silent",
         "garbage")


def msh_fields(message: bytes) -> list[str]:
    """MSH fields of a message by plain splitting: [MSH, enc, MSH-3, ...]."""
    text = message.decode("utf-8", errors="replace")
    line = text.replace("\n", "\r").split("\r", 1)[0]
    return line.split("|") if line.startswith("MSH") else ["MSH", "^~\\&"]


def make_ack(message: bytes, code: str, *, control_id: str | None = None) -> bytes:
    """An ACK for message with MSA-1 code (plus ERR for AE/AR)."""
    f = msh_fields(message) + [""] * 12
    version = f[11].split("^")[0] or "2.5.1"
    trigger = f[8].split("^")[1] if "^" in f[8] else ""
    echo = f[9] if control_id is None else control_id
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    mtype = f"ACK^{trigger}^ACK" if version >= "2.5" else f"ACK^{trigger}"
    segs = [f"MSH|^~\\&|{f[4]}|{f[5]}|{f[2]}|{f[3]}|{now}||{mtype}|PEER{os.getpid()}{now}|P|"
            f"{version}", f"MSA|{code}|{echo}|peer says {code}"]
    if code in {"AE", "AR"}:
        if version >= "2.5":
            segs.append(f"ERR||OBR^1^18|207^Application internal error^HL70357|E||||"
                        f"test peer in mode {code}")
        else:
            segs.append("ERR|OBR^1^18^207&Application internal error&HL70357")
    return SB + "\r".join(segs).encode() + b"\r" + EB


class Peer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.record = Path(args.record) if args.record else None
        if self.record:
            self.record.mkdir(parents=True, exist_ok=True)
        self.count = len(list(self.record.glob("*.hl7"))) if self.record else 0

    def mode(self) -> str:
        if self.args.mode_file:
            with contextlib.suppress(OSError):
                words = Path(self.args.mode_file).read_text().split()
                if words and words[0] in MODES:
                    return words[0]
        return self.args.mode

    def store(self, message: bytes) -> None:
        self.count += 1
        if self.record is None:
            return
        path = self.record / f"{self.count:06d}.hl7"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(message)
        tmp.replace(path)

    async def connection(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        buf = bytearray()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                buf += data
                while SB in buf and EB in buf[buf.index(SB):]:
                    start = buf.index(SB)
                    end = buf.index(EB, start)
                    message = bytes(buf[start + 1 : end])
                    del buf[: end + 2]
                    self.store(message)
                    if not await self.answer(message, writer):
                        return
        except (ConnectionError, OSError):
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def answer(self, message: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answer per the current mode; False means the connection must close."""
        mode = self.mode()
        if mode == "drop":
            return False
        if mode == "silent":
            await asyncio.sleep(3600)
            return False
        if mode == "garbage":
            writer.write(b"this is not HL7\r\n")
            await writer.drain()
            return False
        if mode == "slow":
            await asyncio.sleep(self.args.delay)
        code = {"ca": "CA", "nak-ae": "AE", "nak-ar": "AR"}.get(mode, "AA")
        ack = make_ack(message, code, control_id="NOT-" + msh_fields(message)[9][:14]
                       if mode == "wrong-id" and len(msh_fields(message)) > 9 else None)
        if mode == "drop-mid":
            writer.write(ack[: len(ack) // 2])
            await writer.drain()
            return False
        writer.write(ack)
        await writer.drain()
        return True


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=MODES, default="ack")
    parser.add_argument("--delay", type=float, default=5.0, help="seconds, for mode slow")
    parser.add_argument("--record", help="directory to write each received message to")
    parser.add_argument("--mode-file", help="file whose first word overrides --mode")
    args = parser.parse_args(argv)
    peer = Peer(args)
    server = await asyncio.start_server(peer.connection, args.host, args.port)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
