"""
One webhook over HTTP, and which addresses it may go to.

An endpoint's host is resolved at every attempt, each address it resolves to
is checked (DESIGN.md §10: no loopback, private, link-local or metadata
address outside development), and the connection goes to an address that
was checked, with the name sent as Host and as TLS's SNI and certificate
name: a DNS answer that changes between the check and the connection (DNS
rebinding) cannot send the request elsewhere.

Plain http.client rather than an HTTP library: it never follows a redirect,
reads no proxy from the environment, and lets the connection open a socket
to the checked address itself. The attempt has one deadline, from
connecting to the last byte read; a watchdog closes the socket when it
passes, so that a receiver trickling a byte at a time cannot hold a worker.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

USER_AGENT = "claimdesk-webhooks/1.0 (+https://www.standardwebhooks.com/)"
# What is kept of an answer: its first characters (Attempt.response_excerpt).
EXCERPT_CHARS = 500
READ_BYTES = 4 * EXCERPT_CHARS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges that Python's is_global does not cover, or that hide an IPv4
# address inside an IPv6 one (checked for the address inside).
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class UnsafeAddress(Exception):
    """The URL may not be pushed to under the current settings; the message says why."""


def address_problem(address: IPAddress) -> str | None:
    """Why pushing to this address is refused (loopback, private…), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address.teredo is not None:
            inner = address.teredo[1]
        if inner is None and address in NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            problem = address_problem(inner)
            return f"{problem} (inside {address})" if problem else None
    if address in METADATA:
        return "a cloud metadata address"
    checks = [
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ]
    for attribute, words in checks:
        if getattr(address, attribute):
            return words
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "shared (carrier-grade NAT)"
    if not address.is_global:
        return "not public"
    return None


@dataclass(frozen=True)
class Target:
    """Where a URL goes: its scheme, host name, port and path."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeAddress("The URL must start with https:// and name a host.")
        if parts.username is not None or parts.password is not None:
            raise UnsafeAddress("Leave credentials out of the URL.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise UnsafeAddress("The URL's port is not a number from 1 to 65535.") from None
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(parts.scheme, parts.hostname, port, path)


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, in the resolver's order (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_scheme(target: Target) -> None:
    if target.scheme != "https" and not settings.WEBHOOKS_ALLOW_INSECURE_URLS:
        raise UnsafeAddress("The URL must start with https://: events are sent encrypted only.")


def safe_addresses(target: Target) -> list[str]:
    """
    The addresses to connect to: every address the host resolves to, each
    checked unless private addresses are allowed (development, tests). One
    unsafe address refuses them all, so that no ordering of the answers can
    reach it.
    """
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError) as error:
        raise UnsafeAddress(f"{target.host} does not resolve ({error}).") from None
    if not addresses:
        raise UnsafeAddress(f"{target.host} does not resolve.")
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return addresses
    for text in addresses:
        problem = address_problem(ipaddress.ip_address(text.split("%", 1)[0]))
        if problem:
            where = text if text == target.host else f"{target.host} resolves to {text}, which"
            raise UnsafeAddress(f"{where} is {problem}: endpoints must be on public addresses.")
    return addresses


def check_url(url: str) -> None:
    """
    Refuse, as ValidationError({"url": …}), a URL that may not be registered:
    not https:// (unless insecure URLs are allowed), or resolving to no
    address or to one that is not public (unless private addresses are
    allowed: then nothing is resolved, so that development and the tests
    may name hosts that exist only later or elsewhere).
    """
    try:
        target = Target.of(url)
        check_scheme(target)
        if not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
            safe_addresses(target)
    except UnsafeAddress as refused:
        raise ValidationError({"url": [str(refused)]}) from None


# Sending


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the answer's status, or the error that stopped it."""

    status: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""
    retry_after: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@functools.cache
def _tls() -> ssl.SSLContext:
    """
    The TLS settings of every attempt (the system's CAs, names checked),
    made once: loading the CAs takes tens of milliseconds, and a context
    may wrap sockets in many threads at once.
    """
    return ssl.create_default_context()


class _PinnedConnection(http.client.HTTPConnection):
    """
    A connection to one checked address, speaking to the URL's host: Host
    header, SNI and certificate check by name (HTTPS), plain HTTP when the
    scheme is http (development and tests only).
    """

    def __init__(self, target: Target, address: str, *, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = address
        self.secure = target.scheme == "https"
        # The Host header names the port unless it is the scheme's own.
        self.default_port = 443 if self.secure else 80
        self.raw: socket.socket | None = None
        self.gave_up = False

    def connect(self) -> None:
        self.raw = socket.create_connection((self.address, self.port), self.timeout)
        self.raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.gave_up:
            raise TimeoutError("timed out")
        self.sock = self.raw
        if self.secure:
            self.sock = _tls().wrap_socket(self.raw, server_hostname=self.host)

    def give_up(self) -> None:
        """The watchdog: end whatever read or write is under way."""
        self.gave_up = True
        if self.raw is not None:
            try:
                self.raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """
    POST the body to the URL once, never following a redirect, within
    `timeout` seconds in all; an address refused, a connection failed or
    the time run out is an Outcome with no status and the error in words.
    """
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        target = Target.of(url)
        check_scheme(target)
        addresses = safe_addresses(target)
    except UnsafeAddress as refused:
        return Outcome(status=None, latency_ms=elapsed(), error=f"Not sent: {refused}"[:300])

    error = ""
    for address in addresses:
        connection = _PinnedConnection(target, address, timeout=timeout)
        watchdog = threading.Timer(
            max(timeout - (time.monotonic() - started), 0), connection.give_up
        )
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read(READ_BYTES).decode("utf-8", errors="replace")
            latency = elapsed()
            status = response.status
            retry_after = response.getheader("Retry-After") or ""
            location = response.getheader("Location") or ""
        except (OSError, http.client.HTTPException, ValueError) as failed:
            if connection.gave_up:
                return Outcome(
                    status=None, latency_ms=elapsed(), error=f"Timed out after {timeout:g} s."
                )
            error = _describe(failed, address)
            if connection.raw is None:
                continue  # not connected: the host's next address, if any
            return Outcome(status=None, latency_ms=elapsed(), error=error[:300])
        finally:
            watchdog.cancel()
            connection.close()
        outcome_error = ""
        if 300 <= status < 400:
            outcome_error = f"Redirect ({status}) not followed" + (
                f": it pointed to {location}" if location else ""
            )
        elif not 200 <= status < 300:
            outcome_error = f"HTTP {status}"
        return Outcome(
            status=status,
            latency_ms=latency,
            excerpt=text[:EXCERPT_CHARS],
            error=outcome_error[:300],
            retry_after=retry_after[:100],
        )
    return Outcome(status=None, latency_ms=elapsed(), error=error[:300] or "Could not connect.")


def _describe(error: BaseException, address: str) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"Timed out ({address})."
    if isinstance(error, ConnectionRefusedError):
        return f"Connection refused ({address})."
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error}"
    if isinstance(error, http.client.RemoteDisconnected):
        return "The receiver closed the connection without answering."
    return f"{type(error).__name__}: {error}"
