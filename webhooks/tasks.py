"""
The webhook jobs, run by the tasks worker (`manage.py db_worker`).
"""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def dispatch_events() -> int:
    """
    Turn the partners' new dispute events into messages and deliveries.
    Enqueued when a transaction that wrote one commits; does nothing when
    another dispatcher (or the sweep) got there first. Returns how many
    messages it made.
    """
    return len(services.dispatch_events())


@task()
def deliver_due() -> int:
    """
    Send the deliveries that are due. Enqueued when deliveries are made or
    resent, and at each retry's time; does nothing when run early (the
    tests' backend runs it at once), twice, or after another worker took
    them. Returns how many it sent.
    """
    return services.deliver_due()
