"""The worker's task metrics reach its /metrics from the prefork children.

prometheus-client picks multiprocess mode when it is first imported; a start-up helper
that imported it before the worker set PROMETHEUS_MULTIPROC_DIR once left /metrics without
a single task metric (no outcomes, durations or dead letters: the dead-letter alert could
never fire). Each case runs in a fresh interpreter, because the mode is per process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_count_made_in_a_forked_child_is_served_by_the_parent() -> None:
    result = _run(
        """
        import os
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        from practicum_grading.__main__ import use_multiprocess_metrics
        use_multiprocess_metrics()
        # What the entry point imports next, which once brought prometheus_client in first.
        from practicum_common.process import run_main
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess
        from practicum_grading.entrypoints.worker import TASKS

        pid = os.fork()
        if pid == 0:
            TASKS.labels("grade_turn", "graded").inc()
            os._exit(0)
        os.waitpid(pid, 0)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        print(generate_latest(registry).decode())
        """
    )
    assert result.returncode == 0, result.stderr
    assert 'practicum_grading_tasks_total{outcome="graded",task="grade_turn"} 1.0' in result.stdout


def test_prometheus_client_imported_too_early_is_refused_not_silent() -> None:
    result = _run(
        """
        import os
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        import prometheus_client  # the mistake: single-process mode is now fixed
        from practicum_grading.__main__ import use_multiprocess_metrics
        use_multiprocess_metrics()
        """
    )
    assert result.returncode != 0
    assert "imported before PROMETHEUS_MULTIPROC_DIR was set" in result.stderr
