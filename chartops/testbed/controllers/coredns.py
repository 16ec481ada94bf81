"""CoreDNS, as the chart's pod; stand-in upstream DNS servers inside its namespace, and a client.

The DNS wire format is dnspython's: queries to CoreDNS, and the stand-in servers' answers.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import dns.rrset

from chartops.testbed import netns
from chartops.testbed.builds import Controller
from chartops.testbed.harness import Running

CONTROLLER = Controller("coredns", "coredns", "github.com/coredns/coredns", "github.com/coredns/coredns", "coredns")


def answer(query: bytes, address: str) -> bytes:
    """A reply to query that answers an A question with address (and any other type with no records)."""
    request = dns.message.from_wire(query)
    reply = dns.message.make_response(request)
    reply.flags |= dns.flags.RA
    question = request.question[0]
    if question.rdtype == dns.rdatatype.A:
        reply.answer.append(dns.rrset.from_text(question.name, 30, "IN", "A", address))
    return reply.to_wire()


def query(server: str, name: str, rdtype: str = "A", port: int = 53, timeout: float = 5) -> tuple[int, list[str]]:
    """(rcode, answers) of one UDP question; answers are A addresses and CNAME targets."""
    reply = dns.query.udp(dns.message.make_query(name, rdtype), server, timeout=timeout, port=port)
    answers = []
    for rrset in reply.answer:
        for rdata in rrset:
            if rdata.rdtype == dns.rdatatype.A:
                answers.append(str(rdata.address))
            elif rdata.rdtype == dns.rdatatype.CNAME:
                answers.append(rdata.target.to_text(omit_final_dot=True))
    return int(reply.rcode()), answers


def serve_upstream(run: Running, address: str, reply_with: str) -> list[str]:
    """A stand-in upstream DNS server at address:53 inside the controller's namespace: it answers every
    A question with `reply_with`. Returns the list the names it is asked land in."""
    sock = netns.listen(run.own_netns, (address, 53), socket.SOCK_DGRAM, reuseport=True)
    run.relays.sockets.append(sock)
    asked = run.queries.setdefault(address, [])

    def loop() -> None:
        while not run.relays.stop.is_set():
            try:
                data, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with suppress(Exception):  # a malformed datagram is dropped, as a server would
                asked.append(dns.message.from_wire(data).question[0].name.to_text(omit_final_dot=True))
                sock.sendto(answer(data, reply_with), client)

    threading.Thread(target=loop, daemon=True).start()
    return asked
