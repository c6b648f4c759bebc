"""``trellis mail serve``: an SMTP receiver (aiosmtpd) handing each message to :func:`deliver`.

The database work runs in a worker thread, so a slow write does not stall the SMTP
conversation of other clients. What :func:`deliver` refuses is answered with its code
and reason, so the sender's server bounces (5xx) or retries (4xx).
"""

from __future__ import annotations

import asyncio

from trellis.automation.inbound_mail import Limits, MailRejected, deliver


class Handler:
    """aiosmtpd's handler: ``DATA`` delivers the message into ``app``."""

    def __init__(self, app):
        self.app = app

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        """Deliver the message; answer 250 with what was done, or the refusal's code and reason."""
        raw = envelope.original_content or envelope.content
        raw = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "replace")
        try:
            outcomes = await asyncio.get_running_loop().run_in_executor(
                None, deliver, self.app, raw, tuple(envelope.rcpt_tos))
        except MailRejected as refused:
            return f"{refused.code} {refused.reason}"
        return "250 " + "; ".join(outcomes)[:400]


def controller(app, host: str = "127.0.0.1", port: int = 2525):
    """An aiosmtpd ``Controller`` for ``app`` (``start()`` / ``stop()``); messages bigger than the limit are refused."""
    from aiosmtpd.controller import Controller

    return Controller(Handler(app), hostname=host, port=port, data_size_limit=Limits.of(app).message,
                      decode_data=False)
