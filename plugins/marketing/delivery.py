"""Handing a campaign's messages to the mail server: a few SMTP connections, each reused for many messages.

A :class:`Postbox` keeps ``MARKETING_SMTP_CONNECTIONS`` connections open for the whole
run and sends on them from as many threads, so that the sender composes and records
while the server answers. Only the SMTP conversation runs in a thread; what a result
means (sent, bounced, deferred) is decided and written by the caller.
"""

from __future__ import annotations

import queue
from concurrent.futures import Future, ThreadPoolExecutor

MAX_CONNECTIONS = 32


def connections(value) -> int:
    """The ``MARKETING_SMTP_CONNECTIONS`` setting: a whole number from 1 to ``MAX_CONNECTIONS``."""
    from trellis.config import positive_integer

    number = positive_integer(value)
    if number > MAX_CONNECTIONS:
        raise ValueError(f"expected at most {MAX_CONNECTIONS} connections, not {number}")
    return number


class Mailer:
    """One SMTP connection for a run of messages (reopened after an error)."""

    def __init__(self, url: str):
        self.url = url
        self.client = None

    def send(self, message) -> None:
        """Send ``message``; SMTP errors are raised for the caller to classify."""
        import smtplib

        if self.client is None:
            self.client = self._connect()
        try:
            self.client.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.client = None
            raise

    def _connect(self):
        from trellis import smtp_connection

        return smtp_connection(self.url)

    def close(self) -> None:
        """Say QUIT if connected."""
        import smtplib

        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.client = None


class Postbox:
    """``size`` SMTP connections to ``url``, used by as many threads; :meth:`submit` returns a Future."""

    def __init__(self, url: str, size: int):
        self.mailers: list[Mailer] = [Mailer(url) for _ in range(max(1, size))]
        self.free: queue.SimpleQueue[Mailer] = queue.SimpleQueue()
        for mailer in self.mailers:
            self.free.put(mailer)
        self.threads = ThreadPoolExecutor(len(self.mailers), thread_name_prefix="marketing-smtp")

    def submit(self, message) -> Future:
        """Send ``message`` on a free connection; the Future raises what the server refused."""
        return self.threads.submit(self._send, message)

    def _send(self, message) -> None:
        mailer = self.free.get()
        try:
            mailer.send(message)
        finally:
            self.free.put(mailer)

    def close(self) -> None:
        """Wait for the messages under way, then say QUIT on every connection."""
        self.threads.shutdown(wait=True)
        for mailer in self.mailers:
            mailer.close()


MAX_RATE = 1_000_000


def domain_rates(value) -> dict[str, int]:
    """The ``MARKETING_DOMAIN_RATES`` setting: recipient domain -> messages per minute (1 to ``MAX_RATE``)."""
    from trellis.config import mapping

    rates = {}
    for domain, rate in mapping(value).items():
        if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= MAX_RATE:
            raise ValueError(f"messages per minute for '{domain}' must be a whole number from 1 to {MAX_RATE}")
        rates[str(domain).strip().lower()] = rate
    return rates


class Pacer:
    """When the next message may go: one every ``60 / per_minute`` seconds, and for a recipient domain listed in
    ``domains`` (domain -> messages per minute) one every ``60 / rate`` seconds to that domain."""

    def __init__(self, per_minute: int, domains: dict[str, int], clock=None):
        import time

        self.clock = clock or time.monotonic
        self.interval = 60.0 / max(1, per_minute)
        self.spacing = {domain: 60.0 / rate for domain, rate in domains.items()}
        self.due = self.clock()
        self.domain_due: dict[str, float] = {}

    def pick(self, sends: list) -> tuple[int, float]:
        """The position in ``sends`` of the one that may go soonest (the first of those ready), and the seconds
        until it may."""
        now = self.clock()
        best, wait = 0, None
        for n, send in enumerate(sends):
            ready = max(self.due, self.domain_due.get(_domain(send["email"]), now)) - now
            if wait is None or ready < wait:
                best, wait = n, ready
            if ready <= 0:
                break
        return best, max(0.0, wait or 0.0)

    def took(self, address: str) -> None:
        """Count a message to ``address`` as sent now."""
        now = self.clock()
        self.due = max(self.due, now) + self.interval
        domain = _domain(address)
        if domain in self.spacing:
            self.domain_due[domain] = max(self.domain_due.get(domain, now), now) + self.spacing[domain]


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].strip().lower()
