"""MLLP listener over real sockets: concurrency, garbage, truncation, huge frames, encodings."""

from __future__ import annotations

import asyncio

import pytest
from hl7_messages import ADT_A08_231, OMI_O23_251, ORM_O01_231

from reporting.hl7.ack import build_ack, parse_ack
from reporting.hl7.er7 import decode_message
from reporting.hl7.errors import Hl7Error
from reporting.hl7.inbound import parse_inbound
from reporting.hl7.mllp import END_BLOCK, START_BLOCK, MllpServer, frame, send_mllp_async


class Recorder:
    """A handler like the lead's: keep the raw bytes, parse, answer AA/AE/AR."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def __call__(self, raw: bytes) -> bytes:
        self.raw.append(raw)
        try:
            msg = parse_inbound(raw)
        except Hl7Error as e:
            return build_ack(raw, e.ack_code, error=e).encode()
        if msg.control_id == "BOOM":
            raise RuntimeError("handler bug")
        return build_ack(msg, "AA").encode()


@pytest.fixture
async def server():
    rec = Recorder()
    srv = MllpServer(rec, "127.0.0.1", 0, max_frame_bytes=64 * 1024, idle_timeout=1.0)
    await srv.start()
    srv.recorder = rec  # type: ignore[attr-defined]
    try:
        yield srv
    finally:
        await srv.stop()


async def exchange(port: int, payload: bytes, *, timeout: float = 5.0) -> bytes:
    """Write raw bytes and read until one complete reply frame (or EOF)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        data = b""
        while END_BLOCK not in data:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        writer.close()


def reply_of(data: bytes):
    assert data.startswith(START_BLOCK)
    assert data.endswith(END_BLOCK)
    return parse_ack(data[1:-2])


async def test_answers_aa_and_echoes_control_id(server) -> None:
    reply = await send_mllp_async("127.0.0.1", server.port, ORM_O01_231)
    ack = parse_ack(reply)
    assert (ack.code, ack.control_id) == ("AA", "MSG00017")
    assert server.recorder.raw == [ORM_O01_231.encode()]


async def test_many_concurrent_connections(server) -> None:
    async def one(i: int) -> tuple[str, str]:
        msg = OMI_O23_251.replace("OMI-20261121-0042", f"OMI-{i:04d}")
        ack = parse_ack(await send_mllp_async("127.0.0.1", server.port, msg))
        return ack.code, ack.control_id

    results = await asyncio.gather(*(one(i) for i in range(60)))
    assert results == [("AA", f"OMI-{i:04d}") for i in range(60)]
    assert server.connections_total >= 60


async def test_several_messages_on_one_connection(server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(frame(ORM_O01_231) + frame(ADT_A08_231))
        await writer.drain()
        data = b""
        while data.count(END_BLOCK) < 2:
            data += await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()
    first, second = data.split(END_BLOCK)[:2]
    assert parse_ack(first[1:]).control_id == "MSG00017"
    assert parse_ack(second[1:]).control_id == "ADT-5501"


async def test_garbage_then_good_frame(server) -> None:
    data = await exchange(server.port, b"\x00\xffGET / HTTP/1.1\r\n\r\n" + frame(ADT_A08_231))
    assert reply_of(data).code == "AA"


async def test_unparseable_frame_gets_ar_and_listener_survives(server) -> None:
    data = await exchange(server.port, frame(b"\x01\x02 not hl7 \xff"))
    assert reply_of(data).code == "AR"
    data = await exchange(server.port, frame(ADT_A08_231))
    assert reply_of(data).code == "AA"


async def test_truncated_frame_then_good_frame(server) -> None:
    truncated = START_BLOCK + ORM_O01_231.encode()[:120]
    data = await exchange(server.port, truncated + frame(ADT_A08_231))
    ack = reply_of(data)
    assert (ack.code, ack.control_id) == ("AA", "ADT-5501")
    assert server.recorder.raw == [ADT_A08_231.encode()]


async def test_connection_closed_mid_frame_is_harmless(server) -> None:
    _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(START_BLOCK + ORM_O01_231.encode()[:200])
    await writer.drain()
    writer.close()
    await asyncio.sleep(0.05)
    data = await exchange(server.port, frame(ADT_A08_231))
    assert reply_of(data).code == "AA"
    assert server.recorder.raw == [ADT_A08_231.encode()]


async def test_huge_frame_answered_ar_and_closed(server) -> None:
    huge = ORM_O01_231.replace("Patient claustrophobic", "x" * 200_000)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(frame(huge))
        await writer.drain()
    except ConnectionError:
        pass  # the server may close while we still write
    data = b""
    while True:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), 5)
        except ConnectionError:
            break
        if not chunk:
            break
        data += chunk
    writer.close()
    ack = reply_of(data)
    assert (ack.code, ack.control_id) == ("AR", "MSG00017")
    assert "larger than" in ack.text
    assert server.recorder.raw == []
    data = await exchange(server.port, frame(ADT_A08_231))
    assert reply_of(data).code == "AA"


async def test_non_utf8_bytes_are_decoded(server) -> None:
    latin1 = ORM_O01_231.encode("latin-1")  # MSH-18 8859/1, "Jörg" as a single byte
    data = await exchange(server.port, frame(latin1))
    assert reply_of(data).code == "AA"
    assert parse_inbound(server.recorder.raw[-1]).patient.given == "Jörg"
    # No MSH-18 and invalid UTF-8: latin-1 fallback, still accepted.
    weird = ADT_A08_231.encode("utf-8").replace("Müller".encode(), b"M\xfcller\xff")
    data = await exchange(server.port, frame(weird))
    assert reply_of(data).code == "AA"
    assert decode_message(weird).count("Müller") == 1


async def test_handler_exception_becomes_ar(server) -> None:
    data = await exchange(server.port, frame(ADT_A08_231.replace("ADT-5501", "BOOM")))
    ack = reply_of(data)
    assert (ack.code, ack.control_id) == ("AR", "BOOM")
    data = await exchange(server.port, frame(ADT_A08_231))
    assert reply_of(data).code == "AA"


async def test_semantic_error_gets_ae_with_err(server) -> None:
    bad = ORM_O01_231.replace("|NGH26-001234|", "||")
    ack = parse_ack(await send_mllp_async("127.0.0.1", server.port, bad))
    assert (ack.code, ack.error_code) == ("AE", "101")
    assert ack.error_location.startswith("OBR^1^18")


async def test_idle_connection_is_closed(server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        eof = await asyncio.wait_for(reader.read(100), 5)  # idle_timeout is 1 s
    finally:
        writer.close()
    assert eof == b""


async def test_stop_and_restart_on_same_loop() -> None:
    srv = MllpServer(Recorder(), "127.0.0.1", 0, max_frame_bytes=1024 * 1024)
    await srv.start()
    port = srv.port
    await srv.stop()
    assert not srv.running
    srv2 = MllpServer.from_listen(Recorder(), f"127.0.0.1:{port}")
    async with srv2:
        assert parse_ack(await send_mllp_async("127.0.0.1", port, ADT_A08_231)).code == "AA"
