"""Prometheus helpers shared by the services."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter


def start_at_zero(counter: Counter, *label_sets: Sequence[str]) -> None:
    """Export each label set of ``counter`` at 0 before anything is counted.

    Alerts on one-off events are ``increase(...[w]) > 0``, and Prometheus computes no
    increase for a series whose first sample is already 1: without this, the first dead
    letter, failed webhook or skipped event after a process starts would never alert.
    A series that exists at 0 from the start makes its first count an increase
    (``charts/alert-tests.yaml`` feeds the alerts such series).
    """
    for labels in label_sets:
        counter.labels(*labels)
