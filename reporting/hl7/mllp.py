"""MLLP transport: framing, the asyncio listener (`MllpServer`) and clients.

Clients: `send_mllp` opens a connection per message; `MllpConnection` keeps one open and
sends one message at a time over it (the delivery worker reuses it across messages).

A frame is 0x0B, the message bytes, then 0x1C 0x0D. The listener never lets one bad
peer hurt another: garbage outside frames is skipped, a frame cut short by a new start
block is dropped, an oversized frame is answered with AR and the connection closed, a
handler error becomes AR, and idle connections are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import socket
import time
from collections.abc import Awaitable, Callable

from reporting.hl7.ack import build_ack
from reporting.hl7.errors import APPLICATION_INTERNAL_ERROR, Hl7Error

log = logging.getLogger(__name__)

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
_READ_CHUNK = 64 * 1024

Handler = Callable[[bytes], Awaitable[bytes]]


class MllpError(Exception):
    """A transport failure talking MLLP; `code` is timeout, connection_refused or dropped.

    `stale` marks a reused connection that the peer had closed: the message was written but
    no reply byte came back, so sending it again on a new connection is the right next step.
    """

    def __init__(self, code: str, detail: str, *, stale: bool = False) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.stale = stale


def frame(message: str | bytes, encoding: str = "utf-8") -> bytes:
    """Wrap a message in an MLLP frame (segments separated by CR)."""
    data = message.encode(encoding) if isinstance(message, str) else message
    return START_BLOCK + data + END_BLOCK


class FrameTooLarge(Exception):
    """The peer's frame passed max_frame_bytes; `partial` holds what was read."""

    def __init__(self, partial: bytes) -> None:
        super().__init__(f"frame larger than allowed ({len(partial)} bytes read)")
        self.partial = partial


class FrameReader:
    """Incremental MLLP deframer: feed bytes, take complete messages."""

    def __init__(self, max_frame_bytes: int) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buf = bytearray()
        self._in_frame = False
        self.discarded = 0  # bytes skipped outside frames or in cut-short frames

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the complete messages now available (raises FrameTooLarge)."""
        messages: list[bytes] = []
        self._buf += data
        while True:
            if not self._in_frame:
                start = self._buf.find(START_BLOCK)
                if start < 0:
                    self.discarded += len(self._buf)
                    self._buf.clear()
                    break
                self.discarded += start
                del self._buf[: start + 1]
                self._in_frame = True
            end = self._buf.find(END_BLOCK)
            restart = self._buf.find(START_BLOCK)
            if 0 <= restart and (end < 0 or restart < end):
                # A new frame began before this one ended: the first was truncated.
                log.warning("MLLP frame truncated by a new start block; %d bytes dropped",
                            restart)
                self.discarded += restart
                del self._buf[: restart + 1]
                continue
            if end < 0:
                if len(self._buf) > self.max_frame_bytes:
                    partial = bytes(self._buf)
                    self._buf.clear()
                    self._in_frame = False
                    raise FrameTooLarge(partial)
                break
            message = bytes(self._buf[:end])
            del self._buf[: end + len(END_BLOCK)]
            self._in_frame = False
            if len(message) > self.max_frame_bytes:
                raise FrameTooLarge(message)
            messages.append(message)
        return messages

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame held in the buffer."""
        return len(self._buf) if self._in_frame else 0


class MllpServer:
    """An asyncio MLLP listener: each framed message goes to `handler`, its reply goes back."""

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 2575,
        *,
        max_frame_bytes: int = 4 * 1024 * 1024,
        idle_timeout: float = 300.0,
        handler_timeout: float = 60.0,
    ) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.max_frame_bytes = max_frame_bytes
        self.idle_timeout = idle_timeout
        self.handler_timeout = handler_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.messages_handled = 0
        self.connections_total = 0

    @classmethod
    def from_listen(cls, handler: Handler, listen: str, **kwargs: float | int) -> MllpServer:
        """Build from a "host:port" setting (Hl7Settings.listen)."""
        host, sep, port = listen.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"HL7 listen address must be host:port, not {listen!r}")
        return cls(handler, host.strip("[]") or "127.0.0.1", int(port), **kwargs)  # type: ignore[arg-type]

    async def start(self) -> None:
        """Bind and start serving on the running loop (port 0 picks a free port)."""
        if self._server is not None:
            raise RuntimeError("MLLP server already started")
        self._server = await asyncio.start_server(self._on_connection, self.host, self.port,
                                                  limit=_READ_CHUNK)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        log.info("MLLP listener on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop accepting, close open connections and wait for them to finish."""
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> MllpServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    async def _on_connection(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self.connections_total += 1
        peer = writer.get_extra_info("peername")
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass
        except (ConnectionError, OSError) as e:
            log.info("MLLP connection from %s ended: %s", peer, e)
        except Exception:  # a bug must never take the listener down
            log.exception("MLLP connection from %s failed", peer)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frames = FrameReader(self.max_frame_bytes)
        while True:
            try:
                data = await asyncio.wait_for(reader.read(_READ_CHUNK), self.idle_timeout)
            except TimeoutError:
                log.info("MLLP connection idle for %.0f s; closing", self.idle_timeout)
                return
            if not data:
                if frames.pending:
                    log.warning("MLLP connection closed mid-frame; %d bytes dropped",
                                frames.pending)
                return
            try:
                messages = frames.feed(data)
            except FrameTooLarge as e:
                log.warning("MLLP frame over %d bytes; answering AR and closing",
                            self.max_frame_bytes)
                error = Hl7Error("AR", f"message larger than {self.max_frame_bytes} bytes",
                                 "MSH", APPLICATION_INTERNAL_ERROR)
                ack = build_ack(e.partial[:65536], "AR", error=error)
                writer.write(frame(ack))
                await writer.drain()
                return
            for message in messages:
                reply = await self._handle(message)
                if reply:
                    writer.write(frame(reply))
                    await writer.drain()

    async def _handle(self, message: bytes) -> bytes:
        self.messages_handled += 1
        try:
            return await asyncio.wait_for(self.handler(message), self.handler_timeout)
        except Exception as e:
            # Nothing was acknowledged as stored: AR asks the sender to send it again.
            log.exception("HL7 handler failed")
            error = Hl7Error("AR", f"message could not be processed ({type(e).__name__})",
                             "", APPLICATION_INTERNAL_ERROR)
            return build_ack(message, "AR", error=error).encode("utf-8")


async def send_mllp_async(
    host: str,
    port: int,
    message: str | bytes,
    *,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
    max_reply_bytes: int = 1024 * 1024,
) -> bytes:
    """Send one framed message and return the reply message bytes (without framing)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                connect_timeout)
    except TimeoutError as e:
        raise MllpError("timeout", f"connect to {host}:{port} timed out "
                        f"after {connect_timeout:g} s") from e
    except ConnectionRefusedError as e:
        raise MllpError("connection_refused", f"{host}:{port} refused the connection") from e
    except OSError as e:
        raise MllpError("connection_refused", f"cannot connect to {host}:{port}: {e}") from e
    try:
        writer.write(frame(message))
        await writer.drain()
        frames = FrameReader(max_reply_bytes)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + read_timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            data = await asyncio.wait_for(reader.read(_READ_CHUNK), remaining)
            if not data:
                raise MllpError("dropped", f"{host}:{port} closed the connection before "
                                "a complete acknowledgment")
            replies = frames.feed(data)
            if replies:
                return replies[0]
    except TimeoutError as e:
        raise MllpError("timeout", f"no acknowledgment from {host}:{port} "
                        f"within {read_timeout:g} s") from e
    except FrameTooLarge as e:
        raise MllpError("dropped", f"acknowledgment larger than {max_reply_bytes} bytes") from e
    except (ConnectionError, OSError) as e:
        raise MllpError("dropped", f"connection to {host}:{port} failed: {e}") from e
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 2)


def send_mllp(
    host: str,
    port: int,
    message: str | bytes,
    *,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
) -> bytes:
    """Blocking `send_mllp_async` for code without an event loop (raises MllpError)."""
    return asyncio.run(send_mllp_async(host, port, message, connect_timeout=connect_timeout,
                                       read_timeout=read_timeout))


class MllpConnection:
    """A blocking MLLP client connection kept open across messages, one exchange at a time.

    Any failure closes the socket, so a late or stray reply can never be read as the answer
    to the next message; the next `exchange` connects again.
    """

    def __init__(self, host: str, port: int, *, connect_timeout: float = 10.0,
                 read_timeout: float = 30.0, max_reply_bytes: int = 1024 * 1024) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_reply_bytes = max_reply_bytes
        self._sock: socket.socket | None = None
        self.exchanges = 0  # completed exchanges on the current socket
        self.connects = 0  # sockets opened over this object's life

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def connect(self) -> None:
        """Open the socket (raises MllpError timeout / connection_refused)."""
        self.close()
        try:
            sock = socket.create_connection((self.host, self.port), self.connect_timeout)
        except TimeoutError as e:
            raise MllpError("timeout", f"connect to {self.host}:{self.port} timed out "
                            f"after {self.connect_timeout:g} s") from e
        except ConnectionRefusedError as e:
            raise MllpError("connection_refused",
                            f"{self.host}:{self.port} refused the connection") from e
        except OSError as e:
            raise MllpError("connection_refused",
                            f"cannot connect to {self.host}:{self.port}: {e}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.exchanges = 0
        self.connects += 1

    def healthy(self) -> bool:
        """True while the open socket has nothing to read: no close, reset or stray bytes."""
        if self._sock is None:
            return False
        # Between exchanges the peer owes us nothing: readable means closed or out of step.
        try:
            if hasattr(select, "poll"):  # no FD_SETSIZE limit, unlike select()
                poller = select.poll()
                poller.register(self._sock, select.POLLIN | select.POLLERR | select.POLLHUP)
                return not poller.poll(0)
            readable, _, _ = select.select([self._sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def exchange(self, message: str | bytes) -> bytes:
        """Send one framed message and return the reply message (raises MllpError)."""
        reused = self._sock is not None
        if reused and not self.healthy():
            self.close()
            reused = False
        if self._sock is None:
            self.connect()
        sock = self._sock
        assert sock is not None
        got_reply_bytes = False
        try:
            sock.settimeout(self.read_timeout)
            sock.sendall(frame(message))
            frames = FrameReader(self.max_reply_bytes)
            deadline = time.monotonic() + self.read_timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)
                data = sock.recv(_READ_CHUNK)
                if not data:
                    raise MllpError("dropped", f"{self.host}:{self.port} closed the connection "
                                    "before a complete acknowledgment",
                                    stale=reused and not got_reply_bytes)
                got_reply_bytes = True
                replies = frames.feed(data)
                if replies:
                    if len(replies) > 1 or frames.pending:
                        # More than one answer to one message: the stream is out of step.
                        self.close()
                    else:
                        self.exchanges += 1
                    return replies[0]
        except MllpError:
            self.close()
            raise
        except TimeoutError as e:
            self.close()
            raise MllpError("timeout", f"no acknowledgment from {self.host}:{self.port} "
                            f"within {self.read_timeout:g} s") from e
        except FrameTooLarge as e:
            self.close()
            raise MllpError("dropped",
                            f"acknowledgment larger than {self.max_reply_bytes} bytes") from e
        except (ConnectionError, OSError) as e:
            self.close()
            raise MllpError("dropped", f"connection to {self.host}:{self.port} failed: {e}",
                            stale=reused and not got_reply_bytes) from e

    def close(self) -> None:
        """Close the socket (the next exchange connects again)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> MllpConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
