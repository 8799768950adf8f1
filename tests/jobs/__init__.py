"""Tests of ``registry.jobs``: the scheduler, its passes and its commands run as real processes."""
