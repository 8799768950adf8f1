"""Tests of ``registry.gate.replicas``."""
