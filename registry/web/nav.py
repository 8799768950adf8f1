"""Navigation by role: each feature lists its pages here; only registered endpoints show. An
entry may carry a count (a badge: the notifications' unread count), given by a function the
composition root puts in ``BADGES`` (``registry.home``), since this module imports no feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, url_for


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: tuple[str, ...]
    hint: str = ""


NOTIFICATIONS = "reminders_pages.notifications"
BADGES: dict[str, Callable[[], int]] = {}
"""A count shown next to an entry, by endpoint (set by ``registry.home.install``)."""
ALL_ROLES = ("admin", "talent_rep", "vfx_lead", "legal", "auditor")

NAV: tuple[NavItem, ...] = (
    NavItem(
        "My performers",
        "performers_pages.index",
        ("talent_rep", "admin"),
        "Find performers and their consents",
    ),
    NavItem(
        "Uses of my consents",
        "requests_pages.relied_on",
        ("talent_rep",),
        "Every request and decision that relied on your performers' consents",
    ),
    NavItem(
        "Expiring consents",
        "consents_pages.expiring",
        ("talent_rep", "admin"),
        "Consents ending in the next 30, 60 or 90 days",
    ),
    NavItem(
        "May I use this?",
        "requests_pages.new",
        ("vfx_lead", "admin"),
        "Ask the registry before every use",
    ),
    NavItem(
        "My productions",
        "production_work.productions",
        ("vfx_lead",),
        "What you may do on each production, and what is on record for it",
    ),
    NavItem(
        "Requests",
        "requests_pages.index",
        ("vfx_lead", "admin", "legal"),
        "Request history and decisions",
    ),
    NavItem(
        "Models",
        "models_pages.index",
        ("vfx_lead", "admin", "legal"),
        "Enhancement models and replicas",
    ),
    NavItem(
        "GenAI declarations",
        "triage_pages.index",
        ("vfx_lead", "admin", "legal"),
        "Declare every intended use of GenAI; see its triage",
    ),
    NavItem(
        "Tools and pipelines",
        "triage_pages.tools_index",
        ("legal", "admin", "vfx_lead", "talent_rep"),
        "GenAI tools' data terms and vendor pipelines (T4)",
    ),
    NavItem(
        "Approval queue",
        "approvals_pages.queue",
        ("legal", "admin"),
        "Escalated requests and declarations waiting for legal",
    ),
    NavItem(
        "Reminders",
        "reminders_pages.dashboard",
        ("admin", "talent_rep", "vfx_lead"),
        "Expiry reminders and notifications",
    ),
    NavItem("Audit trail", "audit_pages.index", ("auditor", "admin"), "Events and verification"),
    NavItem("Users", "users_pages.index", ("admin",), "Invite people, change roles, revoke"),
    NavItem(
        "Export consents",
        "consents_export.export",
        ("admin",),
        "Consents as CSV or JSON Lines, with the CLI's filters",
    ),
    NavItem(
        "Productions",
        "productions_pages.index",
        ("admin",),
        "Productions, pitches, concepts and their members",
    ),
    NavItem(
        "Blanket grants",
        "requests_pages.blanket_consents",
        ("admin", "legal", "talent_rep"),
        "Decisions made on a consent that names no particular use (C2)",
    ),
    NavItem(
        "The rules",
        "rules_pages.index",
        ("admin", "talent_rep", "vfx_lead", "legal", "auditor"),
        "How the registry decides, next to the guidance",
    ),
    NavItem(
        "Notifications",
        NOTIFICATIONS,
        ALL_ROLES,
        "Reminders and notices about what you work on; mark them read",
    ),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    hint: str
    badge: int = 0


def nav_items(role: str | None) -> list[NavLink]:
    if role is None:
        return []
    endpoints = current_app.view_functions
    return [
        NavLink(
            item.label,
            url_for(item.endpoint),
            item.hint,
            BADGES[item.endpoint]() if item.endpoint in BADGES else 0,
        )
        for item in NAV
        if role in item.roles and item.endpoint in endpoints
    ]
