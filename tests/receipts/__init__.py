"""Tests of ``registry.receipts``: signed receipts that verify offline."""
