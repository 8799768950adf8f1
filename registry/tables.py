"""Imports every feature's models so ``Base.metadata`` is complete (Alembic, tests)."""

from registry.accounts import models as accounts
from registry.audit import models as audit
from registry.consents import models as consents
from registry.performers import models as performers
from registry.productions import models as productions

__all__ = ["accounts", "audit", "consents", "performers", "productions"]
