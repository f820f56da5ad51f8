"""
Background jobs, enqueued when the write that asks for them commits.

A job enqueued inside a write's transaction could run before that write is
visible (a worker reads committed rows only), or run for a write that then
rolled back. So every service enqueues through enqueue_on_commit(): the job
is handed to the tasks backend once the outermost transaction commits, and
never when it rolls back. If the process dies between the commit and the
enqueue, the job is lost: each kind of job therefore has a sweep that finds
the work left undone (publishing's release_embargoed, for instance).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django_tasks.base import Task


def enqueue_on_commit(task: Task[Any, Any], *args: Any, run_after: datetime | None = None) -> None:
    """
    Enqueue task(*args) when the current transaction commits (at once outside
    one), to run no earlier than run_after. A backend that cannot defer jobs
    (the immediate one the tests use) runs it at once: a deferred job must
    therefore check that its time has come, and do nothing before.
    """

    def enqueue() -> None:
        job = task
        if run_after is not None and task.get_backend().supports_defer:
            job = task.using(run_after=run_after)
        job.enqueue(*args)

    transaction.on_commit(enqueue)
