"""Tests of ``registry.web``: error answers and the access log."""
