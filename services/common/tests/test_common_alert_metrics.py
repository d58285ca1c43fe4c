"""Every Practicum series an alert or dashboard panel of the Helm chart queries is one the
code exports, with labels it has.

A typo in a PrometheusRule expression is silent: the alert evaluates to nothing and never
fires; a dashboard panel just stays empty. This reads the rule template, the dashboards'
source (charts/dashboards.py) and the metric definitions in the services' sources.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import promql_parser
import yaml

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "charts" / "practicum" / "templates" / "prometheusrule.yaml"
# A metric's definition: its name, its help text (one or more string literals), then its
# label names if it has any (positional, labelnames= or, for the custom collectors, labels=).
DEFINITION = re.compile(
    r"\b(?:Counter|Gauge|Histogram|Summary|GaugeMetricFamily|CounterMetricFamily)\(\s*\"(practicum_[a-z0-9_]+)\""
    r"(?:\s*,?\s*\"(?:[^\"\\]|\\.)*\")+(?:\s*,\s*(?:labelnames=|labels=)?\[([^\]]*)\])?",
)
# prometheus-client's suffixes for counters and histograms.
SUFFIXES = ("", "_total", "_bucket", "_count", "_sum")
# Labels every scraped series gets from Prometheus and the ServiceMonitor, and `le` of buckets.
TARGET_LABELS = {"namespace", "pod", "job", "instance", "service", "app_kubernetes_io_component", "le"}


def _labels_of() -> dict[str, set[str]]:
    """Every exported series name (with prometheus-client's suffixes) -> its label names."""
    labels: dict[str, set[str]] = {}
    for source in (ROOT / "services").glob("*/src/**/*.py"):
        for name, names in DEFINITION.findall(source.read_text()):
            for suffix in SUFFIXES:
                labels[name + suffix] = set(re.findall(r"\"([a-z_]+)\"", names))
    return labels


def _exported() -> set[str]:
    return set(_labels_of())


def test_the_sources_define_the_metrics_this_check_relies_on() -> None:
    exported = _exported()
    # Guards the regular expression itself: if it stopped matching, every alert would "pass".
    assert {"practicum_turn_feedback_delay_seconds_bucket", "practicum_grading_queue_length"} <= exported
    assert "practicum_outbox_pending" in exported
    labels = _labels_of()
    assert labels["practicum_simulation_guard_actions_total"] == {"rule", "action"}
    assert labels["practicum_grading_queue_length"] == {"queue"}  # a custom collector's labels=
    assert labels["practicum_turn_feedback_delay_seconds_bucket"] == set()


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


# --- dashboards ---------------------------------------------------------------------------


def _dashboards() -> ModuleType:
    spec = importlib.util.spec_from_file_location("practicum_dashboards", ROOT / "charts" / "dashboards.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def _targets() -> list[tuple[str, str, str]]:
    """(panel title, expr with the namespace variable filled in, legend) of every query."""
    board = json.loads((ROOT / "charts" / "practicum" / "dashboards" / "practicum-overview.json").read_text())
    return [
        (panel["title"], target["expr"].replace("$namespace", "practicum"), target["legendFormat"])
        for panel in board["panels"]
        for target in panel.get("targets", [])
    ]


def _walk(node: Any, selectors: list[Any], aggregations: list[Any], made: set[str] | None = None) -> None:
    """Collects the vector selectors and the aggregations of a parsed expression, and into
    ``made`` the labels its label_replace calls create."""
    if made is not None and isinstance(node, promql_parser.Call) and node.func.name == "label_replace":
        made.add(node.args[1].val)
    if isinstance(node, promql_parser.VectorSelector):
        selectors.append(node)
        return
    if isinstance(node, promql_parser.MatrixSelector):
        selectors.append(node.vector_selector)
        return
    if isinstance(node, promql_parser.AggregateExpr):
        aggregations.append(node)
    for attr in ("expr", "lhs", "rhs", "param"):
        child = getattr(node, attr, None)
        if child is not None:
            _walk(child, selectors, aggregations, made)
    for child in getattr(node, "args", None) or []:
        _walk(child, selectors, aggregations, made)


def test_the_committed_dashboard_json_is_what_its_source_writes() -> None:
    dashboards = _dashboards()
    for name in dashboards.DASHBOARDS:
        committed = (dashboards.OUT_DIR / name).read_text()
        assert committed == dashboards.render(name), f"{name} is stale: run `python charts/dashboards.py`"


def test_every_dashboard_query_parses_and_reads_exported_series_by_their_own_labels() -> None:
    labels_of = _labels_of()
    targets = _targets()
    assert len(targets) >= 25, f"found only {len(targets)} queries: the extraction broke"
    errors = []
    for title, expr, legend in targets:
        try:
            tree = promql_parser.parse(expr)
        except ValueError as exc:
            errors.append(f"{title}: {expr}\n    -> {exc}")
            continue
        selectors: list[Any] = []
        aggregations: list[Any] = []
        made: set[str] = set()
        _walk(tree, selectors, aggregations, made)
        names = [s.name for s in selectors]
        if not names:
            errors.append(f"{title}: no series in {expr}")
        available = set(TARGET_LABELS) | made
        for selector in selectors:
            if selector.name.startswith("vllm:"):  # the inference server's own metrics
                available |= {"model_name", "engine"}
                continue
            if selector.name not in labels_of:
                errors.append(f"{title}: {selector.name} is not exported by any service")
                continue
            own = labels_of[selector.name] | TARGET_LABELS
            available |= own
            if "namespace" not in {m.name for m in selector.matchers.matchers}:
                errors.append(f"{title}: {selector.name} is not scoped to the namespace variable")
            for matcher in selector.matchers.matchers:
                if matcher.name not in own:
                    errors.append(f"{title}: {selector.name} has no label {matcher.name!r}")
        for aggregation in aggregations:
            grouped = set(aggregation.modifier.labels) if aggregation.modifier else set()
            if grouped - available:
                errors.append(f"{title}: grouped by labels the series lack: {sorted(grouped - available)}")
        # A legend names labels the outermost aggregation keeps, or it renders empty.
        outer = set(aggregations[0].modifier.labels) if aggregations and aggregations[0].modifier else set()
        for label in re.findall(r"\{\{(\w+)\}\}", legend):
            if label not in outer:
                errors.append(f"{title}: legend uses {{{{{label}}}}}, which the query does not keep")
    assert not errors, "dashboard queries that would draw nothing:\n" + "\n".join(errors)


def test_the_dashboard_check_sees_a_misspelled_series_and_a_lost_label() -> None:
    # The checks above must be able to fail: the same walk on two broken queries.
    selectors: list[Any] = []
    aggregations: list[Any] = []
    _walk(
        promql_parser.parse('sum by (queue) (practicum_grading_queue_lenght{namespace="x"})'), selectors, aggregations
    )
    assert selectors[0].name not in _labels_of()
    selectors, aggregations = [], []
    _walk(
        promql_parser.parse('sum by (task) (rate(practicum_grading_sweeps_total{namespace="x"}[5m]))'),
        selectors,
        aggregations,
    )
    assert set(aggregations[0].modifier.labels) - (_labels_of()[selectors[0].name] | TARGET_LABELS) == {"task"}
