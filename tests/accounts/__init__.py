"""Tests of ``registry.accounts``: users, API tokens, signing in and out."""
