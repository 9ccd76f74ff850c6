"""Passwords, bearer tokens, login lock-out and user management."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporting.auth.models import Role, User
from reporting.core.config import Settings
from reporting.core.db import utcnow
from reporting.core.errors import Conflict, InvalidInput, NotFound, Unauthorized

_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps timing uniform.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8


class AccountLocked(Unauthorized):
    code = "account_locked"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    family_name: str = "",
    given_name: str = "",
    credentials: str = "",
) -> User:
    """Create a user; the username must be new and the role one of Role."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}")
    if not username or len(username) > 64:
        raise InvalidInput("username must have 1 to 64 characters")
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        family_name=family_name,
        given_name=given_name,
        credentials=credentials,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    user = get_by_username(session, username)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def get_by_username(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def authenticate(session: Session, settings: Settings, username: str, password: str) -> User:
    """Check a password; count failures and lock the account after too many."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        raise Unauthorized("incorrect username or password")
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(
            f"account locked after repeated failed logins; try again after "
            f"{user.locked_until.isoformat(timespec='minutes')}"
        )
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as e:
        user.failed_logins += 1
        if user.failed_logins >= settings.auth.max_failed_logins:
            user.locked_until = now + timedelta(minutes=settings.auth.lockout_minutes)
            user.failed_logins = 0
        session.flush()
        raise Unauthorized("incorrect username or password") from e
    if not user.active:
        raise Unauthorized("account disabled")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def issue_token(settings: Settings, user: User) -> str:
    now = utcnow()
    claims = {
        "sub": user.id,
        "role": user.role,
        "name": user.username,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.auth.token_minutes)).timestamp()),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def user_from_token(session: Session, settings: Settings, token: str) -> User:
    """Decode a bearer token and load its (still active) user."""
    try:
        claims: dict[str, Any] = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM])
    except jwt.ExpiredSignatureError as e:
        raise Unauthorized("token expired", code="token_expired") from e
    except jwt.PyJWTError as e:
        raise Unauthorized("invalid token") from e
    user = session.get(User, claims.get("sub"))
    if user is None or not user.active:
        raise Unauthorized("user no longer active")
    return user
