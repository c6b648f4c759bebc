"""Workflows, automations, the scheduler, jobs and email."""
