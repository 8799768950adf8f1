"""Tests of the top-level modules (``registry.app``, ``config``, ``cli``) and of what spans the
whole app: architecture, migrations, the OpenAPI contract."""
