"""Name resolution for a hop: the system's, for connecting, and DNS's own view."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from knowledge.observations import DnsView

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True)
class ResolvedAddress:
    """One address to connect to, as getaddrinfo gives it."""

    family: int
    sockaddr: tuple[Any, ...]

    @property
    def host(self) -> str:
        return str(self.sockaddr[0])

    @property
    def text(self) -> str:
        host = f"[{self.host}]" if self.family == socket.AF_INET6 else self.host
        return f"{host}:{self.sockaddr[1]}"


class ResolveError(Exception):
    """The system could not turn a host name into addresses in time."""


def is_ip_literal(host: str) -> bool:
    """Whether a host is an IPv4 or IPv6 address rather than a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _run_bounded(function: Callable[[], _T], timeout: float, name: str) -> _T:
    """Run a blocking call in a daemon thread and give up on it after the timeout."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            outcome["error"] = error

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def resolve_system(host: str, port: int, timeout: float) -> tuple[ResolvedAddress, ...]:
    """The addresses the system resolves a host to (so /etc/hosts names work)."""
    literal = host.strip("[]")
    if _top_label(literal) == "invalid":
        # RFC 6761 6.4: answered at once, without asking the machine's resolver
        raise ResolveError(f"{host} does not resolve: names under .invalid never do")

    def look_up() -> list[tuple[Any, ...]]:
        return socket.getaddrinfo(literal, port, type=socket.SOCK_STREAM)

    try:
        if is_ip_literal(literal):
            found = look_up()
        else:
            found = _run_bounded(look_up, timeout, "mtls-doctor-getaddrinfo")
    except TimeoutError:
        raise ResolveError(
            f"the system resolver gave no address for {host} within {timeout:g} s"
        ) from None
    except (socket.gaierror, UnicodeError) as error:
        raise ResolveError(f"{host} does not resolve: {_gai_message(error)}") from None

    addresses: list[ResolvedAddress] = []
    for family, _type, _proto, _canonical, sockaddr in found:
        address = ResolvedAddress(family, tuple(sockaddr))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ResolveError(f"{host} resolves to no address")
    return tuple(addresses)


def _gai_message(error: Exception) -> str:
    if isinstance(error, socket.gaierror) and len(error.args) > 1:
        return str(error.args[1])
    return str(error)


_SPECIAL_USE_DOMAINS = ("localhost", "invalid", "test")
"""Names that DNS never answers for (RFC 6761): asking would only wait or leak."""


def wants_dns_view(host: str) -> bool:
    """Whether DNS has anything to say about a host (not IPs, not special-use names)."""
    return not (is_ip_literal(host) or _top_label(host) in _SPECIAL_USE_DOMAINS)


def _top_label(host: str) -> str:
    return host.rstrip(".").lower().rsplit(".", 1)[-1]


def look_up_dns_view(
    name: str, timeout: float, nameservers: Sequence[str] = (), port: int = 53
) -> DnsView:
    """A, AAAA and the CNAME chain of a name, asked of DNS within the timeout."""
    import dns.exception
    import dns.resolver

    deadline = time.monotonic() + timeout
    try:
        resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            resolver.nameservers = list(nameservers)
            resolver.port = port
        resolver.timeout = timeout
        answers: dict[str, tuple[str, ...]] = {}
        cname_chain: tuple[str, ...] = ()
        for record_type in ("A", "AAAA"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise dns.resolver.LifetimeTimeout(timeout=timeout, errors=[])
            answer = resolver.resolve(
                name,
                record_type,
                lifetime=remaining,
                search=False,
                raise_on_no_answer=False,
            )
            answers[record_type] = tuple(
                rdata.to_text() for rdata in (answer.rrset or ())
            )
            cname_chain = cname_chain or tuple(
                rrset[0].target.to_text(omit_final_dot=True)
                for rrset in answer.chaining_result.cnames
            )
    except dns.resolver.NXDOMAIN:
        return DnsView(name=name, error="NXDOMAIN: the name does not exist")
    except dns.resolver.NoNameservers:
        return DnsView(name=name, error="no name server answered (SERVFAIL or refused)")
    except dns.exception.Timeout:
        return DnsView(name=name, error=f"no DNS answer within {timeout:g} s")
    except dns.exception.DNSException as error:
        return DnsView(name=name, error=f"DNS lookup failed: {error}")
    return DnsView(
        name=name,
        cname_chain=cname_chain,
        a=answers.get("A", ()),
        aaaa=answers.get("AAAA", ()),
    )


class PendingDnsView:
    """A DNS view being looked up in the background while the probe goes on."""

    def __init__(self, name: str, timeout: float) -> None:
        self._name = name
        self._timeout = timeout
        self._result: DnsView | None = None
        self._deadline = time.monotonic() + timeout
        self._thread = threading.Thread(
            target=self._run, name="mtls-doctor-dns-view", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = look_up_dns_view(self._name, self._timeout)
        except Exception as error:  # noqa: BLE001 - a view must never break a probe
            logger.debug("DNS view of %s failed", self._name, exc_info=True)
            self._result = DnsView(name=self._name, error=f"DNS lookup failed: {error}")

    def result(self) -> DnsView:
        """The view, waiting at most until the lookup's own deadline."""
        self._thread.join(max(0.0, self._deadline - time.monotonic()) + 0.05)
        if self._result is None:
            return DnsView(
                name=self._name, error=f"no DNS answer within {self._timeout:g} s"
            )
        return self._result
