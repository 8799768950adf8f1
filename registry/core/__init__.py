"""Framework-free pieces shared by features: db base and types, clock, ids, errors, hashing,
keys, signals, the one chunker, fixed reads and writes for hot paths.

May import: only ``registry.core`` itself.
"""
