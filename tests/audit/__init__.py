"""Tests of ``registry.audit``: the hash-chained audit trail."""
