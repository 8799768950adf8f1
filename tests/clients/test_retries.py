"""An answer lost on the way back is asked again with the same ``Idempotency-Key``: the
registry writes once and answers the retry with the stored answer; without retries the loss is
an error, never a silent second request; a render job's own key asks once."""

from __future__ import annotations

import secrets

import pytest
from registry_client import RegistryClient, Unreachable

from tests.clients.commands import ask_flags, request_id_of, run
from tests.clients.dropping_proxy import DroppingProxy
from tests.clients.stage import Stage, alteration


def test_an_answer_lost_on_the_way_back_is_asked_again_with_the_same_key(stage: Stage) -> None:
    person = stage.performer()
    port = int(stage.url.rsplit(":", 1)[1])
    proxy = DroppingProxy(port, drop=1)
    try:
        through = RegistryClient(f"http://127.0.0.1:{proxy.port}", stage.vfx, backoff=0.05)
        description = f"Scene 9: retried {secrets.token_hex(4)}"
        made = through.ask(alteration(stage, person, description))
    finally:
        proxy.close()
    assert proxy.connections == 3  # the lost answer, the retry, and reading the decision now
    assert made.replayed is True  # the registry answered the retry with the stored answer
    assert made.decision.outcome == "allow"
    stored = stage.client().get("/api/v1/requests", {"performer_id": person.id})
    assert [item["id"] for item in stored["items"]] == [made.id]  # written once

    # without retries the lost answer is an error, never a silent second request
    proxy = DroppingProxy(port, drop=1)
    try:
        once = RegistryClient(f"http://127.0.0.1:{proxy.port}", stage.vfx, retries=0)
        with pytest.raises(Unreachable):
            once.ask(alteration(stage, person, description + " again"))
    finally:
        proxy.close()

    # a render job's own key: the same job asks again and gets the same request
    flags = ask_flags(stage, person, "alteration", "--media", "voice", "--change", "pitch")
    key = f"render-job-{secrets.token_hex(4)}"
    first = run(stage, "registry-ask", *flags, "--idempotency-key", key)
    second = run(stage, "registry-ask", *flags, "--idempotency-key", key)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert request_id_of(first.stdout) == request_id_of(second.stdout)
    other = run(stage, "registry-ask", *flags[:-2], "--change", "timing", "--idempotency-key", key)
    assert other.returncode == 1 and "422" in other.stderr  # same key, another request
