"""
What publishing tells the floors above it, which it cannot call.

dispute_events_written: the partners' feed has new dispute events
(published, corrected, withheld, canceled) in the current transaction. It
carries no rule: whoever listens (webhooks' dispatcher) reads the feed
itself, once the transaction commits.
"""

from django.dispatch import Signal

dispute_events_written = Signal()
