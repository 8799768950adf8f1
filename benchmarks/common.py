"""Shared helpers for benchmarks: a migrated app on a fresh database, timing, percentiles."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def compile_sources() -> None:
    """Bytecode for the registry's modules (as ``make compile`` writes it), so that commands
    timed in a child process do not compile them again at every start."""
    import compileall

    compileall.compile_dir(str(ROOT / "registry"), quiet=1)


def fresh_app(url: str | None = None, **config: Any) -> Any:
    """A migrated app on a new SQLite file (or the given database URL)."""
    import flask_migrate

    from registry.app import create_app

    folder = Path(config.get("DATA_DIR") or tempfile.mkdtemp(prefix="registry-bench-"))
    app = create_app(
        {
            "DATA_DIR": str(folder),
            "DATABASE_URL": url or f"sqlite:///{folder / 'bench.db'}",
            **config,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(runs: int, fn: Callable[[], Any]) -> float:
    return min(timed(fn) for _ in range(runs))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def result(name: str, **figures: float | int | str | bool) -> None:
    parts = " ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
    )
    print(f"RESULT {name} {parts}", flush=True)
