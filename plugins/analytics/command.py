"""``trellis analytics-run``: the nightly job, now."""

from __future__ import annotations

from datetime import date

import click


@click.command("analytics-run")
@click.option("--date", "day", default=None, help="compute as of this day (YYYY-MM-DD; default: today)")
def analytics_run(day: str | None) -> None:
    """Compute RFM scores, lifetime value, churn risk, product pairs and lead scores now."""
    from trellis_plugins.analytics.job import run_all

    try:
        today = date.fromisoformat(day) if day else date.today()
    except ValueError:
        raise click.BadParameter("must be a date written YYYY-MM-DD", param_hint="--date") from None
    done = run_all(today)
    contacts, rules, leads = done["contacts"], done["pairs"], done["leads"]
    click.echo(f"customers scored: {contacts['customers']} (written {contacts['written']}, "
               f"cleared {contacts['cleared']}); product pairs: {rules['rules']}; "
               f"leads scored: {leads['scored']} (written {leads['written']})")
