"""Workflows, automations, the scheduler, jobs and email."""


def init_app(app) -> None:
    """Wire the automation engine into ``app`` (filled in by the automation issue)."""
