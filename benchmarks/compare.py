"""Compare the benchmarks users feel between a git revision and the working tree, in one run.

Run: ``.venv/bin/python benchmarks/compare.py REF [--repeat N] [--tiny] [--only FIGURE ...]
[--share-venv | --venv DIR] [--workers N] [--work-rev REV] [--timeout S] [--verbose]``

``REF`` is any git revision (``HEAD``, ``main~3``, a commit id). The other side, "work", is
the working tree this file lives in, uncommitted changes included (or, with ``--work-rev REV``,
a second git worktree of ``REV``, e.g. to measure the noise between two copies of one commit).

How: a detached ``git worktree`` of REF goes into a temporary folder; each side gets its own
virtual environment there (``python -m venv``, then ``pip install -e '<tree>[test]'``; the
seconds each build takes are printed), and its registry's bytecode is written as ``make
compile`` does. Each side's Python is asked which ``registry/__init__.py`` it imports (printed;
the run stops unless it is that side's own tree). Then, for every repetition, each benchmark
script runs once for REF and once for work, in that order (ref, work, ref, work, ...): the
side's own ``benchmarks/bench_*.py``, as a subprocess of that side's venv Python, with its
tree as the working directory; its ``RESULT name key=value ...`` lines are parsed.

Figures (``--only``, repeatable or comma-separated; default all), each from a RESULT key:

- ``http-sqlite``: POST /api/v1/requests per second over HTTP on SQLite (bench_gate,
  ``gate_http_sqlite post_rps``); higher is better.
- ``http-postgresql``: the same on PostgreSQL (``gate_http_postgresql post_rps``); higher.
- ``decide``: ``decide_request`` + commit p50 in ms, in-process on SQLite (``gate_decide
  p50_ms``); lower.
- ``import``: ``flask consents import`` of 100,000 consents, wall seconds and peak RSS in MB
  (bench_consents, ``consents_import_sqlite seconds`` and ``peak_rss_mb`` if reported); lower.

Invocations (no script selects these figures one by one, so each runs the smallest
invocation that produces the selected ones, once per side and repetition):

- ``bench_gate.py`` measures all three gate figures in one process. ``decide`` needs it without
  ``--only http``, which also measures the facts bridge and the SQLite HTTP figure;
  ``http-postgresql`` needs it without ``--no-postgresql``, and then the 1M-consent SQLite file
  is still built and its HTTP figure measured first. Selected alone, ``http-sqlite`` runs
  ``--only http --no-postgresql``.
- ``bench_consents.py --only import``: the import, then (on revisions that leave receipts
  pending) ``consents issue-receipts``, and the raw-insert floor. Their receipt-signing seconds
  are shown as a row of their own when reported (no goal): that is the work a revision that
  signs during the import does inside its import seconds.

Sizes: full by default (bench_gate: 1,000,000 consents on SQLite, 100,000 on PostgreSQL, 2,000
requests per HTTP figure; the import: 100,000 rows). ``--tiny`` passes ``--quick``, the smallest
sizes the scripts offer (bench_gate: 100,000 consents on SQLite, still 100,000 on PostgreSQL, 300
requests; the import: 20,000 rows, where its goal does not apply and is shown as n/a).
``--workers N`` passes ``--workers N`` to bench_gate on both sides; by default each side serves
with its own ``gunicorn.conf.py`` worker count, as users would get it.

The table (stdout): per figure, which direction is better (throughput: higher; times and
memory: lower), the REF median, the work median, work/REF, the spread of the repetitions ((max -
min) / median, the larger of the two sides': a ratio nearer its goal than that is noise), the
goal from issue 12 (POST throughput >= 0.9x REF on SQLite and PostgreSQL, decide p50 <= 1.1x
REF, the import <= 10 s and <= 300 MB at 100,000 rows) and whether it is met, and every
repetition's value in run order. Progress goes to stderr.

Isolation: every benchmark process gets ``TMPDIR`` set to a folder of its own inside the
temporary folder, so its data folders (``tempfile.mkdtemp``) are never shared; the two sides
never run at the same time. bench_gate names its PostgreSQL database after its process id
(``registry_bench_gate_<pid>``, on ``REGISTRY_TEST_PG_URL``'s server, default
``postgres@127.0.0.1:5432``) and drops it when done; if the process fails or is interrupted,
this script drops that database. ``REGISTRY_*`` variables other than ``REGISTRY_TEST_PG_URL``,
and ``PYTHONPATH``, are not passed on.

``--share-venv``: when the two trees' ``pyproject.toml`` are byte-identical, build one venv
(from REF) and let each side import its own tree through ``PYTHONPATH`` (checked as above);
otherwise it says so and builds one each. ``--venv DIR``: build none, use the existing venv DIR
for both sides in the same way (the pyproject.toml files must be byte-identical; nothing is
installed into DIR): the test in ``tests/benchmarks`` uses the venv it runs in, so it needs no
package index. The default is a venv each (about 25-30 s to build here, with pip's cache warm).

Everything made (worktrees, venvs, data folders, leftover databases) is removed at the end,
also after a failure, Ctrl-C or SIGTERM. Exit status: 0 when every benchmark process succeeded
(goals not met do not fail the run), 1 when one failed or the set-up did, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from signal import SIGINT, SIGTERM
from types import FrameType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FULL_IMPORT_ROWS = 100_000


@dataclass(frozen=True)
class Figure:
    """One row of the table: where its value comes from and how it is judged."""

    key: str  # the --only name
    label: str
    unit: str
    script: str  # "gate" or "consents"
    result: str  # RESULT name
    field: str  # RESULT key
    higher_is_better: bool
    goal: str  # as printed
    judge: Callable[[float, float, dict[str, float]], bool | None]  # (ref, work, extras)


def _ratio_at_least(limit: float) -> Callable[[float, float, dict[str, float]], bool | None]:
    return lambda ref, work, _: work / ref >= limit


def _ratio_at_most(limit: float) -> Callable[[float, float, dict[str, float]], bool | None]:
    return lambda ref, work, _: work / ref <= limit


def _full_import_at_most(limit: float) -> Callable[[float, float, dict[str, float]], bool | None]:
    """The import's goals are for 100,000 rows: n/a (None) at other sizes."""
    return lambda ref, work, extras: (
        work <= limit if extras.get("rows") == FULL_IMPORT_ROWS else None
    )


FIGURES = (
    Figure(
        "http-sqlite",
        "POST /api/v1/requests, SQLite",
        "req/s",
        "gate",
        "gate_http_sqlite",
        "post_rps",
        True,
        "work/REF >= 0.9",
        _ratio_at_least(0.9),
    ),
    Figure(
        "http-postgresql",
        "POST /api/v1/requests, PostgreSQL",
        "req/s",
        "gate",
        "gate_http_postgresql",
        "post_rps",
        True,
        "work/REF >= 0.9",
        _ratio_at_least(0.9),
    ),
    Figure(
        "decide",
        "decide_request p50",
        "ms",
        "gate",
        "gate_decide",
        "p50_ms",
        False,
        "work/REF <= 1.1",
        _ratio_at_most(1.1),
    ),
    Figure(
        "import",
        "import of consents, wall",
        "s",
        "consents",
        "consents_import_sqlite",
        "seconds",
        False,
        "work <= 10 s (100,000)",
        _full_import_at_most(10),
    ),
    Figure(
        "import",
        "import of consents, peak RSS",
        "MB",
        "consents",
        "consents_import_sqlite",
        "peak_rss_mb",
        False,
        "work <= 300 MB (100,000)",
        _full_import_at_most(300),
    ),
    Figure(
        "import",
        "receipts signed after the import",
        "s",
        "consents",
        "consents_import_sqlite",
        "receipts_seconds",
        False,
        "(reported only)",
        lambda ref, work, extras: None,
    ),
)
CHOICES = ("http-sqlite", "http-postgresql", "decide", "import")
SCRIPTS = {"gate": "bench_gate.py", "consents": "bench_consents.py"}
OPTIONAL_FIELDS = {"peak_rss_mb", "receipts_seconds"}  # shown as "-" when a side lacks them


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the two sides --------------------------------------------------------------------------------


@dataclass
class Side:
    """One tree with the Python that runs its benchmarks."""

    name: str  # "REF" or "work"
    tree: Path
    label: str
    venv: Path | None = None
    via_pythonpath: bool = False  # a shared venv: the tree is put first on PYTHONPATH
    venv_seconds: float | None = None

    @property
    def python(self) -> Path:
        assert self.venv is not None
        return self.venv / "bin" / "python"

    def env(self, tmpdir: Path) -> dict[str, str]:
        """The environment of this side's processes: its venv first on PATH, TMPDIR its own,
        and nothing inherited that would point it at another tree or database."""
        assert self.venv is not None
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
            and not (k.startswith("REGISTRY_") and k != "REGISTRY_TEST_PG_URL")
        }
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env["TMPDIR"] = str(tmpdir)
        if self.via_pythonpath:
            env["PYTHONPATH"] = str(self.tree)
        return env


# -- temporary folder, child processes, clean-up --------------------------------------------------


class Interrupted(Exception):
    """SIGTERM, turned into an exception so that the clean-up runs."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(f"signal {signum}")


@dataclass
class Workspace:
    """The temporary folder and everything that must go when the run ends."""

    folder: Path
    worktrees: list[Path] = field(default_factory=list)
    running: list[subprocess.Popen[str]] = field(default_factory=list)
    databases: dict[str, Path] = field(default_factory=dict)  # name -> a Python with psycopg
    runs: int = 0

    def run_folder(self, label: str) -> Path:
        self.runs += 1
        path = self.folder / "runs" / f"{self.runs:03d}-{label}"
        path.mkdir(parents=True)
        return path

    def add_worktree(self, rev: str, name: str) -> Path:
        path = self.folder / name
        git("worktree", "add", "--detach", "--quiet", str(path), rev)
        self.worktrees.append(path)
        return path

    def drop_database(self, name: str) -> None:
        python = self.databases.pop(name, None)
        if python is None or not python.exists():
            return
        admin = os.environ.get("REGISTRY_TEST_PG_URL", PG_ADMIN_URL)
        code = (
            "import sys, psycopg\n"
            "with psycopg.connect(sys.argv[1], autocommit=True) as conn:\n"
            "    conn.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n"
        )
        try:
            proc = subprocess.run(
                [str(python), "-c", code, admin, name],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if proc.returncode != 0:
                log(f"could not drop database {name}: {proc.stderr.strip()[-500:]}")
        except (OSError, subprocess.SubprocessError) as exc:
            log(f"could not drop database {name}: {exc}")

    def close(self) -> None:
        # Let the clean-up finish: a second Ctrl-C or SIGTERM waits for it.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (SIGINT, SIGTERM)}
        try:
            for proc in list(self.running):
                stop_group(proc)
            for name in list(self.databases):
                self.drop_database(name)
            for path in self.worktrees:
                try:
                    git("worktree", "remove", "--force", str(path))
                except RuntimeError as exc:
                    log(str(exc))
            shutil.rmtree(self.folder, ignore_errors=True)
            if self.worktrees:
                try:
                    git("worktree", "prune")
                except RuntimeError as exc:
                    log(str(exc))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def git(*args: str) -> str:
    proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def stop_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM to the process's group (a benchmark, its gunicorn and workers), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        try:
            os.killpg(proc.pid, 0)  # a worker may outlive its parent briefly
        except ProcessLookupError:
            return
        time.sleep(0.5)


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_child(
    ws: Workspace,
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    database: Callable[[int], str] | None = None,
    python: Path | None = None,
) -> Outcome:
    """Run one benchmark in a process group of its own (stopped with its children on Ctrl-C or
    time-out); ``database(pid)`` names the database it may leave behind if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    ws.running.append(proc)
    name = database(proc.pid) if database else None
    if name and python:
        ws.databases[name] = python
    try:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(proc)
            out, err = proc.communicate()
            err += f"\n(stopped after the time-out of {timeout:.0f} s)"
        except BaseException:
            stop_group(proc)
            raise
    finally:
        ws.running.remove(proc)
    if name:
        if proc.returncode == 0:
            ws.databases.pop(name, None)  # the benchmark dropped it
        else:
            ws.drop_database(name)
    return Outcome(proc.returncode, out, err, time.perf_counter() - start)


# -- set-up ----------------------------------------------------------------------------------------


def build_venv(ws: Workspace, side: Side, path: Path, timeout: float) -> None:
    log(f"building a venv for {side.name} ({side.tree}) in {path} ...")
    start = time.perf_counter()
    steps = (
        [sys.executable, "-m", "venv", str(path)],
        [
            str(path / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{side.tree}[test]",
        ],
    )
    for cmd in steps:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        outcome = run_child(ws, cmd, ws.folder, env, timeout)
        if outcome.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({outcome.returncode}):\n"
                f"{outcome.stdout[-2000:]}{outcome.stderr[-4000:]}"
            )
    side.venv = path
    side.venv_seconds = time.perf_counter() - start
    log(f"  venv for {side.name}: {side.venv_seconds:.1f} s")


def prepare(ws: Workspace, side: Side, timeout: float) -> None:
    """Bytecode for the side's registry (as ``make compile``), then check which registry its
    Python imports, from a neutral folder with the environment its benchmarks get."""
    env = side.env(ws.folder)
    outcome = run_child(
        ws,
        [str(side.python), "-m", "compileall", "-q", str(side.tree / "registry")],
        side.tree,
        env,
        timeout,
    )
    if outcome.returncode != 0:
        raise RuntimeError(f"compileall for {side.name} failed:\n{outcome.stdout[-3000:]}")
    outcome = run_child(
        ws,
        [str(side.python), "-c", "import registry; print(registry.__file__)"],
        ws.folder,
        env,
        timeout,
    )
    imported = Path(outcome.stdout.strip().splitlines()[-1]) if outcome.stdout.strip() else None
    expected = (side.tree / "registry" / "__init__.py").resolve()
    log(f"  {side.name} imports {imported}")
    if outcome.returncode != 0 or imported is None or imported.resolve() != expected:
        raise RuntimeError(
            f"{side.name}'s Python imports {imported}, not {expected}:\n{outcome.stderr[-2000:]}"
        )


def accepted_flags(ws: Workspace, side: Side, script: str, timeout: float) -> set[str]:
    outcome = run_child(
        ws,
        [str(side.python), str(side.tree / "benchmarks" / script), "--help"],
        side.tree,
        side.env(ws.folder),
        timeout,
    )
    if outcome.returncode != 0:
        raise RuntimeError(f"{side.name}: {script} --help failed:\n{outcome.stderr[-2000:]}")
    return set(re.findall(r"--[a-z][a-z0-9-]*", outcome.stdout))


def script_args(script: str, selected: set[str], tiny: bool, workers: int) -> list[str]:
    """The smallest invocation of ``script`` that yields the selected figures."""
    args: list[str] = []
    if script == "gate":
        if "decide" not in selected:
            args += ["--only", "http"]
        if "http-postgresql" not in selected:
            args.append("--no-postgresql")
        if workers:
            args += ["--workers", str(workers)]
    else:
        args += ["--only", "import"]
    if tiny:
        args.append("--quick")
    return args


# -- results ---------------------------------------------------------------------------------------


def parse_results(stdout: str) -> dict[str, dict[str, float]]:
    """``RESULT name key=value ...`` lines as {name: {key: number}} (non-numbers left out)."""
    results: dict[str, dict[str, float]] = {}
    for line in stdout.splitlines():
        if not line.startswith("RESULT "):
            continue
        _, name, *pairs = line.split()
        figures: dict[str, float] = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            try:
                figures[key] = float(value)
            except ValueError:
                continue
        results[name] = figures
    return results


@dataclass
class Series:
    """Every repetition's value of one figure on one side (None: the run failed or lacked it)."""

    values: list[float | None] = field(default_factory=list)
    extras: dict[str, float] = field(default_factory=dict)  # e.g. rows, summed errors

    @property
    def median(self) -> float | None:
        known = [v for v in self.values if v is not None]
        return statistics.median(known) if known else None

    @property
    def spread(self) -> float | None:
        """(max - min) / median of the runs: how far apart repetitions on one side fall."""
        known = [v for v in self.values if v is not None]
        median = self.median
        return (max(known) - min(known)) / median if len(known) > 1 and median else None


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    size = abs(value)
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def table(
    figures: list[Figure], series: dict[tuple[str, str], dict[str, Series]]
) -> tuple[str, list[str]]:
    """The comparison table and notes (errors seen, figures a side did not report)."""
    header = (
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
    )
    rows: list[tuple[str, ...]] = [header]
    notes: list[str] = []
    for fig in figures:
        sides = series[(fig.result, fig.field)]
        ref, work = sides["REF"], sides["work"]
        if fig.field in OPTIONAL_FIELDS and ref.median is None and work.median is None:
            continue
        ratio = (
            work.median / ref.median
            if ref.median is not None and work.median is not None and ref.median != 0
            else None
        )
        spreads = [x for x in (ref.spread, work.spread) if x is not None]
        spread = f"{max(spreads):.0%}" if spreads else "-"
        met = "-"
        if ratio is not None and ref.median is not None and work.median is not None:
            verdict = fig.judge(ref.median, work.median, work.extras)
            if verdict is None and fig.goal.startswith("work <="):
                met = f"n/a at {work.extras.get('rows', 0):,.0f} rows"
            elif verdict is not None:
                met = "yes" if verdict else "NO"
        rows.append(
            (
                fig.label,
                fig.unit,
                "higher" if fig.higher_is_better else "lower",
                fmt(ref.median),
                fmt(work.median),
                f"{ratio:.3f}" if ratio is not None else "-",
                spread,
                fig.goal,
                met,
                ", ".join(fmt(v) for v in ref.values),
                ", ".join(fmt(v) for v in work.values),
            )
        )
        for side in (ref, work):
            if side.extras.get("errors"):
                which = "REF" if side is ref else "work"
                notes.append(
                    f"{fig.label}: {which} had {side.extras['errors']:.0f} unexpected HTTP "
                    "statuses over its runs"
                )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines), notes


# -- main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="Figures: " + ", ".join(CHOICES) + ". See the module docstring for details.",
    )
    parser.add_argument("ref", metavar="REF", help="git revision to compare the work tree with")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="repetitions per side (default 3; at least 3 to compare, fewer only as a smoke run)",
    )
    parser.add_argument(
        "--tiny", action="store_true", help="the smallest sizes (the scripts' --quick), for CI"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="FIGURE",
        help="figures to measure, repeatable or comma-separated: " + ", ".join(CHOICES),
    )
    parser.add_argument(
        "--share-venv",
        action="store_true",
        help="one venv for both sides if the pyproject.toml files are byte-identical",
    )
    parser.add_argument(
        "--venv",
        type=Path,
        metavar="DIR",
        help="use this existing venv for both sides; build none (identical pyproject.toml only)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers on both sides (default: each side's gunicorn.conf.py)",
    )
    parser.add_argument(
        "--work-rev",
        metavar="REV",
        help="compare with a worktree of REV instead of the working tree",
    )
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per process (default 3600)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="echo each run's output")
    args = parser.parse_args(argv)
    selected: set[str] = set()
    for item in args.only or [",".join(CHOICES)]:
        for name in filter(None, (part.strip() for part in item.split(","))):
            if name not in CHOICES:
                parser.error(f"unknown figure {name!r}; choose from {', '.join(CHOICES)}")
            selected.add(name)
    if not selected:
        parser.error("--only selected no figure")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.venv and args.share_venv:
        parser.error("--venv and --share-venv exclude each other")
    if args.venv and not (args.venv / "bin" / "python").exists():
        parser.error(f"--venv {args.venv}: no bin/python there")
    args.selected = selected
    return args


@contextmanager
def workspace() -> Iterator[Workspace]:
    ws = Workspace(Path(tempfile.mkdtemp(prefix="registry-compare-")))
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield ws
    finally:
        log(f"cleaning up {ws.folder} ...")
        ws.close()
        signal.signal(signal.SIGTERM, previous)


def describe_rev(rev: str) -> tuple[str, str]:
    commit = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    title = git("log", "-1", "--format=%h %s", commit)
    return commit, title if len(title) <= 72 else title[:69] + "..."


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        ref_commit, ref_title = describe_rev(args.ref)
        work_commit = describe_rev(args.work_rev) if args.work_rev else None
    except RuntimeError as exc:
        log(f"not a revision here: {exc}")
        return 1
    try:
        with workspace() as ws:
            return compare(ws, args, ref_commit, ref_title, work_commit, started)
    except (KeyboardInterrupt, Interrupted):
        log("interrupted")
        return 130
    except RuntimeError as exc:
        log(f"set-up failed: {exc}")
        return 1


def compare(
    ws: Workspace,
    args: argparse.Namespace,
    ref_commit: str,
    ref_title: str,
    work_commit: tuple[str, str] | None,
    started: float,
) -> int:
    ref = Side("REF", ws.add_worktree(ref_commit, "ref"), f"{args.ref} = {ref_title}")
    if work_commit:
        work = Side(
            "work", ws.add_worktree(work_commit[0], "work"), f"{args.work_rev} = {work_commit[1]}"
        )
    else:
        changes = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
        head = git("log", "-1", "--format=%h")
        work = Side("work", ROOT, f"working tree {ROOT} (HEAD {head} + {changes} changed files)")
    sides = (ref, work)

    same_project = (ref.tree / "pyproject.toml").read_bytes() == (
        work.tree / "pyproject.toml"
    ).read_bytes()
    if args.venv:
        if not same_project:
            raise RuntimeError("--venv: the two pyproject.toml differ; let each side have its own")
        for side in sides:
            side.venv, side.via_pythonpath = args.venv.absolute(), True
    elif args.share_venv and same_project:
        build_venv(ws, ref, ws.folder / "venv-shared", args.timeout)
        work.venv, work.venv_seconds = ref.venv, 0.0
        ref.via_pythonpath = work.via_pythonpath = True
    else:
        if args.share_venv:
            log("the two pyproject.toml differ: one venv each")
        for side in sides:
            build_venv(ws, side, ws.folder / f"venv-{side.name.lower()}", args.timeout)
    for side in sides:
        prepare(ws, side, args.timeout)

    figures = [f for f in FIGURES if f.key in args.selected]
    scripts = [s for s in SCRIPTS if any(f.script == s for f in figures)]
    invocations = {s: script_args(s, args.selected, args.tiny, args.workers) for s in scripts}
    for side in sides:
        for script in scripts:
            flags = accepted_flags(ws, side, SCRIPTS[script], args.timeout)
            missing = [a for a in invocations[script] if a.startswith("--") and a not in flags]
            if missing:
                raise RuntimeError(
                    f"{side.name}'s {SCRIPTS[script]} does not accept {', '.join(missing)}"
                )

    series = {(f.result, f.field): {"REF": Series(), "work": Series()} for f in figures}
    failures = 0
    for rep in range(1, args.repeat + 1):
        for script in scripts:
            for side in sides:
                failures += not run_once(
                    ws, args, side, script, invocations[script], rep, figures, series
                )

    text, notes = table(figures, series)
    elapsed = time.perf_counter() - started
    print(f"REF:  {ref.label}")
    print(f"work: {work.label}")
    for side in sides:
        how = "given" if args.venv else "shared"
        if side.venv_seconds:
            how = f"built in {side.venv_seconds:.0f} s"
        print(
            f"{side.name} venv: {side.venv} ({how}); imports "
            f"{side.tree / 'registry' / '__init__.py'}"
        )
    sizes = "tiny (--quick)" if args.tiny else "full"
    print(
        f"{args.repeat} repetition(s), {sizes} sizes, interleaved REF, work; "
        + "; ".join(f"{SCRIPTS[s]} {' '.join(invocations[s])}".rstrip() for s in scripts)
    )
    if args.repeat < 3:
        print("fewer than 3 repetitions: a smoke run, not a comparison")
    print(
        "better: higher for throughput, lower for times and memory; work/REF: the ratio of the "
        "medians;\nspread: (max - min) / median of one side's runs, the larger side's (a ratio "
        "nearer its goal than that is within the noise)"
    )
    print()
    print(text)
    for note in notes:
        print(f"note: {note}")
    print()
    print(
        f"{failures} benchmark process(es) failed; total {elapsed:.0f} s on "
        f"{os.cpu_count()} CPUs (load average now {os.getloadavg()[0]:.2f})"
    )
    return 1 if failures else 0


def run_once(
    ws: Workspace,
    args: argparse.Namespace,
    side: Side,
    script: str,
    script_argv: list[str],
    rep: int,
    figures: list[Figure],
    series: dict[tuple[str, str], dict[str, Series]],
) -> bool:
    """One benchmark process for one side; its figures are appended (None if it failed)."""
    name = SCRIPTS[script]
    folder = ws.run_folder(f"{side.name.lower()}-{script}")
    load = os.getloadavg()[0]
    database = (
        (lambda pid: f"registry_bench_gate_{pid}")
        if script == "gate" and "http-postgresql" in args.selected
        else None
    )
    outcome = run_child(
        ws,
        [str(side.python), str(side.tree / "benchmarks" / name), *script_argv],
        side.tree,
        side.env(folder),
        args.timeout,
        database=database,
        python=side.python,
    )
    shutil.rmtree(folder, ignore_errors=True)
    results = parse_results(outcome.stdout) if outcome.returncode == 0 else {}
    shown = []
    ok = outcome.returncode == 0
    for fig in figures:
        if fig.script != script:
            continue
        figure = results.get(fig.result, {})
        value = figure.get(fig.field)
        if value is None and ok and fig.field not in OPTIONAL_FIELDS:
            ok = False
            log(f"  {side.name} {name}: no {fig.field} in RESULT {fig.result}")
        one = series[(fig.result, fig.field)][side.name]
        one.values.append(value)
        if "rows" in figure:
            one.extras["rows"] = figure["rows"]
        one.extras["errors"] = one.extras.get("errors", 0) + figure.get("errors", 0)
        if value is not None:
            shown.append(f"{fig.key} {fig.field}={fmt(value)}")
    log(
        f"[{rep}/{args.repeat}] {side.name:4} {name} {' '.join(script_argv)}: "
        f"{outcome.seconds:.0f} s (load before {load:.2f}): "
        + (", ".join(shown) if ok else f"FAILED (exit {outcome.returncode})")
    )
    if args.verbose or not ok:
        for line in outcome.stdout.splitlines():
            log(f"    | {line}")
    if not ok:
        log(outcome.stderr[-4000:])
    return ok


if __name__ == "__main__":
    sys.exit(main())
