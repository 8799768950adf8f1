"""Talent consent and digital-replica registry."""
