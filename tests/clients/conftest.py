"""The registry on loopback (``stage.py``), set up once for the client's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.stage import Stage, open_stage


@pytest.fixture(scope="package")
def stage(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with open_stage(db_kind, tmp_path_factory.mktemp("client-registry")) as opened:
        yield opened
