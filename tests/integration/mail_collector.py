"""tests/integration/mail_collector.py - a real SMTP server's side for the
tests of convened's e-mail: python3-aiosmtpd's Controller and a handler
that keeps every message it is given.

Owns: importing aiosmtpd and icalendar (Debian packages,
scripts/install-deps; found in Debian's dist-packages when python3 is not
Debian's own interpreter: tests import icalendar from here), quieting
aiosmtpd's log of refused handshakes (the tests check refusals
themselves), Collector, starting a server on a port (start_smtp, or
start_collector for a test's usual one) and the convened options that
send through it (smtp_options). Does not own: what
the tests expect of the messages.
"""
import email
import email.policy
import logging
import sys

import harness

try:
    import icalendar  # noqa: F401 - for the tests
    from aiosmtpd.controller import Controller  # noqa: F401 - for the tests
except ImportError:  # python3 from elsewhere: use Debian's packages
    sys.path.append("/usr/lib/python3/dist-packages")
    import icalendar  # noqa: F401
    from aiosmtpd.controller import Controller  # noqa: F401

logging.getLogger("mail.log").setLevel(logging.CRITICAL)


class Collector:
    """An aiosmtpd handler: every message accepted, kept in `received` as
    {"from": sender, "to": [recipients], "content": bytes}."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "content": envelope.content})
        return "250 Message accepted for delivery"

    def with_subject(self, subject):
        """(envelope recipients, parsed message) of every message received
        with this Subject, in the order received."""
        found = []
        for mail in self.received:
            message = email.message_from_bytes(mail["content"], policy=email.policy.default)
            if message["Subject"] == subject:
                found.append((mail["to"], message))
        return found


def start_smtp(collector, port, **options):
    """A started SMTP server on 127.0.0.1:`port` that gives `collector`
    every message; options: aiosmtpd Controller's (TLS, authentication)."""
    server = Controller(collector, hostname="127.0.0.1", port=port, **options)
    server.start()
    return server


def smtp_options(port):
    """convened's options to send mail through the server on `port`,
    retrying a failed delivery after one second."""
    return ["--smtp", "smtp://127.0.0.1:%d" % port, "--mail-from", "convene@example.com",
            "--smtp-retry-seconds", "1"]


def start_collector(world):
    """A test's usual mail set-up, kept in its dict `world`: "collector"
    (a Collector), "smtp_port" (a free port) and "smtp" (a server on it,
    started). Returns the port."""
    world["collector"] = Collector()
    world["smtp_port"] = harness.free_port()
    world["smtp"] = start_smtp(world["collector"], world["smtp_port"])
    return world["smtp_port"]
