"""Talent consent and digital-replica registry.

The composition root (``app``, ``cli``, ``demo``, ``tables``, ``config``, ``extensions``,
``appctx``, ``transactions``) wires the features together; each feature package's docstring
says what it may import, and ``tests/app/test_architecture.py`` holds them to it.
"""
