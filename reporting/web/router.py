"""The reading-station page: static files shipped in the package, and its public config."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse

from reporting.core.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent / "static"
PUSH_TO_TALK_KEY = "F4"
"""Default push-to-talk key; each workstation may change it in the page's settings."""

_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}
# The page loads nothing from elsewhere: scripts, styles and sockets stay on this origin.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; media-src 'self' blob:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'")
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": _CSP, "Referrer-Policy": "no-referrer"}

router = APIRouter(tags=["web"])


def static_file(relative: str) -> Path:
    """The shipped file at `relative` under static/; NotFound for anything outside it."""
    path = (STATIC_DIR / relative).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise NotFound(f"no static file {relative!r}")
    return path


def _file_response(path: Path) -> FileResponse:
    media_type = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers=_HEADERS)


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The reading station (single page)."""
    return _file_response(static_file("index.html"))


@router.get("/static/{relative:path}", include_in_schema=False)
def static(relative: str) -> FileResponse:
    """A script, stylesheet or image of the page."""
    return _file_response(static_file(relative))


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    return RedirectResponse("/static/icon.svg")


@router.get("/api/config")
def page_config(request: Request) -> dict[str, object]:
    """Public settings the page needs before login (no patient data, no auth)."""
    settings = request.app.state.settings
    return {
        "idle_lock_minutes": settings.idle_lock_minutes,
        "push_to_talk_key": PUSH_TO_TALK_KEY,
        "dictation": {"path": "/ws/dictation", "sample_rate": 16000, "encoding": "pcm_s16le"},
        "worklist_poll_seconds": 5,
        "version": request.app.version,
    }
