"""Service: inbound email through the whole write path, messages per second.

    python bench/service_ingest.py                        # 500 messages
    python bench/service_ingest.py --messages 100         # quick
    python bench/service_ingest.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

On a fresh database with the contacts and service plugins, ``--messages`` raw emails
(RFC 5322 bytes, half of them UTF-8 plain text, a quarter koi8-r, a quarter HTML in
windows-1251) from ``--customers`` senders go through ``deliver`` one by one, as
``trellis mail ingest`` and ``trellis mail serve`` hand them over: parse, decode,
limits, the ``inbound_email`` hook, and in one transaction per message the contact
(found or created), the ticket or the reply's thread (every third message answers an
earlier one by its Message-ID), the message, the queued auto-reply. Reported:
messages per second (wall clock, the SMTP conversation itself excluded; the target is
50 per second) and messages per CPU second of this process (on a shared, loaded machine
the wall clock measures the neighbours too).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from email.message import EmailMessage
from email.mime.text import MIMEText
from pathlib import Path

TARGET = 50.0


def build_app(url: str, org: Path):
    """The application with contacts and service, its tables migrated; jobs (the auto-replies) stay queued."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "PLUGINS": ["contacts", "service"],
                      "SECRET_KEY": "bench", "JOB_RUNNER": "manual"})
    upgrade(app)
    return app


def messages(count: int, customers: int) -> list[bytes]:
    """``count`` raw emails; every third replies to the one before it by Message-ID."""
    found = []
    for number in range(count):
        sender = f"customer{number % customers}@example.org"
        if number % 4 == 2:
            message = MIMEText("Заказ не доставлен, помогите", "plain", "koi8-r")
        elif number % 4 == 3:
            message = MIMEText("<p>Сметката <b>не е</b> платена</p>", "html", "windows-1251")
        else:
            message = EmailMessage()
            message.set_content(f"Order {number} has not arrived yet. Could you check, please?")
        message["From"], message["To"] = sender, "support@example.com"
        message["Subject"] = f"Order {number}"
        message["Message-ID"] = f"<m{number}@example.org>"
        if number % 3 == 2:
            message["In-Reply-To"] = f"<m{number - 1}@example.org>"
            message.replace_header("From", f"customer{(number - 1) % customers}@example.org")
        found.append(message.as_bytes())
    return found


def run(url: str, org: Path, count: int, customers: int) -> dict:
    """Deliver the messages one by one; what was measured."""
    from trellis import system_records
    from trellis.automation.inbound_mail import deliver

    app = build_app(url, org)
    raw = messages(count, customers)
    start, cpu = time.perf_counter(), time.process_time()
    outcomes = [deliver(app, message)[0] for message in raw]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with app.app_context():
        records = system_records("bench")
        tickets = records.query("ticket").count(cap=10**9)[0]
        stored = records.query("ticket_message").count(cap=10**9)[0]
    return {"messages": count, "seconds": seconds, "per_second": count / seconds, "cpu_per_second": count / cpu,
            "tickets": tickets,
            "stored": stored, "replies": sum(outcome.startswith("added") for outcome in outcomes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        org = Path(folder) / "org"
        (org / "metadata").mkdir(parents=True)
        url = args.db or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        result = run(url, org, args.messages, args.customers)
    print(f"ingested {result['messages']} messages in {result['seconds']:.2f} s: "
          f"{result['per_second']:.1f} messages/s (target {TARGET:.0f}/s); "
          f"{result['cpu_per_second']:.1f} messages per CPU second (what one free core would do)")
    print(f"  {result['tickets']} tickets opened, {result['replies']} replies threaded, "
          f"{result['stored']} messages stored")
    return 0 if result["stored"] == result["messages"] else 1


if __name__ == "__main__":
    sys.exit(main())
