"""The automation engine's settings: jobs, email, webhooks (see :mod:`trellis.config`)."""

from __future__ import annotations

from trellis.config import Setting, boolean, choice, number, positive_integer, text, url


def settings() -> list[Setting]:
    """The job runner and broker, outgoing email, time triggers and outgoing webhooks."""
    return [
        Setting("BROKER_URL", None, "Celery broker (redis://, amqp://); unset: jobs run in-process", url),
        Setting("JOB_RUNNER", None, "thread, celery or manual; default: celery with a broker, else thread",
                choice("thread", "celery", "manual")),
        Setting("JOB_BACKOFF", 30.0, "seconds before a failed job's first retry (doubling each time)", number),
        Setting("JOB_LEASE", 30.0, "seconds a running job's claim holds without renewal; a killed worker's job "
                "runs again after this", number),
        Setting("JOB_VISIBILITY_TIMEOUT", 30.0, "seconds before Redis gives a message a dead worker held to "
                "another worker", number),
        Setting("BROKER_CONNECT_TIMEOUT", 1.0, "seconds a save waits for the broker before holding its jobs in "
                "the outbox", number),
        Setting("CELERY_QUEUE", "trellis", "the Celery queue the jobs go to", text),
        Setting("BACKUP_DIR", None, "folder of the scheduled backups; unset: no scheduled backup", text),
        Setting("BACKUP_SCHEDULE", "0 3 * * *", "when the scheduled backup runs (cron, organisation's time zone)",
                text),
        Setting("BACKUP_KEEP", 7, "how many scheduled backups are kept (the oldest are removed)", positive_integer),
        Setting("SMTP_URL", None, "smtp://user:password@host:port for outgoing email", url),
        Setting("AUTOMATION_LOOKBACK_HOURS", 24.0, "how far back a late scheduler still fires time triggers, "
                                                   "in hours", number),
        Setting("WEBHOOK_SECRET", None, "signs automations' webhooks (HMAC-SHA256; never SECRET_KEY); generated "
                "into the instance folder (webhook_secret) when unset", text),
        Setting("WEBHOOK_ALLOW_PRIVATE", False, "webhooks may reach loopback, private and link-local addresses "
                "(true/false)", boolean),
        Setting("WEBHOOK_TIMEOUT", 10.0, "seconds a webhook receiver has to answer", number),
        Setting("MAIL_MAX_BYTES", 25 * 1024 * 1024, "inbound email: the largest message accepted, in bytes",
                positive_integer),
        Setting("MAIL_MAX_HEADER_BYTES", 64 * 1024, "inbound email: the largest header block accepted, in bytes",
                positive_integer),
        Setting("MAIL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024, "inbound email: the largest attachment accepted, "
                "in bytes (a bigger one refuses the message)", positive_integer),
    ]
