from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Account, study_body


def create(client: TestClient, engine: Account, **overrides: object) -> dict:
    response = client.post("/api/studies", json=study_body(**overrides), headers=engine.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_list_get_study(client: TestClient, accounts: dict[str, Account]) -> None:
    engine, doc = accounts["engine"], accounts["attending"]
    study = create(client, engine, extra_key="kept")
    assert study["facility"] == "NGH"  # unknown facility created
    assert study["patient"]["mrn"] == "MRN1001"
    assert study["study_instance_uid"].startswith("2.25.")
    assert study["extra"] == {"extra_key": "kept"}
    got = client.get(f"/api/studies/{study['id']}", headers=doc.headers).json()
    assert got["accession"] == "ACC1001"
    by_acc = client.get("/api/studies", params={"accession": "ACC1001"}, headers=doc.headers)
    assert [s["id"] for s in by_acc.json()] == [study["id"]]
    by_mrn = client.get("/api/studies", params={"mrn": "MRN1001"}, headers=doc.headers)
    assert len(by_mrn.json()) == 1
    dup = client.post("/api/studies", json=study_body(), headers=engine.headers)
    assert dup.status_code == 409


def test_worklist_stat_first_then_oldest(client: TestClient,
                                         accounts: dict[str, Account]) -> None:
    engine, doc = accounts["engine"], accounts["attending"]
    routine = create(client, engine, accession="A1", priority="ROUTINE")
    stat = create(client, engine, accession="A2", priority="STAT")
    asap = create(client, engine, accession="A3", priority="ASAP")
    stat2 = create(client, engine, accession="A4", priority="STAT")
    order = [s["id"] for s in client.get("/api/worklist", headers=doc.headers).json()]
    assert order == [stat["id"], stat2["id"], asap["id"], routine["id"]]
    ct = client.get("/api/worklist", params={"modality": "MR"}, headers=doc.headers).json()
    assert ct == []


def test_claim_conflict_and_admin_release(client: TestClient,
                                          accounts: dict[str, Account]) -> None:
    study = create(client, accounts["engine"])
    url = f"/api/studies/{study['id']}/claim"
    first = client.post(url, headers=accounts["attending"].headers)
    assert first.status_code == 200
    assert first.json()["claimed_by"] == accounts["attending"].user.id
    second = client.post(url, headers=accounts["attending2"].headers)
    assert second.status_code == 409
    assert second.json()["code"] == "claimed"
    # The other radiologist cannot release someone else's claim; an admin can.
    assert client.delete(url, headers=accounts["attending2"].headers).status_code == 403
    assert client.delete(url, headers=accounts["admin"].headers).status_code == 200
    assert client.post(url, headers=accounts["attending2"].headers).status_code == 200


def test_creating_a_report_claims_the_study(client: TestClient,
                                            accounts: dict[str, Account]) -> None:
    study = create(client, accounts["engine"])
    r = client.post("/api/reports", json={"study_id": study["id"]},
                    headers=accounts["attending"].headers)
    assert r.status_code == 201
    claim = client.post(f"/api/studies/{study['id']}/claim",
                        headers=accounts["attending2"].headers)
    assert claim.status_code == 409


def test_bad_input_gets_clear_4xx_and_writes_nothing(client: TestClient,
                                                     accounts: dict[str, Account]) -> None:
    engine = accounts["engine"]
    h = {**engine.headers, "content-type": "application/json"}
    malformed = client.post("/api/studies", content=b'{"facility": ', headers=h)
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed_json"
    wrong_type = client.post("/api/studies", json=study_body(priority="URGENT"),
                             headers=engine.headers)
    assert wrong_type.status_code == 422
    assert "priority" in wrong_type.json()["detail"]
    bad_patient = client.post("/api/studies", json=study_body(patient={"mrn": 5}),
                              headers=engine.headers)
    assert bad_patient.status_code == 422
    huge = client.post("/api/studies", json=study_body(reason="x" * 3_000_000),
                       headers=engine.headers)
    assert huge.status_code == 413
    unknown = client.get("/api/studies/does-not-exist", headers=engine.headers)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    listed = client.get("/api/studies", headers=engine.headers).json()
    assert listed == []
