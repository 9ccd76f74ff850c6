"""One dictation WebSocket: an explicit state machine over receive / recognise / send.

States: ``connected`` (authenticated, waiting for ``start``) → ``streaming`` (audio
flows into a StreamingRecognizer; finals are saved to the report the moment they
arrive) → ``stopping`` (``stop`` received: everything already received is
transcribed) → back to ``connected``. A dropped socket while streaming still
transcribes and saves what was received, so no final is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session, sessionmaker

from reporting.asr.manager import AsrManager
from reporting.asr.pipeline import MIN_WORDS_PER_SPEECH_S, drop_echo
from reporting.asr.streaming import Final, Partial, RecognizerError, StreamingRecognizer
from reporting.asr.vocabulary import build_prompt, exam_terms
from reporting.core.errors import ReportingError
from reporting.dictation import commands as voice
from reporting.dictation import service as dictation
from reporting.dictation.audio import ENCODINGS, AudioFormatError, make_decoder
from reporting.dictation.text import to_written
from reporting.reports.service import Lifecycle
from reporting.templating.library import TemplateLibrary

log = logging.getLogger(__name__)
MAX_TEXT_MESSAGE = 64 * 1024


class State(Enum):
    CONNECTED = "connected"
    STREAMING = "streaming"
    STOPPING = "stopping"
    CLOSED = "closed"


@dataclass
class Stream:
    """What exists while audio flows: the recognizer, its decoder, its audio file."""

    session_id: str
    report_id: str
    recognizer: StreamingRecognizer
    decoder: Any
    audio_file: Any
    state: dictation.ReportState
    consumer: asyncio.Task[None] | None = None
    partial_seq: int = 0
    tail: str = ""  # recent text of the current field (the prompt's context)
    selected: tuple[str, Any] | None = None  # (field, pick list/blank span) to fill next
    stopped: asyncio.Event = field(default_factory=asyncio.Event)


class DictationConnection:
    """Runs one WebSocket connection for an authenticated user."""

    def __init__(self, websocket: WebSocket, *, user_id: str, username: str,
                 factory: sessionmaker[Session], life: Lifecycle, library: TemplateLibrary,
                 manager: AsrManager, audio_dir: Path) -> None:
        self.ws = websocket
        self.user_id = user_id
        self.username = username
        self.factory = factory
        self.life = life
        self.library = library
        self.manager = manager
        self.audio_dir = audio_dir
        self.state = State.CONNECTED
        self.stream: Stream | None = None
        self.seq = 0
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- sending ---------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        if self.state is State.CLOSED:
            return
        async with self._send_lock:
            try:
                await self.ws.send_json(message)
            except (WebSocketDisconnect, RuntimeError):
                self.state = State.CLOSED

    async def error(self, code: str, message: str) -> None:
        await self.send({"type": "error", "code": code, "message": message})

    # -- main loop -------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    await self.on_audio(message["bytes"])
                elif message.get("text") is not None:
                    await self.on_text(message["text"])
        except WebSocketDisconnect:
            pass
        finally:
            self.state = State.CLOSED
            await self._end_stream(interrupted=True)

    async def on_text(self, raw: str) -> None:
        if len(raw) > MAX_TEXT_MESSAGE:
            await self.error("bad_message", "text message too large")
            return
        try:
            message = json.loads(raw)
        except json.JSONDecodeError:
            await self.error("bad_json", "message is not valid JSON")
            return
        if not isinstance(message, dict):
            await self.error("bad_message", "message must be a JSON object")
            return
        kind = message.get("type")
        if kind == "start":
            await self.on_start(message)
        elif kind == "stop":
            await self.on_stop()
        elif kind == "command":
            await self.on_button(message)
        else:
            await self.error("unknown_message", f"unknown message type {kind!r}; expected "
                             "start, stop or command")

    # -- start / stop ----------------------------------------------------------------------

    async def on_start(self, message: dict[str, Any]) -> None:
        if self.state is not State.CONNECTED:
            await self.error("already_started", "a dictation is already running; send stop")
            return
        report_id = message.get("report_id")
        encoding = message.get("encoding", "pcm_s16le")
        rate = message.get("sample_rate", 16000)
        start_field = message.get("field")
        if not isinstance(report_id, str) or not report_id:
            await self.error("bad_message", "start needs report_id")
            return
        if encoding not in ENCODINGS:
            await self.error("bad_encoding", f"encoding must be one of {', '.join(ENCODINGS)}")
            return
        if encoding == "pcm_s16le" and rate != 16000:
            await self.error("bad_sample_rate", "pcm_s16le audio must be 16000 Hz mono")
            return
        if start_field is not None and not isinstance(start_field, str):
            await self.error("bad_message", "field must be a string")
            return
        try:
            self.manager.admit(f"ws-{id(self)}")
        except ReportingError as e:
            await self.error(e.code, e.message)
            return
        self.audio_dir.mkdir(parents=True, exist_ok=True)
        try:
            session_id, state = await asyncio.to_thread(
                dictation.start, self.factory, self.user_id, report_id,
                model=self.manager.model_name, audio_path="", start_field=start_field)
        except ReportingError as e:
            self.manager.release(f"ws-{id(self)}")
            await self.error(e.code, e.message)
            return
        path = self.audio_dir / f"{session_id}.{'pcm' if encoding == 'pcm_s16le' else 'webm'}"
        loop = asyncio.get_running_loop()

        def on_error(text: str) -> None:
            loop.call_soon_threadsafe(lambda: self._spawn(self.error("bad_audio", text)))

        holder: list[Stream] = []
        recognizer = StreamingRecognizer(
            self.manager, f"ws-{id(self)}", prompt=lambda: self._prompt(holder[0]),
            second_prompt=lambda text, speech_s: self._second_prompt(holder[0], text, speech_s))
        self.stream = Stream(session_id, report_id, recognizer,
                             make_decoder(encoding, on_error),
                             path.open("ab"), state)
        holder.append(self.stream)
        self.stream.tail = str(state.fields.get(state.current_field, ""))[-400:]
        self.stream.consumer = asyncio.create_task(self._consume(self.stream))
        self.state = State.STREAMING
        await self.send({"type": "ready", "session_id": session_id,
                         "model": self.manager.model_name, "sample_rate": 16000})
        await self.send(state.to_message())

    @staticmethod
    def _prompt(stream: Stream) -> str:
        """Radiology vocabulary for the stream's current field (it outlives `stop`), then
        what was said before: the field's saved text until this stream has finals, then
        the recognizer's own context, the recent finals as Whisper wrote them ("4
        centimeters", not "4 cm"). Never both: a sentence twice in the prompt makes Whisper
        copy it instead of hearing the next one."""
        saved = "" if stream.recognizer.context else stream.tail
        state = stream.state
        return build_prompt(state.current_field, state.modality, saved, exam_terms(state.exam))

    @staticmethod
    def _second_prompt(stream: Stream, heard: str, speech_s: float) -> str | None:
        """The prompt without the field's text, for a reading Whisper took from that text
        rather than from the audio: a copy of the field's last sentence (a sentence really
        said twice comes back the same and is kept), or a sentence that stops after a few
        words of a longer utterance (fewer than MIN_WORDS_PER_SPEECH_S words a second)."""
        said = (stream.tail, stream.recognizer.context)  # as saved, and as Whisper wrote it
        echo = any(text and drop_echo(heard, text) != heard for text in said)
        cut_short = len(heard.split()) < MIN_WORDS_PER_SPEECH_S * speech_s
        if not (echo or cut_short):
            return None
        state = stream.state
        return build_prompt(state.current_field, state.modality, "", exam_terms(state.exam))

    async def on_stop(self) -> None:
        if self.state is not State.STREAMING:
            await self.error("not_started", "no dictation is running")
            return
        await self._end_stream(interrupted=False)

    async def _end_stream(self, *, interrupted: bool) -> None:
        stream = self.stream
        if stream is None:
            return
        self.stream = None
        self.state = State.STOPPING if not interrupted else self.state
        try:
            rest = await asyncio.to_thread(stream.decoder.close)
        except Exception:
            rest = np.zeros(0, dtype=np.float32)
        if rest.size:
            with contextlib.suppress(RuntimeError):
                stream.recognizer.feed(rest)
        await stream.recognizer.finish()
        if stream.consumer is not None:
            await stream.consumer
        stream.audio_file.close()
        self.manager.release(f"ws-{id(self)}")
        status = "interrupted" if interrupted else "stopped"
        await asyncio.to_thread(
            dictation.finish, self.factory, stream.session_id, status=status,
            audio_seconds=stream.recognizer.audio_seconds,
            transcribed_seconds=stream.recognizer.transcribed_until)
        if not interrupted:
            self.state = State.CONNECTED
            await self.send({"type": "stopped",
                             "audio_seconds": round(stream.recognizer.audio_seconds, 3)})

    # -- audio -----------------------------------------------------------------------------

    async def on_audio(self, data: bytes) -> None:
        stream = self.stream
        if stream is None or self.state is not State.STREAMING:
            await self.error("not_started", "send a start message before audio")
            return
        stream.audio_file.write(data)
        try:
            samples = stream.decoder.feed(data)
        except AudioFormatError as e:
            await self.error("bad_audio", str(e))
            return
        if samples.size:
            stream.recognizer.feed(samples)

    # -- recognizer events -----------------------------------------------------------------

    async def _consume(self, stream: Stream) -> None:
        async for event in stream.recognizer.events():
            try:
                if isinstance(event, Partial):
                    await self._on_partial(stream, event)
                elif isinstance(event, Final):
                    await self._on_final(stream, event)
                elif isinstance(event, RecognizerError):
                    await self.error("recognition_failed", event.message)
            except ReportingError as e:
                await self.error(e.code, e.message)
            except Exception:  # one bad event must not end the session
                log.exception("dictation event failed (session %s)", stream.session_id)
                await self.error("internal_error", "an utterance could not be processed")

    async def _on_partial(self, stream: Stream, event: Partial) -> None:
        if not event.text.strip():
            return
        stream.partial_seq += 1
        preceding = str(stream.state.fields.get(stream.state.current_field, ""))
        await self.send({"type": "partial", "seq": stream.partial_seq,
                         "field": stream.state.current_field,
                         "text": to_written(event.text, preceding=preceding)})

    async def _on_final(self, stream: Stream, event: Final) -> None:
        if not event.text.strip():
            return
        heard, prompt = event.text, event.prompt or self._prompt(stream)
        outcome = await asyncio.to_thread(
            dictation.apply_final, self.factory, self.library,
            session_id=stream.session_id, user_id=self.user_id, report_id=stream.report_id,
            heard=heard, start=event.start, end=event.end, prompt=prompt,
            selected=stream.selected)
        stream.selected = None
        await self._report_outcome(stream, outcome, event.start, event.end)

    async def _report_outcome(self, stream: Stream | None, outcome: dictation.Outcome,
                              start: float = 0.0, end: float = 0.0) -> None:
        if stream is not None:
            stream.state = outcome.state
            if outcome.span is not None:
                stream.selected = (outcome.field, outcome.span)
            stream.tail = str(outcome.state.fields.get(outcome.state.current_field, ""))[-400:]
        if outcome.kind == "text":
            self.seq += 1
            await self.send({"type": "final", "seq": self.seq, "field": outcome.field,
                             "text": outcome.inserted, "start": round(start, 3),
                             "end": round(end, 3)})
        elif outcome.kind == "command" and outcome.command is not None:
            if outcome.error:
                code = "unknown_macro" if outcome.command.name == "macro" else "command_failed"
                await self.error(code, outcome.error)
                return
            await self.send(outcome.command_message())
            if outcome.command.name == "stop_dictation" and self.stream is stream:
                # Not awaited here: stopping waits for this very consumer to finish.
                self._spawn(self.on_stop())
        await self.send(outcome.state.to_message())

    # -- buttons ---------------------------------------------------------------------------

    async def on_button(self, message: dict[str, Any]) -> None:
        try:
            command = voice.command_from_message(message)
        except ValueError as e:
            await self.error("bad_command", str(e))
            return
        stream = self.stream
        report_id = stream.report_id if stream else message.get("report_id")
        if not isinstance(report_id, str):
            await self.error("not_started", "send start (or include report_id) first")
            return
        if command.name == "stop_dictation":
            await self.send(command.to_message())
            if stream is not None:
                await self.on_stop()
            return
        try:
            outcome = await asyncio.to_thread(
                dictation.apply_button, self.factory, self.library,
                session_id=stream.session_id if stream else None, user_id=self.user_id,
                report_id=report_id, command=command)
        except ReportingError as e:
            await self.error(e.code, e.message)
            return
        await self._report_outcome(stream, outcome)
