"""WebSocket /ws/dictation, POST /api/transcribe and the personal vocabulary API."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request, UploadFile, WebSocket
from sqlalchemy.orm import Session

from reporting.api.deps import CommitRoute, SessionDep, actor_of, require
from reporting.asr.manager import AsrManager
from reporting.asr.pipeline import transcribe_pipeline
from reporting.audit import service as audit
from reporting.auth import service as auth
from reporting.auth.models import User
from reporting.core.errors import InvalidInput, ReportingError
from reporting.dictation import service as dictation
from reporting.dictation.session import DictationConnection

router = APIRouter(tags=["dictation"], route_class=CommitRoute)


def asr_manager(app: Any) -> AsrManager:
    manager: AsrManager = app.state.asr
    return manager


def _token(websocket: WebSocket) -> str:
    token = websocket.query_params.get("token", "")
    header = websocket.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    return token


@router.websocket("/ws/dictation")
async def dictation_socket(websocket: WebSocket) -> None:
    """The dictation protocol of DESIGN.md ("Dictation WebSocket")."""
    app = websocket.app
    await websocket.accept()
    factory = app.state.sessionmaker

    def authenticate() -> User:
        with factory() as session:
            user = auth.user_from_token(session, app.state.settings, _token(websocket))
            session.expunge(user)
            return user

    try:
        user = await asyncio.to_thread(authenticate)
    except ReportingError as e:
        await websocket.send_json({"type": "error", "code": "unauthorized",
                                   "message": e.message})
        await websocket.close(code=4401)
        return
    manager = asr_manager(app)
    try:
        await asyncio.to_thread(manager.load)
    except ReportingError as e:
        await websocket.send_json({"type": "error", "code": "model_unavailable",
                                   "message": e.message})
        await websocket.close(code=1011)
        return
    connection = DictationConnection(
        websocket, user_id=user.id, username=user.username, factory=factory,
        life=app.state.lifecycle, library=app.state.templates, manager=manager,
        audio_dir=Path(app.state.settings.data_dir) / "audio",
    )
    await connection.run()


@router.post("/api/transcribe")
async def transcribe(
    request: Request, file: UploadFile, session: SessionDep,
    user: Annotated[User, require("dictate")],
    field: str | None = None, modality: str | None = None, exam: str = "",
) -> dict[str, Any]:
    """Transcribe a whole audio file (any format FFmpeg reads) as report text."""
    manager = asr_manager(request.app)
    with tempfile.NamedTemporaryFile(suffix=Path(file.filename or "a.wav").suffix) as tmp:
        tmp.write(await file.read())
        tmp.flush()
        try:
            result = await asyncio.to_thread(transcribe_path, manager, Path(tmp.name),
                                             field=field, modality=modality, exam=exam)
        except (ValueError, RuntimeError, OSError) as e:
            raise InvalidInput(f"audio could not be decoded: {e}", code="bad_audio") from e
    audit.record(session, actor_of(user), "transcribe", detail=f"{result['duration']:.1f} s")
    return result


def transcribe_path(manager: AsrManager, path: Path, *, field: str | None = None,
                    modality: str | None = None, exam: str = "") -> dict[str, Any]:
    """Whole-file recognition with the benchmarked radiology pipeline, as report text."""
    manager.load()
    second = manager.second_decoder
    result = transcribe_pipeline(path, decoder=manager.decoder, field=field, modality=modality,
                                 exam=exam, second=second)
    segments = [{"start": round(seg.start, 3), "end": round(seg.end, 3), "text": seg.text}
                for seg in result.segments]
    return {"text": result.text, "segments": segments, "duration": round(result.duration, 3),
            "model": manager.model_name,
            **({"second_model": manager.partial_model_name} if second is not None else {})}


@router.get("/api/vocabulary")
def list_vocabulary(session: SessionDep,
                    user: Annotated[User, require("vocabulary:personal")]) -> list[dict[str, Any]]:
    """What the system learned from your edits (e.g. "plural" → "pleural" near "effusion")."""
    return [{"id": r.id, "wrong": r.wrong, "right": r.right, "context": r.context or None,
             "count": r.count, "created_at": r.created_at.isoformat()}
            for r in dictation.list_vocabulary(session, user)]


@router.delete("/api/vocabulary/{entry_id}", status_code=204)
def delete_vocabulary(entry_id: str, session: SessionDep,
                      user: Annotated[User, require("vocabulary:personal")]) -> None:
    dictation.delete_vocabulary(session, user, entry_id)


def learning_hook(session: Session, report: Any, user: User, before: dict[str, Any],
                  after: dict[str, str]) -> None:
    """Registered on report edits: learn personal recognition fixes."""
    dictation.learn_from_edit(session, user, report, before, after)
