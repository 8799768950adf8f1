"""JSON endpoints for consents: record, read, list, amend, revoke, versions, receipts, evidence."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.consents import evidence, services
from registry.consents.schemas import (
    AmendSchema,
    ConsentInSchema,
    ConsentListSchema,
    ConsentPageSchema,
    ConsentQuerySchema,
    ConsentSchema,
    EvidenceSchema,
    EvidenceUploadSchema,
    ReceiptSchema,
    RevokeSchema,
    VersionQuerySchema,
)
from registry.transactions import unit_of_work
from registry.web import uploads
from registry.web.auth import actor, authenticate_api, roles_required
from registry.web.blueprint import ApiBlueprint
from registry.web.schemas import paginate

blp = ApiBlueprint(
    "consents_api",
    __name__,
    url_prefix="/api/v1/consents",
    description="Consents: scoped, versioned, revocable, with signed receipts",
)
blp.before_request(authenticate_api)

READ = services.READ_ROLES
CHANGE = services.CHANGE_ROLES


@blp.route("")
class Consents(MethodView):
    @blp.doc(operationId="listConsents")
    @roles_required(*READ)
    @blp.arguments(ConsentQuerySchema, location="query")
    @blp.response(200, ConsentPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Consents the caller may read (current versions; status computed now)."""
        page_no, per_page = args.pop("page"), args.pop("per_page")
        page = paginate(services.consent_query(actor(), **args), page_no, per_page)
        page.items = services.views(page.items)
        return page

    @blp.doc(operationId="createConsent")
    @roles_required(*CHANGE)
    @blp.arguments(ConsentInSchema)
    @blp.response(201, ConsentSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any]) -> Any:
        """Record a consent for a performer the caller represents; answers with its receipt."""
        version = services.record_consent(data, actor=actor())
        return services.view(version)


@blp.route("/<consent_id>")
class ConsentItem(MethodView):
    @blp.doc(operationId="getConsent")
    @roles_required(*READ, "vfx_lead")
    @blp.response(200, ConsentSchema)
    def get(self, consent_id: str) -> Any:
        """The current version, with its status at this moment.

        A vfx_lead reads only a consent a decision of their production relied on, and only its
        production, purposes, media, validity and description."""
        consent, whole = services.readable_consent(actor(), consent_id)
        out = services.view(services.current_version(consent))
        return out if whole else services.lead_view(out)


@blp.route("/<consent_id>/versions")
class ConsentVersions(MethodView):
    @blp.doc(operationId="listConsentVersions")
    @roles_required(*READ)
    @blp.response(200, ConsentListSchema)
    def get(self, consent_id: str) -> Any:
        """Every version, oldest first, each with its status."""
        consent = services.visible_consent(actor(), consent_id)
        return {"items": services.views(services.versions(consent))}


@blp.route("/<consent_id>/amend")
class ConsentAmend(MethodView):
    @blp.doc(operationId="amendConsent")
    @roles_required(*CHANGE)
    @blp.arguments(AmendSchema)
    @blp.response(201, ConsentSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any], consent_id: str) -> Any:
        """A signed amendment: a new version (same id, version + 1); 409 once revoked or expired."""
        user = actor()
        consent = services.changeable_consent(user, consent_id)
        version = services.amend_consent(consent, data, actor_id=user.id)
        return services.view(version)


@blp.route("/<consent_id>/revoke")
class ConsentRevoke(MethodView):
    @blp.doc(operationId="revokeConsent")
    @roles_required(*CHANGE)
    @blp.arguments(RevokeSchema)
    @blp.response(200, ConsentSchema)
    @unit_of_work()
    def post(self, data: dict[str, Any], consent_id: str) -> Any:
        """Revoke now; answers with the termination receipt. The cascade is done on answering."""
        user = actor()
        consent = services.changeable_consent(user, consent_id)
        version = services.revoke_consent(consent, data["reason"], actor_id=user.id)
        out = services.view(version)
        out["receipt"] = version.termination_receipt
        return out


@blp.route("/<consent_id>/receipt")
class ConsentReceipt(MethodView):
    @blp.doc(operationId="getConsentReceipt")
    @roles_required(*READ)
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, ReceiptSchema)
    def get(self, args: dict[str, Any], consent_id: str) -> Any:
        """The receipts of a version (default: the current one), verifiable with the JWKS."""
        consent = services.visible_consent(actor(), consent_id)
        version = services.version_of(consent, args.get("version"))
        return {
            "consent_id": consent.id,
            "version": version.version,
            "receipt": version.receipt,
            "termination_receipt": version.termination_receipt,
        }


@blp.route("/<consent_id>/evidence")
class ConsentEvidence(MethodView):
    @blp.doc(operationId="downloadConsentEvidence")
    @roles_required(*READ)
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(
        200,
        description="The signed document (PDF, PNG, JPEG or WebP)",
        content_type="application/octet-stream",
    )
    def get(self, args: dict[str, Any], consent_id: str) -> Any:
        """Download the evidence document of a version (default: the current one).

        Whoever may read the consent may read its evidence (the issue's rule): admin, the
        performer's own representatives, and legal, who checks what the signed document covers.
        """
        consent = services.visible_consent(actor(), consent_id)
        return evidence.download(services.version_of(consent, args.get("version")))

    @blp.doc(operationId="uploadConsentEvidence")
    @roles_required(*CHANGE)
    @blp.arguments(EvidenceUploadSchema, location="files")
    @blp.response(201, EvidenceSchema)
    @unit_of_work()
    def post(self, files: dict[str, Any], consent_id: str) -> Any:
        """Upload the signed document; its SHA-256 must be a version's evidence hash."""
        user = actor()
        consent = services.changeable_consent(user, consent_id)
        upload = files["file"]
        checked = uploads.read_upload(upload.stream, upload.filename)
        doc, version = evidence.attach(consent, checked, actor_id=user.id)
        return {
            "id": doc.id,
            "consent_id": consent.id,
            "version": version.version,
            "sha256": doc.sha256,
            "content_type": doc.content_type,
            "size": doc.size,
            "created_at": doc.created_at,
        }
