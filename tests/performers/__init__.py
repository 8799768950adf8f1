"""Tests of ``registry.performers``: personal data encrypted at rest, key rotation and erasure."""
