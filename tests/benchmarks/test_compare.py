"""``benchmarks/compare.py`` end to end at its smallest: HEAD against the working tree.

In CI the working tree is HEAD, so both sides are the same code. One cheap figure (the import,
``--tiny``: 20,000 rows), two repetitions so that the interleaving shows, and the venv this
suite runs in for both sides (``--venv``: no package index needed; each side must still import
its own ``registry``, which compare.py checks). The import runs on SQLite whatever ``--db``
says, so the test runs once, in the SQLite half.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_compare_against_head_prints_the_import_figures_with_ratios(db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("the import figure runs on SQLite: measured once, in the SQLite half")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "compare.py"),
            "HEAD",
            "--tiny",
            "--only",
            "import",
            "--repeat",
            "2",
            "--venv",
            sys.prefix,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    out = proc.stdout.splitlines()

    header = next(line for line in out if line.startswith("figure "))
    assert re.split(r"\s{2,}", header) == [
        "figure",
        "unit",
        "better",
        "REF median",
        "work median",
        "work/REF",
        "spread",
        "goal",
        "met",
        "REF runs",
        "work runs",
    ]
    rows = {
        cells[0]: cells
        for cells in (re.split(r"\s{2,}", line) for line in out)
        if cells[0].startswith("import of consents")
    }
    assert set(rows) == {"import of consents, wall", "import of consents, peak RSS"}
    for label, cells in rows.items():
        _, _, better, ref, work, ratio, spread, _, met, ref_runs, work_runs = cells
        assert better == "lower", label
        assert float(ref) > 0 and float(work) > 0, label
        assert float(ratio) == pytest.approx(float(work) / float(ref), rel=0.05), label
        assert spread.endswith("%"), label
        assert met == "n/a at 20,000 rows", label  # the goals are for 100,000 rows
        assert len(ref_runs.split(", ")) == len(work_runs.split(", ")) == 2, label

    # Each side imported its own registry: the worktree of HEAD, and this working tree.
    ref_line = next(line for line in out if line.startswith("REF venv:"))
    work_line = next(line for line in out if line.startswith("work venv:"))
    assert ref_line.endswith("/ref/registry/__init__.py"), ref_line
    assert work_line.endswith(f"imports {ROOT / 'registry' / '__init__.py'}"), work_line

    # Interleaved: REF, work, REF, work.
    order = re.findall(r"^\[(\d)/2\] (REF|work)\s", proc.stderr, re.MULTILINE)
    assert order == [("1", "REF"), ("1", "work"), ("2", "REF"), ("2", "work")]

    # Nothing left behind: the temporary folder and the worktree are gone.
    folder = Path(re.findall(r"^cleaning up (\S+) \.\.\.$", proc.stderr, re.MULTILINE)[-1])
    assert not folder.exists()
    worktrees = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert str(folder) not in worktrees
