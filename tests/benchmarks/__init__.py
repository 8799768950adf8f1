"""Tests of the benchmark tooling in ``benchmarks/`` (it is run, at its smallest size)."""
