from flask import Flask
from flask.testing import FlaskClient

from tests.consents.helpers import api_create_performer, api_record
from tests.factories import bearer, make_production, make_user


def test_smoke(ctx: Flask, client: FlaskClient) -> None:
    rep, token = make_user("talent_rep")
    prod = make_production()
    p = api_create_performer(client, token)
    print(p)
    c = api_record(client, token, p["id"], prod.id)
    print(c)
    r = client.get(f"/api/v1/consents/{c['id']}", headers=bearer(token))
    assert r.status_code == 200
    r = client.post(f"/api/v1/consents/{c['id']}/amend", json={"evidence_sha256": "a"*64, "signed_at": c["signed_at"], "purposes": ["digital_replica", "model_training"]}, headers=bearer(token))
    print(r.json)
    assert r.status_code == 201
    r = client.post(f"/api/v1/consents/{c['id']}/revoke", json={"reason": "performer asked"}, headers=bearer(token))
    print(r.json)
    assert r.status_code == 200
    r = client.get("/api/v1/consents", headers=bearer(token))
    print(r.json)
    assert 0
