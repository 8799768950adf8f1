"""The scheduler process (``flask scheduler run``): APScheduler 3 running the jobs of ``passes``.

Never started by ``create_app``: web workers do not run jobs. The process is handed its app and
gives it to every job; each job is coalesced, runs one instance at a time, and runs first at
start-up; SIGTERM and Ctrl-C stop it after the running jobs finish. Any number of scheduler
processes may run against one database: the scan and the cascade are singletons (see
``reminders.locks``) and deliveries are claimed (see ``reminders.delivery``).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, timedelta
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from registry.core.clock import utcnow
from registry.jobs.passes import (
    audit_checks_job,
    audit_witness_job,
    cascade_job,
    deliver_job,
    idempotency_job,
    scan_job,
)

JOBS = (
    ("scan", scan_job, "REMINDER_INTERVAL_SECONDS"),
    ("cascade", cascade_job, "REMINDER_INTERVAL_SECONDS"),
    ("deliver", deliver_job, "REMINDER_DELIVERY_INTERVAL_SECONDS"),
    ("audit-checks", audit_checks_job, "AUDIT_CHECK_POLL_SECONDS"),
    ("audit-witness", audit_witness_job, "AUDIT_WITNESS_INTERVAL_SECONDS"),
    ("idempotency", idempotency_job, "IDEMPOTENCY_FORGET_INTERVAL_SECONDS"),
)


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    start = utcnow()
    for offset, (job_id, job, setting_name) in enumerate(JOBS):
        scheduler.add_job(
            job,
            "interval",
            args=(app,),
            seconds=max(1, int(app.config[setting_name])),
            id=job_id,
            name=job_id,
            next_run_time=start + timedelta(seconds=offset),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            replace_existing=True,
        )
    return scheduler


def run(app: Flask) -> None:
    """Run until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("registry.jobs").info("stopping (signal %d)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("registry.jobs").info(
        "scheduler started: %s", ", ".join(job.id for job in scheduler.get_jobs())
    )
    scheduler.start()
