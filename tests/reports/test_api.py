"""The REST flow of DESIGN.md: create study → report → edit → sign → addendum."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Account, study_body


def new_report(client: TestClient, accounts: dict[str, Account], author: str = "attending",
               **study: object) -> dict:
    s = client.post("/api/studies", json=study_body(**study), headers=accounts["engine"].headers)
    r = client.post("/api/reports", json={"study_id": s.json()["id"]},
                    headers=accounts[author].headers)
    assert r.status_code == 201, r.text
    return r.json()


def edit(client: TestClient, who: Account, report: dict, **fields: str) -> dict:
    r = client.patch(f"/api/reports/{report['id']}",
                     json={"version": report["version"], "fields": fields}, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_full_flow(client: TestClient, accounts: dict[str, Account]) -> None:
    doc = accounts["attending"]
    report = new_report(client, accounts)
    assert report["status"] == "draft"
    assert report["fields"]["clinical_information"] == "Cough."
    assert report["fields"]["comparison"] == "None."
    report = edit(client, doc, report, findings="Lungs are clear.",
                  impression="No acute disease.")
    signed = client.post(f"/api/reports/{report['id']}/sign", headers=doc.headers).json()
    assert signed["status"] == "final"
    assert len(signed["versions"]) == 1
    assert "Lungs are clear." in signed["versions"][0]["text"]
    # Signed: edits are refused and nothing changes.
    stale = client.patch(f"/api/reports/{report['id']}",
                         json={"version": signed["version"], "fields": {"findings": "x"}},
                         headers=doc.headers)
    assert stale.status_code == 409
    assert stale.json()["code"] == "report_signed"
    amended = client.post(f"/api/reports/{report['id']}/addenda",
                          json={"text": "Discussed with Dr Rivera.", "sign": True},
                          headers=doc.headers).json()
    assert amended["status"] == "amended"
    assert [v["status"] for v in amended["versions"]] == ["final", "amended"]
    assert amended["versions"][0]["text"] == signed["versions"][0]["text"]
    assert "ADDENDUM 1:" in amended["versions"][1]["text"]
    assert amended["fields"]["findings"] == "Lungs are clear."


def test_stale_version_409_loses_nothing(client: TestClient,
                                         accounts: dict[str, Account]) -> None:
    doc = accounts["attending"]
    report = new_report(client, accounts)
    first = edit(client, doc, report, findings="First edit.")
    late = client.patch(f"/api/reports/{report['id']}",
                        json={"version": report["version"], "fields": {"findings": "Late."}},
                        headers=doc.headers)
    assert late.status_code == 409
    assert late.json()["current_version"] == first["version"]
    now = client.get(f"/api/reports/{report['id']}", headers=doc.headers).json()
    assert now["fields"]["findings"] == "First edit."


def test_resident_then_attending(client: TestClient, accounts: dict[str, Account]) -> None:
    res, doc = accounts["resident"], accounts["attending"]
    report = new_report(client, accounts, author="resident")
    report = edit(client, res, report, findings="Small nodule.", impression="Nodule.")
    prelim = client.post(f"/api/reports/{report['id']}/sign", headers=res.headers).json()
    assert prelim["status"] == "preliminary"
    # The resident cannot sign again or edit; the attending edits and co-signs.
    again = client.post(f"/api/reports/{report['id']}/sign", headers=res.headers)
    assert again.status_code == 409
    denied = client.patch(f"/api/reports/{report['id']}",
                          json={"version": prelim["version"], "fields": {"findings": "x"}},
                          headers=res.headers)
    assert denied.status_code == 409
    prelim = edit(client, doc, prelim, impression="4 mm nodule; no follow-up needed.")
    final = client.post(f"/api/reports/{report['id']}/sign", headers=doc.headers).json()
    assert final["status"] == "final"
    assert [v["status"] for v in final["versions"]] == ["preliminary", "final"]
    assert final["resident"] == "resident" and final["attending"] == "attending"
    assert "no follow-up" in final["versions"][1]["text"]
    assert "no follow-up" not in final["versions"][0]["text"]


def test_transcriptionist_edits_but_never_signs(client: TestClient,
                                                accounts: dict[str, Account]) -> None:
    tx = accounts["typist"]
    report = new_report(client, accounts)
    edit(client, tx, report, findings="Typed from dictation.")
    assert client.post(f"/api/reports/{report['id']}/sign", headers=tx.headers).status_code == 403


def test_sign_blocked_when_required_fields_empty(client: TestClient,
                                                 accounts: dict[str, Account]) -> None:
    doc = accounts["attending"]
    report = new_report(client, accounts)
    required = {f["id"] for f in report["field_order"] if f.get("required")}
    assert required, "the selected template declares required fields"
    edit(client, doc, report, **{f["id"]: "" for f in report["field_order"]})
    r = client.post(f"/api/reports/{report['id']}/sign", headers=doc.headers)
    assert r.status_code == 422
    assert r.json()["code"] == "sign_blocked"
    assert {i["field"] for i in r.json()["issues"]} >= required
    assert client.get(f"/api/reports/{report['id']}", headers=doc.headers).json()["status"] \
        == "draft"


def test_unknown_field_and_report(client: TestClient, accounts: dict[str, Account]) -> None:
    doc = accounts["attending"]
    report = new_report(client, accounts)
    r = client.patch(f"/api/reports/{report['id']}",
                     json={"version": report["version"], "fields": {"bogus": "x"}},
                     headers=doc.headers)
    assert r.status_code == 422
    r = client.patch(f"/api/reports/{report['id']}",
                     json={"version": "one", "fields": {}}, headers=doc.headers)
    assert r.status_code == 422
    assert client.get("/api/reports/nope", headers=doc.headers).status_code == 404
