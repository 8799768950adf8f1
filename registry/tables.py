"""Imports every feature's models so ``Base.metadata`` is complete (Alembic, tests)."""

from registry.accounts import link_models as account_links  # noqa: F401
from registry.accounts import models as accounts
from registry.approvals import models as approvals  # noqa: F401
from registry.audit import models as audit
from registry.consents import models as consents
from registry.gate.enhancement_models import models as enhancement_models  # noqa: F401
from registry.gate.replicas import models as replicas  # noqa: F401
from registry.gate.use_requests import models as use_requests  # noqa: F401
from registry.performers import models as performers
from registry.productions import models as productions
from registry.reminders import models as reminders  # noqa: F401
from registry.triage import models as triage  # noqa: F401
from registry.web import idempotency  # noqa: F401

__all__ = ["accounts", "audit", "consents", "performers", "productions"]
