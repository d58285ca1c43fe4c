"""Where a webhook may be delivered in production: only to public addresses, checked at
delivery time, on the connection that is actually made (no second DNS lookup a
rebinding record could answer differently)."""

from __future__ import annotations

import asyncio
import http.server
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import httpx
import pytest

from practicum_common.errors import InvalidInput
from practicum_session.adapters.webhooks import EgressRefused, WebhookSender, pinned_request, resolve_public
from practicum_session.domain.model import Webhook
from practicum_session.domain.webhooks import REPORT_READY, is_public_address
from practicum_session.entrypoints.routers import webhooks as webhooks_router
from practicum_session.entrypoints.schemas import SetWebhook, WebhookOut


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("100.64.0.7", False),  # shared (carrier-grade NAT) space
        ("169.254.169.254", False),  # cloud metadata
        ("0.0.0.0", False),
        ("224.0.0.251", False),  # multicast: is_global, still not a receiver
        ("::1", False),
        ("fd12:3456::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:10.0.0.1", False),  # IPv4-mapped: judged as the IPv4 address
        ("::ffff:93.184.215.14", True),
        ("not-an-address", False),
    ],
)
def test_only_globally_routable_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def _resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    asked: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def test_a_host_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    resolve = _resolver(
        {
            "hooks.partner.example": ["93.184.215.14", "2606:4700:4700::1111"],
            "rebound.partner.example": ["93.184.215.14", "10.0.0.5"],
            "metadata.partner.example": ["169.254.169.254"],
            "empty.partner.example": [],
        }
    )
    assert resolve_public("https://hooks.partner.example/p", resolve) == "93.184.215.14"
    assert resolve.asked[-1] == ("hooks.partner.example", 443)  # type: ignore[attr-defined]
    resolve_public("http://hooks.partner.example:8080/p", resolve)
    assert resolve.asked[-1] == ("hooks.partner.example", 8080)  # type: ignore[attr-defined]
    with pytest.raises(EgressRefused, match=r"non-public address 10.0.0.5"):
        resolve_public("https://rebound.partner.example/p", resolve)
    with pytest.raises(EgressRefused, match=r"non-public address 169.254.169.254"):
        resolve_public("https://metadata.partner.example/p", resolve)
    with pytest.raises(EgressRefused, match=r"does not resolve"):
        resolve_public("https://empty.partner.example/p", resolve)
    with pytest.raises(EgressRefused, match=r"'gone.partner.example' does not resolve"):
        resolve_public("https://gone.partner.example/p", resolve)


def test_a_pinned_request_keeps_the_host_header_and_tls_name() -> None:
    url, headers, extensions = pinned_request("https://hooks.partner.example:8443/p?x=1", "2606:4700:4700::1111")
    assert str(url) == "https://[2606:4700:4700::1111]:8443/p?x=1"
    assert headers == {"Host": "hooks.partner.example:8443"}
    assert extensions == {"sni_hostname": "hooks.partner.example"}
    url, headers, _ = pinned_request("https://hooks.partner.example/p", "93.184.215.14")
    assert str(url) == "https://93.184.215.14/p" and headers == {"Host": "hooks.partner.example"}


def test_the_sender_in_public_only_mode_connects_to_the_address_it_checked() -> None:
    seen: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    resolve = _resolver({"hooks.partner.example": ["93.184.215.14"], "inside.partner.example": ["10.0.0.5"]})
    sender = WebhookSender("unused", public_only=True, resolver=resolve)
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    assert sender._post(client, "https://hooks.partner.example/p", "k", "d-1", REPORT_READY, {}) is None
    assert seen[-1].url.host == "93.184.215.14"
    assert seen[-1].headers["Host"] == "hooks.partner.example"
    assert seen[-1].extensions["sni_hostname"] == "hooks.partner.example"

    error = sender._post(client, "https://inside.partner.example/p", "k", "d-2", REPORT_READY, {})
    assert error == "refused: host 'inside.partner.example' resolves to non-public address 10.0.0.5"
    assert len(seen) == 1, "no request may leave for a refused host"

    # Outside production the sender does not resolve at all (receivers on loopback).
    open_sender = WebhookSender("unused", resolver=resolve)
    assert open_sender._post(client, "https://inside.partner.example/p", "k", "d-3", REPORT_READY, {}) is None
    assert seen[-1].url.host == "inside.partner.example"


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers 204 and remembers the Host header each POST arrived with."""

    hosts: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).hosts.append(self.headers["Host"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        return


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An HTTPS receiver on loopback whose certificate names only receiver.partner.test."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=receiver.partner.test"),
            *("-addext", "subjectAltName=DNS:receiver.partner.test"),
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Echo.hosts = []
    try:
        yield server.server_address[1], cert
    finally:
        server.shutdown()
        server.server_close()


def test_a_pinned_https_request_verifies_the_certificate_of_the_original_name(tls_receiver: tuple[int, Path]) -> None:
    """Over a real TLS connection to the checked address, the receiver's certificate is
    verified against the URL's host name, not the address; without the pinned name the
    same connection fails verification."""
    port, cert = tls_receiver
    trust = ssl.create_default_context(cafile=str(cert))
    url = f"https://receiver.partner.test:{port}/hooks"
    with httpx.Client(verify=trust, timeout=5) as client:
        target, headers, extensions = pinned_request(url, "127.0.0.1")
        response = client.post(target, content=b"{}", headers=headers, extensions=extensions)
        assert response.status_code == 204
        assert _Echo.hosts == [f"receiver.partner.test:{port}"]
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|IP address mismatch"):
            client.post(f"https://127.0.0.1:{port}/hooks", content=b"{}")


class _Repo:
    def __init__(self) -> None:
        self.stored: list[str] = []

    async def set_webhook(self, org_id: str, url: str, events: list[str], secret: str) -> Webhook:
        self.stored.append(url)
        return Webhook(url=url, events=tuple(events), created_at=datetime.now(UTC), secret=secret)


def test_in_production_setting_a_webhook_checks_where_its_host_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PUT says so at once (422 naming `url`) instead of a delivery failing later."""
    resolve = _resolver({"hooks.partner.example": ["93.184.215.14"], "inside.partner.example": ["10.0.0.5"]})
    monkeypatch.setattr(webhooks_router, "resolve_public", lambda url: resolve_public(url, resolve))
    repo = _Repo()

    def put(url: str, environment: str) -> WebhookOut:
        container = SimpleNamespace(settings=SimpleNamespace(environment=environment), repo=repo)
        body = SetWebhook(url=url)
        return asyncio.run(webhooks_router.set_webhook(body, SimpleNamespace(id="org-1"), container))  # type: ignore[arg-type]

    assert put("https://hooks.partner.example/p", "production").secret
    for url, reason in [
        ("https://inside.partner.example/p", "resolves to non-public address 10.0.0.5"),
        ("https://gone.partner.example/p", "does not resolve"),
    ]:
        with pytest.raises(InvalidInput, match=reason) as refused:
            put(url, "production")
        assert refused.value.field == "url"
    assert repo.stored == ["https://hooks.partner.example/p"]
    # Development points webhooks at receivers on loopback and does not resolve.
    assert put("https://inside.partner.example/p", "development").url == "https://inside.partner.example/p"
