"""Run every benchmark in this folder and print their RESULT lines together at the end.

``.venv/bin/python benchmarks/run.py [--quick] [name ...]`` (or ``make bench``); each figure is
reported with a floor measured in the same run and the ratio to it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    args = [a for a in sys.argv[1:] if a.startswith("--")]
    names = [a for a in sys.argv[1:] if not a.startswith("--")]
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    results: list[str] = []
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            print(line)
            if line.startswith("RESULT "):
                results.append(line)
        if proc.returncode != 0:
            failed += 1
            print(proc.stderr[-3000:], file=sys.stderr)
    print("\n== summary")
    print("\n".join(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
