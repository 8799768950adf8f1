"""Tests of ``registry.productions``: productions and their members."""
