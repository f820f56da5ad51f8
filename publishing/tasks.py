"""
The publishing jobs, run by the tasks worker (`manage.py db_worker`).
"""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def release_embargoed_revisions() -> list[int]:
    """
    Release every revision whose embargo has ended. Scheduled at an
    embargo's end when an editor publishes under one; it releases whatever
    else is due too, and does nothing when run early (never early), twice,
    or after another worker or the sweep got there first. Returns the ids of
    the revisions it released.
    """
    return [revision.pk for revision in services.release_embargoed()]
