"""Generated assets and the final-cut check (T5): through the API, the CLI (a folder hashed as a
stream, or a manifest) and a 100,000-line manifest in bounded memory."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.triage.schemas import MAX_FILES
from tests.factories import sha
from tests.triage.world import TriageWorld, counts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(ctx: Flask, client: FlaskClient) -> TriageWorld:
    return TriageWorld(client)


def _statuses(answer: object) -> dict[str, tuple[str, str | None, str]]:
    body = answer.json  # type: ignore[attr-defined]
    return {i["name"]: (i["status"], i["declaration_id"], i["reason"]) for i in body["items"]}


def test_a_temporary_asset_blocks_and_an_approved_final_one_clears(world: TriageWorld) -> None:
    mockup = world.declared(category="background_element", title="Poster mock-up")
    final = world.declared(category="key_creative", output="final", title="Doll two")
    temp_sha, final_sha, plain_sha = sha("mock-up"), sha("doll"), sha("camera plate")
    assert world.asset(mockup["id"], temp_sha, "temporary").status_code == 201
    assert world.asset(final["id"], final_sha, "final").status_code == 201
    files = [("poster.png", temp_sha), ("doll.exr", final_sha), ("plate.exr", plain_sha)]

    before = world.check(files)
    assert before.status_code == 200
    assert before.json["ok"] is False
    assert _statuses(before) == {
        "poster.png": (
            "blocked",
            mockup["id"],
            "a temporary asset: generated material stays out of the final deliverables",
        ),
        "doll.exr": ("blocked", final["id"], "its declaration is not cleared for final output"),
        "plate.exr": ("not_generated", None, "not known to be generated"),
    }
    assert before.json["counts"] == {"cleared": 0, "blocked": 2, "not_generated": 1}

    assert world.approve(final["id"]).status_code == 201
    after = world.check(files[1:])
    assert after.json["ok"] is True
    assert _statuses(after)["doll.exr"] == (
        "cleared",
        final["id"],
        "generated under a declaration cleared for final output",
    )
    checks = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "deliverables.checked")
    ).all()
    assert len(checks) == 2


def test_another_productions_asset_blocks_naming_nothing_of_it(world: TriageWorld) -> None:
    theirs = world.declared(production_id=world.other.id, category="key_creative", output="final")
    world.approve(theirs["id"], token=world.admin_token)
    shared = sha("their render")
    world.asset(theirs["id"], shared, "final")
    answer = world.check([("render.exr", shared)])
    assert answer.json["items"] == [
        {
            "name": "render.exr",
            "sha256": shared,
            "status": "blocked",
            "declaration_id": None,
            "reason": "registered under another production",
        }
    ]


def test_one_hash_under_two_declarations_clears_only_if_both_clear_it(world: TriageWorld) -> None:
    one = world.declared(category="key_creative", output="final", title="one")
    two = world.declared(category="key_creative", output="final", title="two")
    same = sha("the same file")
    world.asset(one["id"], same)
    world.asset(two["id"], same)
    world.approve(one["id"])
    assert _statuses(world.check([("f", same)]))["f"][0] == "blocked"
    world.approve(two["id"])
    assert _statuses(world.check([("f", same)]))["f"][0] == "cleared"


def test_bad_assets_and_checks_are_refused_naming_the_field(world: TriageWorld) -> None:
    temporary = world.declared()
    before = counts()
    for body, field in (
        ({"sha256": "abc"}, "sha256"),
        ({"sha256": "g" * 64}, "sha256"),
        ({"output": "forever"}, "output"),
        ({"output": "final"}, "output"),  # the declaration is for temporary output
    ):
        answer = world.post(
            f"/api/v1/declarations/{temporary['id']}/assets",
            {"name": "x.png", "sha256": sha("x"), "media_type": "image/png", "output": "temporary",
             **body},
        )  # fmt: skip
        assert answer.status_code == 422, (body, answer.json)
        assert field in answer.json["errors"]
    assert counts() == before
    assert world.check([("x", "not-a-hash")]).status_code == 422
    too_many = [("f", sha(str(i))) for i in range(MAX_FILES + 1)]
    assert world.check(too_many).status_code == 422
    assert counts() == before


def test_a_lead_of_another_production_finds_nothing(world: TriageWorld) -> None:
    body = world.declared()
    assert world.check([("f", sha("f"))], token=world.outsider_token).status_code == 404
    assert world.asset(body["id"], sha("y"), "temporary").status_code == 201
    outsider = world.post(
        f"/api/v1/declarations/{body['id']}/assets",
        {"name": "x", "sha256": sha("z"), "media_type": "image/png", "output": "temporary"},
        world.outsider_token,
    )
    assert outsider.status_code == 404


# -- the command line ---------------------------------------------------------------------------


def test_the_cli_hashes_a_folder_and_exits_non_zero_when_anything_blocks(
    world: TriageWorld, tmp_path: Path
) -> None:
    cut = tmp_path / "cut"
    (cut / "reel1").mkdir(parents=True)
    (cut / "reel1" / "poster.png").write_bytes(b"generated poster")
    (cut / "plate.exr").write_bytes(b"camera plate" * 100_000)
    (cut / ".DS_Store").write_bytes(b"hidden: skipped")
    poster_sha = hashlib.sha256(b"generated poster").hexdigest()
    decl = world.declared(category="key_creative", output="final")
    world.asset(decl["id"], poster_sha)
    runner = world.client.application.test_cli_runner()
    args = ["deliverables", "check", world.production.code, str(cut), "--no-progress"]

    blocked = runner.invoke(args=args)
    assert blocked.exit_code == 1, blocked.output
    assert "reel1/poster.png" in blocked.output
    assert "its declaration is not cleared for final output" in blocked.output
    assert "2 file(s): 1 blocked, 0 cleared, 1 not generated" in blocked.output
    assert "plate.exr" not in blocked.output.split(": 2 file(s)")[0]  # only blocking files listed

    world.approve(decl["id"])
    cleared = runner.invoke(args=[*args, "--all"])
    assert cleared.exit_code == 0, cleared.output
    assert "OK: nothing blocks delivery." in cleared.output
    assert "plate.exr" in cleared.output


def test_the_cli_reads_a_manifest_and_names_a_bad_line(world: TriageWorld, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.txt"
    manifest.write_text(f"# made by sha256sum\n{sha('a')}  a.exr\n\n{sha('b')} *b.exr\n")
    runner = world.client.application.test_cli_runner()
    ok = runner.invoke(args=["deliverables", "check", world.production.id, str(manifest)])
    assert ok.exit_code == 0, ok.output
    assert "2 file(s): 0 blocked, 0 cleared, 2 not generated" in ok.output
    manifest.write_text(f"{sha('a')}  a.exr\nnot a hash\n")
    before = counts()
    bad = runner.invoke(args=["deliverables", "check", world.production.id, str(manifest)])
    assert bad.exit_code == 2
    assert "line 2: expected a SHA-256" in bad.output
    assert counts() == before  # nothing audited for a check that did not run
    unknown = runner.invoke(args=["deliverables", "check", "NOPE-1", str(manifest)])
    assert unknown.exit_code == 2 and "No production NOPE-1" in unknown.output


def test_a_100000_line_manifest_streams_in_bounded_memory(
    isolated_app: Flask, tmp_path: Path
) -> None:
    """The CLI in its own process, against a real database: peak memory under 200 MB."""
    from registry.transactions import unit_of_work

    with isolated_app.app_context():
        client = isolated_app.test_client()
        with unit_of_work():
            world = TriageWorld(client)
        decl = world.declared(category="key_creative", output="final")
        registered = [sha(f"asset {i}") for i in range(200)]
        for digest in registered:
            assert world.asset(decl["id"], digest).status_code == 201
        code = world.production.code
    manifest = tmp_path / "manifest.txt"
    with manifest.open("w") as out:
        for i in range(100_000):
            digest = (
                registered[i % 200] if i % 500 == 0 else hashlib.sha256(str(i).encode()).hexdigest()
            )
            out.write(f"{digest}  reel/{i:06d}.exr\n")
    config = isolated_app.config
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": str(config["DATABASE_URL"]),
        "REGISTRY_DATA_DIR": str(config["DATA_DIR"]),
    }
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout[-400:])\n"
    )
    flask = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run(
        [sys.executable, "-c", measure, flask, "--app", "wsgi", "deliverables", "check", code,
         str(manifest)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    first, rest = result.stdout.split("\n", 1)
    status, peak_kb = (int(x) for x in first.split())
    assert status == 1, (result.stdout, result.stderr)  # the registered assets are not cleared
    assert "100000 file(s): 200 blocked, 0 cleared, 99800 not generated" in rest
    assert peak_kb / 1024 < 200, f"peak RSS {peak_kb / 1024:.0f} MB"
