"""A DNS server on 127.0.0.1 (UDP, port 0) that answers, fails or stays silent."""

from __future__ import annotations

import contextlib
import socket
import threading
from enum import StrEnum
from types import TracebackType

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

CNAME_FROM = "www.example.test."
CNAME_TO = "edge.example.test."
EDGE_A = "192.0.2.10"
EDGE_AAAA = "2001:db8::10"


class DnsBehaviour(StrEnum):
    """How the server treats every query."""

    ANSWER = "answer"  # www -> CNAME edge -> A and AAAA
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    SILENT = "silent"


class LoopbackDnsServer:
    """Answers every query the same way, until stopped."""

    def __init__(self, behaviour: DnsBehaviour, cname_to: str = CNAME_TO) -> None:
        self.behaviour = behaviour
        self.cname_to = cname_to
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def __enter__(self) -> LoopbackDnsServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                data, client = self._socket.recvfrom(4096)
            except OSError:
                return
            if not data or self.behaviour is DnsBehaviour.SILENT:
                continue
            reply = self._reply(dns.message.from_wire(data))
            with contextlib.suppress(OSError):
                self._socket.sendto(reply.to_wire(), client)

    def _reply(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        if self.behaviour is DnsBehaviour.NXDOMAIN:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif self.behaviour is DnsBehaviour.SERVFAIL:
            response.set_rcode(dns.rcode.SERVFAIL)
        else:
            question = query.question[0]
            response.answer.append(
                dns.rrset.from_text(CNAME_FROM, 60, "IN", "CNAME", self.cname_to)
            )
            address = EDGE_A if question.rdtype == dns.rdatatype.A else EDGE_AAAA
            record_type = dns.rdatatype.to_text(question.rdtype)
            response.answer.append(
                dns.rrset.from_text(self.cname_to, 60, "IN", record_type, address)
            )
        return response
