"""tests/integration/mail_collector.py - a real SMTP server's side for the
tests of convened's e-mail: python3-aiosmtpd's Controller and a handler
that keeps every message it is given.

Owns: importing aiosmtpd (a Debian package, scripts/install-deps; found in
Debian's dist-packages when python3 is not Debian's own interpreter),
quieting its log of refused handshakes (the tests check refusals
themselves) and Collector. Does not own: what the tests expect of the
messages.
"""
import logging
import sys

try:
    from aiosmtpd.controller import Controller  # noqa: F401 - for the tests
except ImportError:  # python3 from elsewhere: use Debian's packages
    sys.path.append("/usr/lib/python3/dist-packages")
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
