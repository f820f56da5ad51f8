from typing import Any

from django.apps import AppConfig
from django.db import transaction


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from publishing.signals import dispute_events_written

        dispute_events_written.connect(wake_dispatcher, dispatch_uid="webhooks.wake_dispatcher")


class _WakeOnCommit:
    """
    Enqueue the dispatcher, as changelog.jobs.enqueue_on_commit() would; and
    say whether it has yet, so that a transaction enqueues it once.
    """

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        from .tasks import dispatch_events

        self.done = True
        dispatch_events.enqueue()


def wake_dispatcher(sender: Any, **kwargs: Any) -> None:
    """
    Dispatch the feed's new events once their transaction commits (never if
    it rolls back): once per transaction, since a dispatcher takes every
    event there is, and publishing many disputes at once writes many.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # One enqueued at this very level of savepoints, not run yet, will
        # do. (Django drops a rolled-back savepoint's callbacks from this
        # list: then the next event enqueues a dispatcher again.)
        level = set(connection.savepoint_ids)
        for savepoints, callback, _ in connection.run_on_commit:
            if isinstance(callback, _WakeOnCommit) and not callback.done and savepoints == level:
                return
    transaction.on_commit(_WakeOnCommit())
