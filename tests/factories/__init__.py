"""The one set of factories for the tests: rows, request bodies and clients, by feature.

- ``accounts``: users (``make_user`` with a password and a token, ``api_user`` with a token
  only, ``quick_user`` with neither).
- ``productions``: ``make_production``.
- ``performers``: ``stored_performer`` (a row, no personal data) and
  ``performer_with_personal_data`` (through the service, encrypted); the API's body.
- ``consents``: ``stored_consent``, ``amend``, ``revoke`` (rows, as the consents feature writes
  them) and ``recorded_consent`` (through the service); the API's body.
- ``documents``: evidence documents and SHA-256 digests.
- ``gate``: the gate's ``World`` and what only its API makes (replicas, models).
- ``reminders``: consents expiring when a reminder test says, handled by consent id.
- ``web``: bearer headers, CSRF tokens, signing in, page forms.

The rules engine's facts are built elsewhere (``tests.rules.builders``): they are no rows.
"""

from tests.factories.accounts import PASSWORD, api_user, make_user, quick_user
from tests.factories.consents import (
    EVIDENCE,
    amend,
    api_record,
    consent_body,
    current_version,
    iso,
    recorded_consent,
    revoke,
    stored_consent,
)
from tests.factories.documents import PDF, PNG, sha, sha256_of, unique_pdf
from tests.factories.gate import World, model_via_api, replica_via_api
from tests.factories.performers import (
    api_create_performer,
    performer_body,
    performer_with_personal_data,
    stored_performer,
)
from tests.factories.productions import make_production
from tests.factories.reminders import (
    Setup,
    amend_consent,
    days,
    expiring_consent,
    one_consent,
    revoke_consent,
)
from tests.factories.web import bearer, csrf_token, fresh_client, login, post_form

__all__ = [
    "EVIDENCE",
    "PASSWORD",
    "PDF",
    "PNG",
    "Setup",
    "World",
    "amend",
    "amend_consent",
    "api_create_performer",
    "api_record",
    "api_user",
    "bearer",
    "consent_body",
    "csrf_token",
    "current_version",
    "days",
    "expiring_consent",
    "fresh_client",
    "iso",
    "login",
    "make_production",
    "make_user",
    "model_via_api",
    "one_consent",
    "performer_body",
    "performer_with_personal_data",
    "post_form",
    "quick_user",
    "recorded_consent",
    "replica_via_api",
    "revoke",
    "revoke_consent",
    "sha",
    "sha256_of",
    "stored_consent",
    "stored_performer",
    "unique_pdf",
]
