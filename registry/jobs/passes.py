"""The scheduler's jobs, each given the app it runs in, and ``run_once`` (one full pass).

``scan`` and ``cascade`` are singletons across the deployment (``reminders.locks``): one
process at a time, the rest skip. ``deliver`` may run in any number of processes side by side
(deliveries are claimed). ``audit_checks`` runs the records checks auditors asked for (each is
claimed by one process); ``audit_witness`` signs the trail's heads that moved and sends the
checkpoints to the witnesses (when any is configured; a checkpoint sent twice is harmless).
Each job's transactions are its own units of work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Flask

from registry.audit import checks, witness
from registry.core.clock import utcnow
from registry.extensions import db
from registry.reminders import delivery, locks, scan
from registry.transactions import unit_of_work
from registry.web import idempotency

log = logging.getLogger("registry.jobs")


@dataclass
class PassResult:
    scanned: bool = False
    scan: scan.ScanResult = field(default_factory=scan.ScanResult)
    cascaded: int = 0
    delivery: delivery.DeliveryResult = field(default_factory=delivery.DeliveryResult)

    def summary(self) -> str:
        d = self.delivery
        scan_part = (
            f"{self.scan.queued} reminders queued ({self.scan.skipped} skipped, "
            f"{self.scan.superseded} superseded)"
            if self.scanned
            else "scan skipped (another process holds it)"
        )
        return (
            f"{scan_part}; {self.cascaded} expiries cascaded; "
            f"{d.sent} deliveries sent, {d.retrying} to retry, {d.failed} failed, "
            f"{d.cancelled} cancelled"
        )


def run_scan(holder: str) -> tuple[bool, scan.ScanResult]:
    """Queue the reminders due now, if no other process is scanning (one unit of work)."""
    with locks.singleton("scan", holder, utcnow()) as acquired:
        if not acquired:
            return False, scan.ScanResult()
        return True, scan.scan_expiries(utcnow())


def run_cascade(holder: str) -> int:
    """Cascade the expiries that happened, one committed batch at a time."""
    total = 0
    while True:
        with locks.singleton("cascade", holder, utcnow()) as acquired:
            if not acquired:
                return total
            result = scan.cascade_expiries(utcnow())
        total += result.count
        if result.count < scan.CASCADE_BATCH:
            return total


def run_once(app: Flask, holder: str | None = None) -> PassResult:
    """One full pass in ``app``: scan, cascade, then deliver what is due."""
    holder = holder or delivery.new_holder()
    result = PassResult()
    with app.app_context():
        try:
            result.scanned, result.scan = run_scan(holder)
            result.cascaded = run_cascade(holder)
            result.delivery = delivery.deliver_due(holder)
        finally:
            db.session.remove()
    return result


def scan_job(app: Flask) -> None:
    """Enqueue the reminders now due (one process at a time across the deployment)."""
    with app.app_context():
        try:
            scanned, result = run_scan(delivery.new_holder())
            if scanned and result.queued:
                log.info("%d reminders queued (%d skipped)", result.queued, result.skipped)
        finally:
            db.session.remove()


def cascade_job(app: Flask) -> None:
    """Cascade the expiries that happened (one process at a time across the deployment)."""
    with app.app_context():
        try:
            cascaded = run_cascade(delivery.new_holder())
            if cascaded:
                log.info("%d expiries cascaded", cascaded)
        finally:
            db.session.remove()


def deliver_job(app: Flask) -> None:
    """Send what is due (any number of processes may run this side by side)."""
    with app.app_context():
        try:
            result = delivery.deliver_due()
            if result.sent or result.failed or result.retrying:
                log.info(
                    "%d sent, %d to retry, %d failed", result.sent, result.retrying, result.failed
                )
        finally:
            db.session.remove()


def audit_checks_job(app: Flask) -> None:
    """Run the records checks auditors asked for, oldest first, one at a time."""
    with app.app_context():
        try:
            holder = delivery.new_holder()
            while (check := checks.run_next(holder)) is not None:
                log.info(
                    "records check %s: %s (%d mismatches)",
                    check.id,
                    "intact" if check.ok else "TAMPERED",
                    check.mismatch_count,
                )
        finally:
            db.session.remove()


def audit_witness_job(app: Flask) -> None:
    """Sign the trail's heads that moved and send the witnesses what they have not had."""
    with app.app_context():
        try:
            published = witness.sign_and_publish()
            if published.errors:
                log.warning("audit witness: %s", published.summary())
        finally:
            db.session.remove()


def idempotency_job(app: Flask) -> None:
    """Forget the stored answers of API writes once their 24 hours are over (in batches, each
    its own unit of work)."""
    with app.app_context():
        try:
            while True:
                with unit_of_work():
                    forgotten = idempotency.forget_expired(utcnow())
                if forgotten < idempotency.FORGET_BATCH:
                    break
        finally:
            db.session.remove()
