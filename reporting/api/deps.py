"""Request dependencies as Annotated aliases: settings, DB session, current user."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from reporting.audit import service as audit
from reporting.auth import service as auth
from reporting.auth.models import User
from reporting.auth.permissions import PERMISSIONS
from reporting.core.config import Settings
from reporting.core.errors import Forbidden, Unauthorized

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work; CommitRoute commits it before the response goes out."""
    session: Session = request.app.state.sessionmaker()
    request.state.db = session
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


class CommitRoute(APIRoute):
    """Commit at the edge: commit after the handler succeeded, roll back when it raised."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def commit_or_rollback(request: Request) -> Response:
            try:
                response = await handler(request)
            except BaseException:
                session = getattr(request.state, "db", None)
                if session is not None:
                    session.rollback()
                raise
            session = getattr(request.state, "db", None)
            if session is not None:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            return response

        return commit_or_rollback


def get_current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    if not token:
        raise Unauthorized("missing bearer token")
    user = auth.user_from_token(session, settings, token)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def actor_of(user: User, channel: str = "api") -> audit.Actor:
    return audit.Actor(user_id=user.id, username=user.username, channel=channel)


def require(permission: str) -> Any:
    """Dependency that lets only the roles holding `permission` through (403 otherwise)."""
    roles = PERMISSIONS[permission]

    def check(request: Request, session: SessionDep, user: CurrentUser) -> User:
        if user.role not in roles:
            # Committed now: the request itself fails and is rolled back.
            audit.record(
                session, actor_of(user), "access_denied", outcome="denied",
                detail=f"{request.method} {request.url.path} needs {permission}",
            )
            session.commit()
            raise Forbidden(f"role {user.role!r} may not {permission.replace(':', ' ')}")
        return user

    return Depends(check)
