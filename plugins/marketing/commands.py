"""``trellis marketing send CAMPAIGN``: send a campaign in the foreground (and resume one after a crash)."""

from __future__ import annotations

import click


@click.group("marketing")
def marketing():
    """Marketing campaigns."""


@marketing.command("send")
@click.argument("campaign", type=click.IntRange(1, 2**31 - 1))
@click.option("--resume", is_flag=True, help="also resend at once what a dead sender left half-sent")
def send(campaign, resume):
    """Send CAMPAIGN's queued recipients now (a scheduled campaign starts; a crashed run resumes)."""
    from flask import current_app
    from trellis_plugins.marketing.sending import send_campaign

    tally = send_campaign(current_app._get_current_object(), {"campaign": campaign, "resume": resume})
    click.echo(", ".join(f"{name}: {value}" for name, value in tally.items()) or "nothing to send")
