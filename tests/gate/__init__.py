"""Tests of the gate: models, replicas, use requests, decisions, approvals, cascade, pages."""
