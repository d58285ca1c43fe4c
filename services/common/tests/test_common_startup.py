"""A busy port is an operator's situation: one clear line and exit status 3, no traceback."""

from __future__ import annotations

import logging
import socket

import pytest

from practicum_common.health import PortInUse, serve_side_http
from practicum_common.process import run_main


def test_taken_side_port_raises_port_in_use_naming_the_address(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            serve_side_http("127.0.0.1", port, {}, lambda: True)
        assert f"127.0.0.1:{port}" in str(caught.value.strerror)

        def main() -> int:
            serve_side_http("127.0.0.1", port, {}, lambda: True)
            return 0

        with caplog.at_level(logging.ERROR):
            assert run_main(main) == 3
        assert "already in use" in caplog.text


def test_other_failures_still_raise() -> None:
    def main() -> int:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        run_main(main)
