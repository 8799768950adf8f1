"""Tests of ``registry.core``: ids, hashing, encryption, checkpoints, the import's fast
loader, fixed reads and writes."""
