"""Process helpers shared by the services' command lines."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from practicum_common.health import PortInUse


def wait_for_shutdown_signal() -> None:
    """Block until SIGINT or SIGTERM (what Kubernetes and `make down` send)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def run_main(main: Callable[[], int]) -> int:
    """Run a service command line; a taken port is one clear log line and exit status 3.

    Everything else still raises with its traceback: those are bugs to read, while a busy
    port is an operator's situation with a known fix.
    """
    try:
        return main()
    except PortInUse as exc:
        logging.getLogger("practicum.startup").error("cannot start: %s", exc.strerror)
        return 3
