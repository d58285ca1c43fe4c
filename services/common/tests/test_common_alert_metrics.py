"""Every Practicum series an alert in the Helm chart queries is one the code exports.

A typo in a PrometheusRule expression is silent: the alert evaluates to nothing and never
fires. This reads the rule template and the metric definitions in the services' sources.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "charts" / "practicum" / "templates" / "prometheusrule.yaml"
DEFINITION = re.compile(
    r"\b(?:Counter|Gauge|Histogram|Summary|GaugeMetricFamily|CounterMetricFamily)\(\s*\"(practicum_[a-z0-9_]+)\"",
)
# prometheus-client's suffixes for counters and histograms.
SUFFIXES = ("", "_total", "_bucket", "_count", "_sum")


def _exported() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "services").glob("*/src/**/*.py"):
        for name in DEFINITION.findall(source.read_text()):
            names.update(name + suffix for suffix in SUFFIXES)
    return names


def test_the_sources_define_the_metrics_this_check_relies_on() -> None:
    exported = _exported()
    # Guards the regular expression itself: if it stopped matching, every alert would "pass".
    assert {"practicum_turn_feedback_delay_seconds_bucket", "practicum_grading_queue_length"} <= exported
    assert "practicum_outbox_pending" in exported


def test_every_practicum_series_in_the_alert_rules_is_exported() -> None:
    # Annotations and comments may name commands (python -m practicum_grading); only
    # the expressions query series.
    lines = RULES.read_text().splitlines()
    queries = [ln for ln in lines if not ln.strip().startswith(("summary:", "description:", "#"))]
    queried = set(re.findall(r"\bpracticum_[a-z0-9_]+", "\n".join(queries)))
    assert queried, "no practicum_* series found in the rule template"
    missing = sorted(queried - _exported())
    assert not missing, f"alert rules query series no service exports: {missing}"
