"""One log format for every service: timestamp, level, service, logger, message."""

from __future__ import annotations

import logging
import sys


def setup_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # kafka-python logs every reconnect attempt at INFO/WARNING; during a broker outage
    # that is thousands of lines that hide the relay's own one-line-per-retry messages.
    logging.getLogger("kafka").setLevel(logging.ERROR)
    # One INFO line per HTTP request (health probes every few seconds) is noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
