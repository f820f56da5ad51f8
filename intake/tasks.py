"""
The intake's jobs, run by the tasks worker (`manage.py db_worker`).
"""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def refresh_claim_embeddings(claim_ids: list[int] | None = None) -> int:
    """
    Compute the missing and stale embeddings of these claims (all claims when
    None), in batches. Enqueued when a read finds more stale claims than it
    will embed while someone waits (intake/selectors.py), and by any door
    that records claims and wants them matchable at once; does nothing for a
    claim already fresh, so running it twice, late, or beside another worker
    is harmless. Returns how many claims it brought up to date.
    """
    return services.refresh_embeddings(claim_ids)
