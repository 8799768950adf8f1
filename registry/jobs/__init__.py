"""The scheduler process, its jobs and their commands: work that runs on a timer.

``scheduler.py`` runs APScheduler in its own process (``flask --app wsgi scheduler run``);
``passes.py`` holds the jobs (scan, cascade, deliver; the audit trail's records checks and
witness; forgetting expired idempotency keys) and ``run_once`` (one full pass of the
reminders, ``flask --app wsgi reminders run-once``); ``cli.py`` the commands. Every job is
handed the app it runs in: nothing here creates one. The work itself lives in the owning
feature's services (``reminders``, ``gate``, ``audit``, ``web.idempotency``); a job only says
when, under which singleton lock, and in which units of work (``registry.transactions``).

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``reminders``, ``audit``,
``web``.
Imported by ``cli`` only.
"""
