"""Every Practicum series an alert in the Helm chart queries is one the code exports.

A typo in a PrometheusRule expression is silent: the alert evaluates to nothing and never
fires. This reads the rule template and the metric definitions in the services' sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import promql_parser
import yaml

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


def _expressions() -> list[str]:
    """Every rule's ``expr`` from the template, single-line or a ``|`` block."""
    exprs: list[str] = []
    lines = RULES.read_text().splitlines()
    for i, line in enumerate(lines):
        key, _, rest = line.strip().partition(" ")
        if key != "expr:":
            continue
        if rest.strip() != "|":
            exprs.append(rest)
            continue
        indent = len(line) - len(line.lstrip())
        block = []
        for following in lines[i + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following.strip())
        exprs.append(" ".join(block))
    return exprs


def _render(expr: str, thresholds: dict[str, object]) -> str:
    """Stands in for helm on the few template actions an expression uses (anything else is
    left in place and fails the parse, so a new form has to be added here on purpose)."""
    expr = expr.replace("{{- $ns -}}", 'namespace="practicum"').replace("{{ $name | quote }}", '"session"')
    return re.sub(r"\{\{ \$th\.(\w+) \}\}", lambda m: str(thresholds[m.group(1)]), expr)


def test_every_alert_expression_is_valid_promql() -> None:
    # A syntax error is as silent as a misspelled series: Prometheus refuses the whole
    # rule group at load time, and only the operator's Prometheus logs say so.
    thresholds = yaml.safe_load((RULES.parents[1] / "values.yaml").read_text())["prometheusRule"]["thresholds"]
    exprs = _expressions()
    assert len(exprs) >= 15, f"found only {len(exprs)} expressions: the extraction broke"
    errors = []
    for expr in exprs:
        rendered = _render(expr, thresholds)
        try:
            promql_parser.parse(rendered)
        except ValueError as exc:
            errors.append(f"{rendered}\n    -> {exc}")
    assert not errors, "invalid PromQL in the alert rules:\n" + "\n".join(errors)
