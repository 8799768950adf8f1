"""Tests of the client packages under ``clients/``, against a real registry on loopback."""
