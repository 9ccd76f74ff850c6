"""Walk every API route with every role and assert the allowed/denied matrix."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account

R, RES, TX, TA, ADM, INT = ("attending", "resident", "typist", "author", "admin", "engine")
EVERYONE = {R, RES, TX, TA, ADM, INT}

# The expected matrix, written out independently of reporting.auth.permissions.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/studies"): {ADM, INT},
    ("GET", "/api/studies"): {R, RES, TX, ADM, INT},
    ("GET", "/api/studies/{study_id}"): {R, RES, TX, ADM, INT},
    ("GET", "/api/studies/{study_id}/priors"): {R, RES, TX, ADM, INT},
    ("GET", "/api/worklist"): {R, RES, TX, ADM},
    ("POST", "/api/studies/{study_id}/claim"): {R, RES},
    ("DELETE", "/api/studies/{study_id}/claim"): {R, RES, ADM},
    ("POST", "/api/reports"): {R, RES, TX},
    ("GET", "/api/reports/{report_id}"): {R, RES, TX, ADM, INT},
    ("PATCH", "/api/reports/{report_id}"): {R, RES, TX},
    ("GET", "/api/reports/{report_id}/checks"): {R, RES, TX, ADM, INT},
    ("POST", "/api/reports/{report_id}/sign"): {R, RES},
    ("POST", "/api/reports/{report_id}/addenda"): {R},
    ("GET", "/api/audit"): {ADM},
    ("GET", "/api/audit/verify"): {ADM},
    ("GET", "/api/me"): EVERYONE,
    ("GET", "/api/templates"): {R, RES, TX, TA, ADM},
    ("GET", "/api/templates/{template_id}"): {R, RES, TX, TA, ADM},
    ("POST", "/api/templates/reload"): {TA, ADM},
    ("GET", "/api/macros"): {R, RES, TX, TA, ADM},
    ("POST", "/api/macros"): {R, RES, TX, TA},
    ("PUT", "/api/macros/{name}"): {R, RES, TX, TA},
    ("DELETE", "/api/macros/{name}"): {R, RES, TX, TA},
    ("POST", "/api/reports/{report_id}/macros"): {R, RES, TX},
    ("POST", "/api/transcribe"): {R, RES, TX},
    ("GET", "/api/vocabulary"): {R, RES, TX},
    ("DELETE", "/api/vocabulary/{entry_id}"): {R, RES, TX},
    ("GET", "/api/reports/{report_id}/pdf"): {R, RES, TX, ADM, INT},
    ("GET", "/api/reports/{report_id}/sr"): {R, RES, TX, ADM, INT},
    ("GET", "/api/reports/{report_id}/hl7"): {R, RES, TX, ADM, INT},
    ("GET", "/api/reports/{report_id}/fhir"): {R, RES, TX, ADM, INT},
    ("GET", "/api/reports/{report_id}/deliveries"): {R, RES, ADM, INT},
    ("GET", "/api/deliveries"): {R, RES, ADM, INT},
    ("GET", "/api/deliveries/{delivery_id}"): {R, RES, ADM, INT},
    ("POST", "/api/deliveries/{delivery_id}/retry"): {ADM},
    ("GET", "/api/hl7/inbound"): {ADM, INT},
    ("GET", "/api/hl7/inbound/{inbound_id}"): {ADM, INT},
    ("POST", "/api/hl7/inbound/{inbound_id}/reprocess"): {ADM},
}
PUBLIC = {("POST", "/api/auth/token"), ("GET", "/api/config")}


def api_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) under /api, read from the app's own OpenAPI schema."""
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return sorted((m.upper(), p) for p, ops in paths.items() if p.startswith("/api")
                  for m in ops)


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    routes = set(api_routes(client)) - PUBLIC
    assert routes - set(EXPECTED) == set(), "new routes need an entry in the role matrix"


@pytest.mark.parametrize("role_user", sorted(EVERYONE))
def test_role_matrix(client: TestClient, accounts: dict[str, Account], role_user: str) -> None:
    account = accounts[role_user]
    checked = 0
    for method, path in api_routes(client):
        if (method, path) in PUBLIC or (method, path) not in EXPECTED:
            continue
        url = re.sub(r"\{[a-z_]+\}", "no-such", path)
        response = client.request(method, url, headers=account.headers, json={})
        allowed = role_user in EXPECTED[(method, path)]
        if allowed:
            assert response.status_code != 403, (method, path, role_user, response.json())
            assert response.status_code < 500, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, role_user, response.status_code)
            assert response.json()["code"] == "forbidden"
        checked += 1
    assert checked == len(EXPECTED)


def test_no_token_is_401(client: TestClient) -> None:
    for method, path in api_routes(client):
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{[a-z_]+\}", "x", path)
        response = client.request(method, url)
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"].startswith("application/problem+json")
