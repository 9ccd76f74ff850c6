"""REST: /api/auth (token) and /api/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from reporting.api.deps import CommitRoute, CurrentUser, SessionDep, SettingsDep
from reporting.audit import service as audit
from reporting.auth import service as auth
from reporting.core.errors import Unauthorized

router = APIRouter(prefix="/api", tags=["auth"], route_class=CommitRoute)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    username: str


class Me(BaseModel):
    id: str
    username: str
    role: str
    name: str


@router.post("/auth/token")
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    try:
        user = auth.authenticate(session, settings, form.username, form.password)
    except Unauthorized:
        # Keep the failure count (and the lock) even though the request fails.
        audit.record(session, audit.Actor(None, form.username[:64], "api"), "auth.login",
                     outcome="failure")
        session.commit()
        raise
    audit.record(session, audit.Actor(user.id, user.username), "auth.login")
    return Token(access_token=auth.issue_token(settings, user),
                 expires_in=settings.auth.token_minutes * 60, role=user.role,
                 username=user.username)


@router.get("/me")
def me(user: CurrentUser) -> Me:
    return Me(id=user.id, username=user.username, role=user.role, name=user.display_name)
