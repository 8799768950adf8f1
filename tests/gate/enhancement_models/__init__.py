"""Tests of ``registry.gate.enhancement_models``."""
