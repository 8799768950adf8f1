"""The scheduler's jobs: importable module-level functions, each one full unit of work.

``scan_job``, ``cascade_job``, ``receipts_job`` and ``deliver_job`` take no arguments: they run
in an app context of the app bound with ``bind_app`` (the scheduler process binds the one it
created), or of a new ``create_app()``. ``run_once`` is one full pass (scan, cascade, receipts,
delivery) for an app, as used by ``flask reminders run-once`` and by tests. Every job owns its
transactions and commits itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Flask

from registry.consents import receipt_issuer
from registry.core.clock import utcnow
from registry.extensions import db
from registry.reminders import delivery, locks, scan

log = logging.getLogger("registry.reminders")

_bound: dict[str, Flask] = {}


def bind_app(app: Flask) -> None:
    _bound["app"] = app


def _app() -> Flask:
    if "app" not in _bound:
        from registry.app import create_app

        _bound["app"] = create_app()
    return _bound["app"]


@dataclass
class PassResult:
    scanned: bool = False
    scan: scan.ScanResult = field(default_factory=scan.ScanResult)
    cascaded: int = 0
    receipts: int = 0
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
            f"{scan_part}; {self.cascaded} expiries cascaded; {self.receipts} receipts issued; "
            f"{d.sent} deliveries sent, {d.retrying} to retry, {d.failed} failed, "
            f"{d.cancelled} cancelled"
        )


def run_scan(holder: str) -> tuple[bool, scan.ScanResult]:
    now = utcnow()
    with locks.singleton("scan", holder, now) as acquired:
        if not acquired:
            return False, scan.ScanResult()
        try:
            result = scan.scan_expiries(now)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return True, result


def run_cascade(holder: str) -> int:
    total = 0
    while True:
        now = utcnow()
        with locks.singleton("cascade", holder, now) as acquired:
            if not acquired:
                return total
            try:
                result = scan.cascade_expiries(now)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
        total += result.count
        if result.count < scan.CASCADE_BATCH:
            return total


def run_receipts(holder: str, batch: int = 2000) -> int:
    """Issue the pending consent receipts, one committed batch at a time, while this process
    holds the ``receipts`` singleton."""
    total = 0
    while True:
        with locks.singleton("receipts", holder, utcnow()) as acquired:
            if not acquired:
                return total
            try:
                issued = receipt_issuer.issue_pending(batch)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
        total += issued
        if issued < batch:
            return total


def run_once(app: Flask, holder: str | None = None) -> PassResult:
    """One full pass in ``app``: scan, cascade, then deliver what is due."""
    holder = holder or delivery.new_holder()
    result = PassResult()
    with app.app_context():
        try:
            result.scanned, result.scan = run_scan(holder)
            result.cascaded = run_cascade(holder)
            result.receipts = run_receipts(holder)
            result.delivery = delivery.deliver_due(holder)
        finally:
            db.session.remove()
    return result


def scan_job() -> None:
    """Enqueue the reminders now due (one process at a time across the deployment)."""
    app = _app()
    with app.app_context():
        try:
            scanned, result = run_scan(delivery.new_holder())
            if scanned and result.queued:
                log.info("%d reminders queued (%d skipped)", result.queued, result.skipped)
        finally:
            db.session.remove()


def cascade_job() -> None:
    """Cascade the expiries that happened (one process at a time across the deployment)."""
    app = _app()
    with app.app_context():
        try:
            cascaded = run_cascade(delivery.new_holder())
            if cascaded:
                log.info("%d expiries cascaded", cascaded)
        finally:
            db.session.remove()


def receipts_job() -> None:
    """Sign and store the consent receipts a bulk import left pending (one process at a time)."""
    app = _app()
    with app.app_context():
        try:
            issued = run_receipts(delivery.new_holder())
            if issued:
                log.info("%d consent receipts issued", issued)
        finally:
            db.session.remove()


def deliver_job() -> None:
    """Send what is due (any number of processes may run this side by side)."""
    app = _app()
    with app.app_context():
        try:
            result = delivery.deliver_due()
            if result.sent or result.failed or result.retrying:
                log.info(
                    "%d sent, %d to retry, %d failed", result.sent, result.retrying, result.failed
                )
        finally:
            db.session.remove()
