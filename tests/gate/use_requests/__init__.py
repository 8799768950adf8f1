"""Tests of ``registry.gate.use_requests``: asking, deciding, approving."""
