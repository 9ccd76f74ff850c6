from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Account


def login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/auth/token",
                       data={"username": username, "password": password}).status_code


def test_token_login_and_me(client: TestClient, accounts: dict[str, Account]) -> None:
    a = accounts["attending"]
    response = client.post("/api/auth/token", data={"username": "attending",
                                                     "password": a.password})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "attending"
    assert me.json()["role"] == "radiologist"


def test_bad_password_and_unknown_user(client: TestClient, accounts: dict[str, Account]) -> None:
    assert login(client, "attending", "wrong-password") == 401
    assert login(client, "nobody", "whatever-pass") == 401


def test_lockout_after_repeated_failures(client: TestClient, accounts: dict[str, Account]) -> None:
    for _ in range(5):
        assert login(client, "resident", "wrong-password") == 401
    # Locked now: even the right password is refused.
    response = client.post("/api/auth/token", data={"username": "resident",
                                                     "password": accounts["resident"].password})
    assert response.status_code == 401
    assert response.json()["code"] == "account_locked"
    # Other accounts are unaffected.
    assert login(client, "attending", accounts["attending"].password) == 200


def test_tampered_and_garbage_tokens(client: TestClient, accounts: dict[str, Account]) -> None:
    token = accounts["admin"].token
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, "garbage", ""):
        response = client.get("/api/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401
