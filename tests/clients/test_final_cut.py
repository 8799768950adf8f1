"""GenAI declarations and the final cut: a declared final asset blocks the cut until legal
clears it (library, ``registry-check-cut`` on a folder, a manifest and stdin); a temporary
asset always blocks; more than 10,000 files are checked in several calls."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

from registry_client import DeclarationFacts, GenAIDeclaration, read_manifest, sha256_file
from registry_client.client import MAX_FILES

from tests.clients.commands import run
from tests.clients.stage import YES, Stage


def test_a_declared_final_asset_blocks_the_cut_until_legal_clears_it(
    stage: Stage, tmp_path: Path
) -> None:
    client = stage.client()
    declared = client.declare(
        GenAIDeclaration(
            production_id=stage.production_id,
            title="Festival poster",
            description="A generated poster on the wall of the bar, read aloud in scene 7",
            category="key_creative",
            output="final",
            tool_ids=(stage.tool_id,),
            principles=YES,
            facts=DeclarationFacts(prominent=True),
        )
    )
    triage = declared.triage
    assert triage.level == "escalate" and not triage.cleared
    assert "written approval" in triage.needed and triage.next_step
    assert client.verify_triage(declared)["level"] == "escalate"

    cut = tmp_path / "final_cut"
    (cut / "reel1").mkdir(parents=True)
    (cut / "reel1" / "poster.png").write_bytes(b"\x89PNG" + secrets.token_bytes(64))
    (cut / "reel1" / "plate.exr").write_bytes(secrets.token_bytes(64))
    (cut / ".DS_Store").write_bytes(b"hidden files are skipped")
    poster_sha = sha256_file(cut / "reel1" / "poster.png")
    asset = client.register_asset(
        declared.id, name="poster.png", sha256=poster_sha, media_type="image/png", output="final"
    )
    assert asset.declaration_id == declared.id and asset.output == "final"

    report = client.check_final_cut(stage.production_id, [("reel1/poster.png", poster_sha)])
    assert not report.ok and report.calls == 1
    assert [(i.name, i.status, i.declaration_id) for i in report.blocked] == [
        ("reel1/poster.png", "blocked", declared.id)
    ]

    blocked = run(stage, "registry-check-cut", "--production", stage.production_code, str(cut))
    assert blocked.returncode == 3, blocked.stdout + blocked.stderr
    assert f"blocked       {poster_sha[:12]}  reel1/poster.png (declaration {declared.id}): " in (
        blocked.stdout
    )
    assert "its declaration is not cleared for final output" in blocked.stdout
    assert "2 file(s) in 1 call(s): 1 blocked, 0 cleared, 1 not generated" in blocked.stdout
    assert blocked.stdout.endswith("NOT OK: delivery is blocked.\n")

    stage.client(stage.legal).post(
        f"/api/v1/declarations/{declared.id}/approvals",
        {
            "note": "Rights cleared, artist redrew it",
            "evidence_sha256": hashlib.sha256(b"a").hexdigest(),
        },
    )
    assert client.get_declaration(declared.id).triage.cleared is True

    cleared = run(stage, "registry-check-cut", "--production", stage.production_id, str(cut))
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    assert cleared.stdout.endswith("OK: nothing blocks delivery.\n")

    # a sha256sum manifest, from a file and from stdin; a temporary asset always blocks
    mockup = client.declare(
        GenAIDeclaration(
            production_id=stage.production_id,
            title="Mock-up",
            description="A mock-up for the art department",
            category="background_element",
            output="temporary",
            tool_ids=(stage.tool_id,),
            principles=YES,
        )
    )
    mockup_sha = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    client.register_asset(
        mockup.id, name="mockup.png", sha256=mockup_sha, media_type="image/png", output="temporary"
    )
    manifest = tmp_path / "SHA256SUMS"
    manifest.write_text(
        f"# final cut\n{poster_sha}  reel1/poster.png\n{mockup_sha} *reel2/mockup.png\n"
    )
    assert list(read_manifest(manifest))[1] == ("reel2/mockup.png", mockup_sha)
    from_file = run(
        stage, "registry-check-cut", "--production", stage.production_code, "--all", str(manifest)
    )
    assert from_file.returncode == 3
    lines = from_file.stdout.splitlines()
    assert lines[0].startswith(f"blocked       {mockup_sha[:12]}  reel2/mockup.png")
    assert "a temporary asset" in lines[0]
    assert lines[1].startswith(f"cleared       {poster_sha[:12]}  reel1/poster.png")
    from_stdin = run(
        stage,
        "registry-check-cut",
        "--production",
        stage.production_code,
        "--json",
        "-",
        stdin=f"{poster_sha}  reel1/poster.png\n",
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout)["counts"] == {
        "cleared": 1,
        "blocked": 0,
        "not_generated": 0,
    }

    broken = tmp_path / "broken"
    broken.write_text(f"{poster_sha}  ok.png\nnot a hash\n")
    bad = run(stage, "registry-check-cut", "--production", stage.production_code, str(broken))
    assert bad.returncode == 1 and "line 2" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run(stage, "registry-check-cut", "--production", stage.production_code, str(empty))
    assert nothing.returncode == 1 and "no files to check" in nothing.stderr


def test_more_than_10000_files_are_checked_in_several_calls(stage: Stage, tmp_path: Path) -> None:
    client = stage.client()
    declared = client.declare(
        GenAIDeclaration(
            production_id=stage.production_id,
            title="Crowd tiles",
            description="Generated crowd tiles for the stadium, kept out of the final cut",
            category="background_element",
            output="temporary",
            tool_ids=(stage.tool_id,),
            principles=YES,
        )
    )
    blocking = hashlib.sha256(b"crowd tile 17").hexdigest()
    client.register_asset(
        declared.id,
        name="tile17.exr",
        sha256=blocking,
        media_type="image/x-exr",
        output="temporary",
    )
    count = MAX_FILES + 500
    lines = [
        f"{hashlib.sha256(str(i).encode()).hexdigest()}  frames/{i:06}.exr" for i in range(count)
    ]
    lines[MAX_FILES + 7] = f"{blocking}  frames/tile17.exr"  # in the second call
    manifest = tmp_path / "frames.sha256"
    manifest.write_text("\n".join(lines) + "\n")

    checked = run(stage, "registry-check-cut", "--production", stage.production_code, str(manifest))
    assert checked.returncode == 3, checked.stdout + checked.stderr
    assert (
        f"{count} file(s) in 2 call(s): 1 blocked, 0 cleared, {count - 1} not generated"
        in checked.stdout
    )
    assert checked.stdout.splitlines()[0].startswith(
        f"blocked       {blocking[:12]}  frames/tile17"
    )
