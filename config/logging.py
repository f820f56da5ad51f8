"""
One JSON object per log line, carrying the request id, for log shippers; and
the request id itself, which comes from the load balancer or is made here.
"""

import json
import logging
import re
from datetime import UTC, datetime

from django.http import HttpRequest
from log_request_id.middleware import RequestIDMiddleware as BaseRequestIDMiddleware

# Attributes every LogRecord has; anything else was passed in `extra=` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# What a load balancer's request id looks like (a UUID, hex, or a trace id
# with dots and dashes); anything else is a client's invention.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIDMiddleware(BaseRequestIDMiddleware):
    """
    django-log-request-id's middleware, which takes X-Request-ID as sent: a
    client could write control characters, newlines or a megabyte into every
    log line and into the response header. An id of any other shape is
    replaced by one made here.
    """

    def _get_request_id(self, request: HttpRequest) -> str:
        sent = request.META.get(self.request_id_header or "", "")
        if isinstance(sent, str) and SAFE_REQUEST_ID.fullmatch(sent):
            return sent
        return str(self._generate_id())
