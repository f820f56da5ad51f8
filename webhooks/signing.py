"""
Secrets and signatures the Standard Webhooks way, signed by its reference
implementation (the `standardwebhooks` package), so that what a partner
verifies with it cannot disagree with what was signed.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

from .delivery import USER_AGENT

SECRET_PREFIX = "whsec_"
# The spec asks for 24 to 64 random bytes.
SECRET_BYTES = 32


def new_secret() -> str:
    """A signing secret: `whsec_` and the base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_webhook_id() -> str:
    """A message's `webhook-id`: unique, and the same on every attempt to send it."""
    return "msg_" + secrets.token_urlsafe(18)


def signature(signing_secrets: Sequence[str], *, webhook_id: str, timestamp: int, body: str) -> str:
    """
    The `webhook-signature` header: one `v1,<base64 HMAC-SHA256>` of
    `id.timestamp.body` per valid secret, space-separated (two while a
    rotated secret is in its grace period).
    """
    at = datetime.fromtimestamp(timestamp, UTC)
    return " ".join(
        Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body)
        for secret in signing_secrets
    )


def headers(
    signing_secrets: Sequence[str], *, webhook_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """Every header an attempt sends."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            signing_secrets, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
