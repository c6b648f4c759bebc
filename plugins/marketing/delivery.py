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
