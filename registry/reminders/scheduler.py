"""The scheduler process (``flask scheduler run``): APScheduler 3 running the reminder jobs.

Never started by ``create_app``: web workers do not run jobs. Jobs are given by reference to
module-level functions (``registry.reminders.jobs:...``), coalesced, one instance at a time, and
run first at start-up; SIGTERM and Ctrl-C stop it after the running jobs finish. Any number of
scheduler processes may run against one database: the scan and the cascade are singletons (see
``locks``) and deliveries are claimed (see ``delivery``).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, timedelta
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from registry.core.clock import utcnow
from registry.reminders.jobs import bind_app

JOBS = (
    ("scan", "registry.reminders.jobs:scan_job", "REMINDER_INTERVAL_SECONDS"),
    ("cascade", "registry.reminders.jobs:cascade_job", "REMINDER_INTERVAL_SECONDS"),
    ("receipts", "registry.reminders.jobs:receipts_job", "REMINDER_INTERVAL_SECONDS"),
    ("deliver", "registry.reminders.jobs:deliver_job", "REMINDER_DELIVERY_INTERVAL_SECONDS"),
)


def build_scheduler(app: Flask) -> BlockingScheduler:
    bind_app(app)
    scheduler = BlockingScheduler(timezone=UTC)
    start = utcnow()
    for offset, (job_id, ref, setting_name) in enumerate(JOBS):
        scheduler.add_job(
            ref,
            "interval",
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
        logging.getLogger("registry.reminders").info("stopping (signal %d)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("registry.reminders").info(
        "scheduler started: %s", ", ".join(job.id for job in scheduler.get_jobs())
    )
    scheduler.start()
