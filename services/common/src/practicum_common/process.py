"""Process helpers shared by the services' command lines."""

from __future__ import annotations

import signal
import threading


def wait_for_shutdown_signal() -> None:
    """Block until SIGINT or SIGTERM (what Kubernetes and `make down` send)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
