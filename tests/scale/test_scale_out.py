"""Scale-out: three web hosts (gunicorn, distinct ports) and two scheduler hosts on one PostgreSQL
database, with the PostgreSQL key store (a database of its own) and the master key from the
environment. Each host has its own data and keys folders. Threads drive them at the same time:
reps record and revoke consents, leads ask, legal approves, reminders come due.

Checked: every acknowledged write reads back from every host; personal data written on one host
decrypts on the others; receipts verify against every host's JWKS, and a signing key rotated on
one host shows in all of them; the audit chain verifies and is not forked; each due reminder
arrives once at a real SMTP server; no answer is a 5xx. Correctness only: on 2 shared cores
this cannot show scaling (``benchmarks/bench_scale.py`` reports throughput anyway).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from registry.extensions import db
from registry.receipts.verify import verify_receipt
from tests.conftest import build_app
from tests.databases import temporary_database
from tests.factories import api_user, make_production, sha
from tests.factories.consents import consent_body, iso
from tests.scale.hosts import Answer, Deployment, call, schedulers, web_hosts
from tests.servers import SmtpSink

pytestmark = pytest.mark.slow

REPS, PER_REP, LEADS = 3, 6, 2
DONE = object()


class Log:
    """Every answer, to find any 5xx (thread-safe)."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, base: str, method: str, path: str, token: str, body: Any = None) -> Answer:
        answer = call(base, method, path, token, body)
        with self.lock:
            self.answers.append((method, path, answer.status))
        return answer


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return condition()


def test_three_web_hosts_and_two_schedulers_share_one_postgresql(
    db_kind: str, tmp_path: Path, smtp: SmtpSink
) -> None:
    if db_kind != "postgresql":
        pytest.skip("scale-out runs on PostgreSQL (--db postgresql)")
    with (
        temporary_database("postgresql", tmp_path) as main_url,
        temporary_database("postgresql", tmp_path) as keystore_url,
    ):
        deployment = Deployment(
            main_url,
            keystore_url,
            tmp_path,
            extra={
                "REGISTRY_SMTP_URL": smtp.url,
                "REGISTRY_REMINDER_DAYS": "7",
                "REGISTRY_REMINDER_INTERVAL_SECONDS": "1",
                "REGISTRY_REMINDER_DELIVERY_INTERVAL_SECONDS": "1",
            },
        )
        seeder = build_app(  # migrates the database; makes the accounts and the production
            main_url,
            tmp_path / "seed",
            KEYSTORE_URL=keystore_url,
            MASTER_KEY=deployment.master_key,
        )
        with seeder.app_context():
            reps = [api_user("talent_rep")[1] for _ in range(REPS)]
            leads = [api_user("vfx_lead") for _ in range(LEADS)]
            legal = api_user("legal")[1]
            production_id = make_production(members=tuple(user for user, _ in leads)).id
            db.session.remove()
            db.engine.dispose()

        with web_hosts(deployment, 3) as bases, schedulers(deployment, 2) as procs:
            _drive_and_check(
                deployment, bases, reps, [t for _, t in leads], legal, production_id, smtp
            )
        logs = [proc.communicate()[0] for proc in procs]
        for log in logs:
            assert "scheduler started" in log and "Traceback" not in log, log

        _check_audit(deployment, main_url)
        _check_reminders_stay_once(smtp)


def _drive_and_check(
    deployment: Deployment,
    bases: list[str],
    reps: list[str],
    leads: list[str],
    legal: str,
    production_id: str,
    smtp: SmtpSink,
) -> None:
    log = Log()
    performers: dict[str, tuple[str, str, str]] = {}  # id -> (rep token, legal name, email)
    consents: dict[str, tuple[str, str]] = {}  # id -> (rep token, status acknowledged)
    receipts: list[str] = []
    asks: queue.Queue[object] = queue.Queue()
    approvals: queue.Queue[object] = queue.Queue()
    requests: dict[str, str] = {}  # id -> outcome acknowledged
    lock = threading.Lock()
    failures: list[str] = []

    def rep_work(r: int) -> None:
        token = reps[r]
        for i in range(PER_REP):
            base = bases[(r + i) % len(bases)]
            name, email = f"Legal Name {r}-{i}", f"p{r}-{i}@example.test"
            made = log(
                base,
                "POST",
                "/api/v1/performers",
                token,
                {"legal_name": name, "professional_name": f"Stage {r}-{i}", "email": email},
            )
            if made.status != 201:
                failures.append(f"performer {made.status} {made.body}")
                continue
            pid = made.body["id"]
            body = consent_body(pid, production_id)
            # due now for the 7-day reminder; half-day offsets keep clear of the threshold
            body["expires_at"] = iso(timedelta(days=3.5 + i * 0.25))
            recorded = log(bases[(r + i + 1) % len(bases)], "POST", "/api/v1/consents", token, body)
            if recorded.status != 201:
                failures.append(f"consent {recorded.status} {recorded.body}")
                continue
            cid = recorded.body["id"]
            with lock:
                performers[pid] = (token, name, email)
                consents[cid] = (token, "active")
                receipts.append(recorded.body["receipt"])
            asks.put(pid)
            if i % 3 == 0:  # revoked on yet another host, while the leads ask
                ended = log(
                    bases[(r + i + 2) % len(bases)],
                    "POST",
                    f"/api/v1/consents/{cid}/revoke",
                    token,
                    {"reason": "performer withdrew"},
                )
                if ended.status != 200:
                    failures.append(f"revoke {ended.status} {ended.body}")
                    continue
                with lock:
                    consents[cid] = (token, "revoked")
                    receipts.append(ended.body["receipt"])

    def lead_work(n: int) -> None:
        k = 0
        while (item := asks.get()) is not DONE:
            k += 1
            asked = log(
                bases[(n + k) % len(bases)],
                "POST",
                "/api/v1/requests",
                leads[n],
                {
                    "kind": "replica.create",
                    "performer_id": item,
                    "production_id": production_id,
                    "media": ["likeness"],
                    "description": "Scene 12: harbour stunt, wide shot",
                },
            )
            if asked.status != 201:
                failures.append(f"ask {asked.status} {asked.body}")
                continue
            outcome = asked.body["decision"]["outcome"]
            with lock:
                requests[asked.body["id"]] = outcome
                receipts.append(asked.body["decision"]["receipt"])
            if outcome == "escalate":
                approvals.put(asked.body["id"])

    def legal_work() -> None:
        k = 0
        while (item := approvals.get()) is not DONE:
            k += 1
            approved = log(
                bases[k % len(bases)],
                "POST",
                f"/api/v1/requests/{item}/approvals",
                legal,
                {"note": "Signed replica rider on file", "evidence_sha256": sha()},
            )
            if approved.status == 201:
                with lock:
                    requests[str(item)] = approved.body["decision"]["outcome"]
            elif approved.status != 409:  # 409: no longer approvable (its consent ended)
                failures.append(f"approval {approved.status} {approved.body}")

    rep_threads = [threading.Thread(target=rep_work, args=(r,)) for r in range(len(reps))]
    lead_threads = [threading.Thread(target=lead_work, args=(n,)) for n in range(len(leads))]
    legal_thread = threading.Thread(target=legal_work)
    for thread in [*rep_threads, *lead_threads, legal_thread]:
        thread.start()
    for thread in rep_threads:
        thread.join()
    for _ in lead_threads:
        asks.put(DONE)
    for thread in lead_threads:
        thread.join()
    approvals.put(DONE)
    legal_thread.join()

    assert failures == []
    assert len(performers) == REPS * PER_REP and len(requests) == REPS * PER_REP
    assert "allow" in requests.values()  # some were approved (or allowed outright)

    # Every acknowledged write reads back from every host; personal data decrypts everywhere.
    for base in bases:
        for pid, (token, name, email) in performers.items():
            got = log(base, "GET", f"/api/v1/performers/{pid}", token)
            assert got.status == 200 and (got.body["legal_name"], got.body["email"]) == (
                name,
                email,
            ), (base, got.body)
        for cid, (token, status) in consents.items():
            got = log(base, "GET", f"/api/v1/consents/{cid}", token)
            assert got.status == 200 and got.body["status"] == status, (base, got.body)
        for rid, outcome in requests.items():
            got = log(base, "GET", f"/api/v1/requests/{rid}", legal)
            assert got.status == 200 and got.body["decision"]["outcome"] == outcome, (
                base,
                got.body,
            )

    # One signing key set on every host; a rotation on one host shows in every JWKS.
    jwks = [call(base, "GET", "/.well-known/jwks.json", "").body for base in bases]
    assert jwks[0] == jwks[1] == jwks[2]
    for receipt in receipts:
        verify_receipt(receipt, jwks[2])
    rotated = deployment.flask("web1", "keys", "rotate-signing")
    assert rotated.returncode == 0, rotated.stderr
    new_kid = rotated.stdout.split()[3]

    def rotated_everywhere() -> bool:
        firsts = [
            call(b, "GET", "/.well-known/jwks.json", "").body["keys"][0]["kid"] for b in bases
        ]
        return firsts == [new_kid] * len(bases)

    assert _wait(rotated_everywhere, 15)

    # Each due reminder arrives: one per consent still active, to its rep.
    live = {cid for cid, (_, status) in consents.items() if status == "active"}

    def reminded() -> set[str]:
        return {
            str(m["X-Registry-Consent"])
            for m in list(smtp.messages)
            if str(m["X-Registry-Event"]) == "consent.expiring"
        }

    assert _wait(lambda: live <= reminded(), 60), sorted(live - reminded())
    assert not [a for a in log.answers if a[2] >= 500], [a for a in log.answers if a[2] >= 500]


def _check_reminders_stay_once(smtp: SmtpSink) -> None:
    """No message twice: each notice once per recipient, each (event, consent, recipient)
    once, every delivery once."""
    with smtp.lock:
        messages = list(smtp.messages)
    notices = Counter(
        (str(m["X-Registry-Reminder"] or m["X-Registry-Notice"]), str(m["X-Test-Envelope-To"]))
        for m in messages
    )
    assert [k for k, n in notices.items() if n > 1] == []
    about_consents = Counter(
        (str(m["X-Registry-Event"]), str(m["X-Registry-Consent"]), str(m["X-Test-Envelope-To"]))
        for m in messages
        if m["X-Registry-Consent"]
    )
    assert [k for k, n in about_consents.items() if n > 1] == []
    deliveries = Counter(str(m["X-Registry-Delivery"]) for m in messages)
    assert [k for k, n in deliveries.items() if n > 1] == []


def _check_audit(deployment: Deployment, main_url: str) -> None:
    """``audit verify`` passes, and the chain is one line: seq 1..N, each predecessor once."""
    verified = deployment.flask("web2", "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK:" in verified.stdout
    with psycopg.connect(_plain(main_url)) as conn:
        count, low, high, parents = conn.execute(
            "SELECT count(*), min(seq), max(seq), count(DISTINCT prev_hash) FROM audit_events"
        ).fetchone() or (0, 0, 0, 0)
    assert count > 100 and (low, high) == (1, count) and parents == count
