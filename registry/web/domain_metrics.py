"""What the registry has done, read from the database at each scrape (``metrics``): the same
figures whichever process or host answers, and no feature's service has to count anything.

- ``registry_decisions_total{outcome}``: decisions made (every decision of every use request,
  re-decisions included); ``registry_decision_rules_total{outcome,rule}``: the deciding rules
  they named;
- ``registry_triages_total{level}``: triages made; ``registry_declarations{level}``: GenAI use
  declarations by their current triage level;
- ``registry_reminder_deliveries{channel,status}``: reminder and notice deliveries by state
  (``sent``, ``failed`` after the last attempt, ``pending``);
- ``registry_audit_events`` and ``registry_audit_state_events``: the length of each audit
  chain (its head's seq); ``registry_audit_last_checkpoint_age_seconds`` and
  ``registry_audit_events_since_checkpoint``: how old the last signed checkpoint of the events
  is, and how many events follow it;
- ``registry_database_up``: 0 when the database could not be read (the rest is then absent).

Each scrape runs these few aggregate SELECTs (the decisions' rules are unnested: a scan of the
decisions table). On SQLite they run on a pool connection outside any transaction, so a scrape
never takes the write lock.

The tables are named, not imported: ``web`` imports no feature (the architecture test).

May import: ``core``, ``rules``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from sqlalchemy.engine import Engine

from registry.core.clock import utcnow
from registry.core.reads import utc
from registry.rules.vocabulary import LEVELS, OUTCOMES

log = logging.getLogger("registry.metrics")

_RULE_IDS = {
    "sqlite": "SELECT d.outcome, json_extract(r.value, '$.id'), count(*) "
    "FROM decisions d, json_each(d.rules) r GROUP BY 1, 2",
    "postgresql": "SELECT d.outcome, r.value ->> 'id', count(*) "
    "FROM decisions d, json_array_elements(d.rules) r GROUP BY 1, 2",
}
QUERIES = {
    "decisions": "SELECT outcome, count(*) FROM decisions GROUP BY outcome",
    "triages": "SELECT level, count(*) FROM triages GROUP BY level",
    "declarations": "SELECT t.level, count(*) FROM declarations d "
    "JOIN triages t ON t.id = d.current_triage_id GROUP BY t.level",
    "deliveries": "SELECT channel, status, count(*) FROM reminder_deliveries "
    "GROUP BY channel, status",
    "events": "SELECT max(seq) FROM audit_events",
    "states": "SELECT max(seq) FROM audit_states",
    "checkpoint": "SELECT seq, at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
}


def read(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every query's rows, on one pool connection (SQLite's is in autocommit mode: each SELECT
    is a read of its own; PostgreSQL's read transaction ends when the pool takes it back)."""
    statements = {**QUERIES, "rules": _RULE_IDS[engine.dialect.name]}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            found = {}
            for name, sql in statements.items():
                cursor.execute(sql)
                found[name] = [tuple(row) for row in cursor.fetchall()]
            return found
        finally:
            cursor.close()
    finally:
        connection.close()


def _families(rows: dict[str, list[tuple[Any, ...]]]) -> Iterator[Metric]:
    decisions = CounterMetricFamily(
        "registry_decisions", "Decisions made on use requests, by outcome.", labels=["outcome"]
    )
    counts = {**dict.fromkeys(OUTCOMES, 0), **dict(rows["decisions"])}
    for outcome, count in counts.items():
        decisions.add_metric([outcome], count)
    yield decisions
    rules = CounterMetricFamily(
        "registry_decision_rules",
        "Deciding rules named by decisions, by the decision's outcome and the rule.",
        labels=["outcome", "rule"],
    )
    for outcome, rule, count in rows["rules"]:
        rules.add_metric([outcome, str(rule)], count)
    yield rules
    triages = CounterMetricFamily(
        "registry_triages", "Triages of GenAI use declarations, by level.", labels=["level"]
    )
    for level, count in {**dict.fromkeys(LEVELS, 0), **dict(rows["triages"])}.items():
        triages.add_metric([level], count)
    yield triages
    declarations = GaugeMetricFamily(
        "registry_declarations", "GenAI use declarations by current triage level.", labels=["level"]
    )
    for level, count in {**dict.fromkeys(LEVELS, 0), **dict(rows["declarations"])}.items():
        declarations.add_metric([level], count)
    yield declarations
    deliveries = GaugeMetricFamily(
        "registry_reminder_deliveries",
        "Reminder and notice deliveries, by channel and status (sent, failed, pending).",
        labels=["channel", "status"],
    )
    for channel, status, count in rows["deliveries"]:
        deliveries.add_metric([channel, status], count)
    yield deliveries
    head = int(rows["events"][0][0] or 0)
    yield GaugeMetricFamily("registry_audit_events", "Length of the audit events' chain.", head)
    yield GaugeMetricFamily(
        "registry_audit_state_events",
        "Length of the audit state events' chain.",
        int(rows["states"][0][0] or 0),
    )
    if rows["checkpoint"]:
        seq, at = rows["checkpoint"][0]
        age = (utcnow() - utc(at)).total_seconds()
        yield GaugeMetricFamily(
            "registry_audit_last_checkpoint_age_seconds",
            "Seconds since the last signed checkpoint of the audit events.",
            max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "registry_audit_events_since_checkpoint",
            "Audit events after the last signed checkpoint.",
            head - int(seq),
        )


class DomainCollector:
    """A ``prometheus_client`` collector reading the figures above at each ``collect()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[Metric]:
        try:
            rows = read(self.engine)
        except Exception:
            log.exception("metrics: the database could not be read")
            return [GaugeMetricFamily("registry_database_up", "The database answered.", 0)]
        up = GaugeMetricFamily("registry_database_up", "The database answered.", 1)
        return [up, *_families(rows)]
