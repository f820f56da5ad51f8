"""Conditional and idempotent requests: ETag, If-None-Match, If-Match, Idempotency-Key. (Being built: issue #3.)"""


class ConditionalRequestsMixin:
    pass
