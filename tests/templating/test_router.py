"""Templates and macros through the API, wired into real reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reporting.app import create_app
from tests.conftest import ROOT, Account, make_settings, study_body


def new_report(client: TestClient, accounts: dict[str, Account], **study: object) -> dict:
    s = client.post("/api/studies", json=study_body(**study), headers=accounts["engine"].headers)
    assert s.status_code == 201, s.text
    r = client.post("/api/reports", json={"study_id": s.json()["id"]},
                    headers=accounts["attending"].headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_templates_listed_and_selected_by_procedure_code(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    doc = accounts["attending"]
    listed = client.get("/api/templates", headers=doc.headers).json()
    ids = {t["id"] for t in listed}
    assert len(ids) >= 12
    report = new_report(client, accounts, procedure_code="71275", modality="CT",
                        procedure_description="CTA CHEST PE PROTOCOL")
    assert report["template_id"] in ids
    assert "pulmonary" in report["template_id"] or "pe" in report["template_id"]
    xr = new_report(client, accounts, accession="X2", procedure_code="XRCHEST2V",
                    modality="CR", body_part="CHEST", procedure_description="XR CHEST 2 VIEWS")
    assert xr["template_id"] != report["template_id"]
    fields = [f["id"] for f in report["field_order"]]
    assert "findings" in fields and "impression" in fields


def test_macro_expansion_by_api_with_fuzzy_name_and_pick_lists(
    client: TestClient, accounts: dict[str, Account]
) -> None:
    doc = accounts["attending"]
    report = new_report(client, accounts, accession="X3", procedure_code="XRCHEST2V",
                        modality="CR", procedure_description="XR CHEST 2 VIEWS")
    r = client.post(f"/api/reports/{report['id']}/macros",
                    json={"name": "plural effusion", "field": "findings"}, headers=doc.headers)
    assert r.status_code == 200, r.text
    findings = r.json()["fields"]["findings"]
    assert "[Small|Moderate|Large]" in findings
    assert r.json()["current_field"] == "findings"
    unknown = client.post(f"/api/reports/{report['id']}/macros",
                          json={"name": "zebra crossing"}, headers=doc.headers)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_macro"
    # Unresolved pick lists block signing, located in their field.
    sign = client.post(f"/api/reports/{report['id']}/sign", headers=doc.headers)
    assert sign.status_code == 422
    assert any(i["field"] == "findings" and "pick list" in i["message"]
               for i in sign.json()["issues"])


def test_personal_macros_crud_and_precedence(client: TestClient,
                                             accounts: dict[str, Account]) -> None:
    doc, other = accounts["attending"], accounts["attending2"]
    body = {"name": "my normal knee", "aliases": ["knee fine"], "text": "Normal knee MRI.",
            "scope": {"modalities": ["MR"]}, "field": "findings"}
    assert client.post("/api/macros", json=body, headers=doc.headers).status_code == 201
    assert client.post("/api/macros", json=body, headers=doc.headers).status_code == 409
    mine = client.get("/api/macros", params={"modality": "MR"}, headers=doc.headers).json()
    assert any(m["name"] == "my normal knee" and m["source"] == "personal" for m in mine)
    theirs = client.get("/api/macros", params={"modality": "MR"}, headers=other.headers).json()
    assert not any(m["name"] == "my normal knee" for m in theirs)
    put = client.put("/api/macros/my normal knee", json={**body, "text": "Unremarkable."},
                     headers=doc.headers)
    assert put.status_code == 200 and put.json()["text"] == "Unremarkable."
    bad = client.post("/api/macros", json={"name": "x", "text": "[unclosed"},
                      headers=doc.headers)
    assert bad.status_code == 422
    assert client.delete("/api/macros/my normal knee", headers=doc.headers).status_code == 204
    assert client.delete("/api/macros/my normal knee", headers=doc.headers).status_code == 404


def test_template_edit_does_not_change_existing_report(
    sqlite_url: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    settings = make_settings(sqlite_url, tmp_path, templates_dir=templates)
    app = create_app(settings)
    from reporting.auth import service as auth

    with app.state.sessionmaker() as session:
        doc = auth.create_user(session, username="doc", role="radiologist",
                               password="doc-password", family_name="Doc")
        engine = auth.create_user(session, username="eng", role="integration",
                                  password="eng-password")
        session.commit()
        h_doc = {"Authorization": f"Bearer {auth.issue_token(settings, doc)}"}
        h_eng = {"Authorization": f"Bearer {auth.issue_token(settings, engine)}"}
    with TestClient(app) as client:
        s = client.post("/api/studies", json=study_body(procedure_code="71250"), headers=h_eng)
        report = client.post("/api/reports", json={"study_id": s.json()["id"]},
                             headers=h_doc).json()
        path = templates / f"{report['template_id']}.j2"
        source = path.read_text()
        assert "IMPRESSION" in source
        path.write_text(source.replace("IMPRESSION", "CONCLUSION"))
        client.post("/api/templates/reload", headers=h_eng)  # forbidden for integration
        r = client.patch(f"/api/reports/{report['id']}",
                         json={"version": report["version"],
                               "fields": {"impression": "Stable."}}, headers=h_doc)
        assert r.status_code == 200
        signed = client.post(f"/api/reports/{report['id']}/sign", headers=h_doc,
                             json={"override_reason": "reviewed"}).json()
        assert "IMPRESSION:" in signed["versions"][0]["text"]
        assert "CONCLUSION" not in signed["versions"][0]["text"]
        s2 = client.post("/api/studies", json=study_body(accession="N2", procedure_code="71250"),
                         headers=h_eng)
        app.state.templates.reload_if_changed(force=True)
        newer = client.post("/api/reports", json={"study_id": s2.json()["id"]},
                            headers=h_doc).json()
        assert newer["template_id"] == report["template_id"]
        full = client.get(f"/api/templates/{report['template_id']}", headers=h_doc).json()
        assert "CONCLUSION" not in signed["versions"][0]["text"]
        assert full["content_hash"] != ""


@pytest.mark.parametrize("role", ["typist", "engine"])
def test_roles_on_macros(client: TestClient, accounts: dict[str, Account], role: str) -> None:
    r = client.post("/api/macros", json={"name": "n", "text": "t"}, headers=accounts[role].headers)
    assert r.status_code == (201 if role == "typist" else 403)
