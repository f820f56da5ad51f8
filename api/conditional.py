"""
Conditional and idempotent requests: ETag, If-None-Match, If-Match, Idempotency-Key.

Two kinds of entity tag, told apart by their shape (docs/api.md):

- a *representation tag*, ``"h<head>-<digest>"``: the newest id of the change
  log (every write appends to it, so it versions the whole database) and a
  digest of what else selects the representation: the path, the query pairs
  sorted, the raw Accept header, and who asks ("partner", "user:<pk>" or
  "anonymous"). The digest is an HMAC keyed by SECRET_KEY, cut to 16 hex
  digits, so nobody can make up a tag for a URL that never answered 200.
  It is computed from the plain request, so that the middleware answering
  partners' 304s (api/middleware.py) and the views make the same tag.
  Checking If-None-Match against it costs no query of its own: the query that
  looks the caller's key up reads the head along (``api.auth.find_key``).
  What a partner key reads (the released revisions, publishing) moves only
  with the partners' feed, so a partner's tags are made at the feed's head
  instead, ``"p<event>-<digest>"`` (head_for()): a reporter's draft moves
  the change log, and must not cost every partner a 200.
- an *object tag*, ``"<model>-<pk>-v<version>"``: one object's version. It is
  what If-Match compares, so a write is refused only when *that* object
  changed, not when anything else in the database did.

A detail answers with both joined by a dot, ``"claim-5-v7.h1234-…"``, so that
the ETag of a GET can be sent back as is in If-None-Match (the part after the
dot is compared) or in If-Match (the part before it). A list answers with a
representation tag, and so does a 304; a write answers with the object tag of
what it wrote.

Every resource gets ``ConditionalRequestsMixin`` through
``api.viewsets.ServiceViewSet``; a view that is not a resource (the changes
feed) inherits it before APIView. The mixin checks If-Match when
``get_object()`` loads the object; ServiceViewSet passes
``expected_version()`` to the service, which repeats the check under the row
lock, so two editors racing each other cannot both pass. A StaleObjectError
raised by the service becomes 412 (api.errors).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_api_key.models import APIKey

from changelog.models import Change, Versioned
from publishing.models import FeedEvent

from .shared_store import shared_store

_V = TypeVar("_V", bound=Versioned)

if TYPE_CHECKING:
    # For the type checker the mixin is the view it is mixed into, so that its
    # super() calls are known; at runtime it is a plain (generic) mixin.
    from rest_framework.generics import GenericAPIView as _MixedInto
else:
    _MixedInto = Generic

# How long a finished POST is remembered under its Idempotency-Key, and how
# long a POST still running holds the key before another may try it.
IDEMPOTENCY_TTL = 24 * 3600
IDEMPOTENCY_LOCK_TTL = 60
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# Headers of a POST's answer worth replaying; the body's media type is
# negotiated again.
REPLAYED_HEADERS = ("Location", "ETag")

SAFE_READS = ("GET", "HEAD")
OBJECT_TAG = re.compile(r"^(?P<model>[a-z0-9_]+)-(?P<pk>[^-.\s]+)-v(?P<version>\d+)$")


# The heads: version numbers of what a representation is made from.


@dataclass(frozen=True)
class Head:
    """
    The newest entry of an append-only log: the change log (`h`, every write
    of the desk) or the partners' feed (`p`, every release, pause, resume
    and retraction). The letter starts the tags made at it, so that a tag
    made at one log's entry n never matches at the other's.
    """

    id: int
    at: datetime | None
    letter: str = "h"


FEED = "p"


def change_log_head(request: Request) -> Head:
    """The head read with the caller's key (find_key), else one indexed primary-key lookup."""
    head = getattr(request.auth, "change_log_head", None)
    if isinstance(head, Head):
        return head
    row = Change.objects.order_by("-id").values_list("id", "at").first()
    return Head(*row) if row else Head(0, None)


def feed_head(request: Request) -> Head:
    """The partners' feed's head, read with the partner's key (find_key), else looked up."""
    head = getattr(request.auth, "feed_head", None)
    if isinstance(head, Head):
        return head
    row = FeedEvent.objects.order_by("-id").values_list("id", "at").first()
    return Head(*row, letter=FEED) if row else Head(0, None, letter=FEED)


API_PREFIX = "/api/v1/"
# What partners read of these paths is live, not released: the parties,
# which no revision freezes (docs/api.md). Everything else a partner reads
# moves only when the feed does.
LIVE_FOR_PARTNERS = (API_PREFIX + "parties/",)


def versioned_by_the_feed(path: str) -> bool:
    """
    Does what a partner reads at this path change only with the partners'
    feed? Then its tags are made at the feed's head, and a reporter's draft,
    which moves the change log, does not turn a partner's 304 into a 200.
    """
    return path.startswith(API_PREFIX) and not path.startswith(LIVE_FOR_PARTNERS)


def head_for(request: Request) -> Head:
    """The head that versions this GET's answer for this caller."""
    if isinstance(request.auth, APIKey) and versioned_by_the_feed(request.path_info):
        return feed_head(request)
    # Staff, even asking for the partner view: the change log moves with
    # every write, releases included, so it versions every answer.
    return change_log_head(request)


# Entity tags

PARTNER = "partner"


def caller_identity(request: Request) -> str:
    """Who asks, as far as it changes an answer: partners all see the same."""
    if isinstance(request.auth, APIKey):
        return PARTNER
    user = request.user
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


def representation_tag(request: HttpRequest | Request, *, caller: str, head: Head) -> str:
    """
    The unquoted representation tag of this GET at this head. It reads the
    plain request only (the raw Accept header, not DRF's negotiated media
    type), so that it can be made before DRF runs.
    """
    query = sorted(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    selector = json.dumps([request.path, query, request.META.get("HTTP_ACCEPT", ""), caller])
    digest = hmac.new(settings.SECRET_KEY.encode(), selector.encode(), hashlib.sha256)
    return f"{head.letter}{head.id}-{digest.hexdigest()[:16]}"


def object_tag(obj: Versioned) -> str:
    return f"{obj._meta.model_name}-{obj.pk}-v{obj.version}"


def _unquote(etag: str) -> tuple[str, bool]:
    """(opaque tag, is_weak)"""
    weak = etag.startswith("W/")
    return etag.removeprefix("W/").strip('"'), weak


def if_none_match_hits(request: HttpRequest | Request, tag: str) -> bool:
    """Does If-None-Match name this representation? (weak comparison)"""
    for etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        opaque, _ = _unquote(etag)
        if opaque.rpartition(".")[2] == tag:
            return True
    return False


def if_match_holds(request: Request, obj: Versioned) -> bool:
    """Does If-Match name the object's current version? (strong comparison)"""
    return if_match_names(request, object_tag(obj))


def if_match_names(request: Request, current: str) -> bool:
    """Does If-Match name this object tag? (strong comparison)"""
    etags = parse_etags(request.META.get("HTTP_IF_MATCH", ""))
    if "*" in etags:
        return True
    for etag in etags:
        opaque, weak = _unquote(etag)
        if not weak and opaque.partition(".")[0] == current:
            return True
    return False


def set_validators(response: HttpResponse, *, etag: str, head: Head) -> None:
    response["ETag"] = quote_etag(etag)
    if head.at is not None:
        response["Last-Modified"] = http_date(head.at.timestamp())
    # Authenticated answers: a browser may keep them, but must ask each time.
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Accept", "Authorization"])


def not_modified(etag: str, head: Head) -> Response:
    response = Response(status=status.HTTP_304_NOT_MODIFIED)
    set_validators(response, etag=etag, head=head)
    return response


# Errors the protocol answers with


class NotModified(Exception):
    """Raised from initial() to skip the handler; answered without a body."""

    def __init__(self, response: Response) -> None:
        self.response = response


class IdempotentReplay(NotModified):
    """The POST was already done under this Idempotency-Key: answer as then."""


class PreconditionFailed(APIException):
    """
    A write against a version that is no longer current: a stale If-Match, a
    stale `version` in the body, or a row that moved under the service's
    lock (StaleObjectError). Always 412, whichever of the three caught it.
    """

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "This object has changed since the version named in If-Match. "
        "Fetch it again and reapply your change."
    )
    default_code = "precondition_failed"


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used with a different request body. "
        "Use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class IdempotencyKeyInUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "A request with this Idempotency-Key is still being processed. Retry in a moment."
    )
    default_code = "idempotency_key_in_use"


# Idempotency-Key


@dataclass(frozen=True)
class IdempotentPost:
    cache_key: str
    fingerprint: str


def _fingerprint(data: Any) -> str:
    if hasattr(data, "lists"):  # a QueryDict from a form post
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_idempotency_key(request: Request) -> IdempotentPost | None:
    """
    Reserve this POST's Idempotency-Key, or raise: the stored answer if the same
    caller already made the same request, 422 if they sent another body under
    it, 409 if it is still running.
    """
    key = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {"Idempotency-Key": f"Must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters."}
        )
    scope = f"{caller_identity(request)}|{request.path}|{key}"
    post = IdempotentPost(
        cache_key="idempotency:" + hashlib.sha256(scope.encode()).hexdigest(),
        fingerprint=_fingerprint(request.data),
    )
    pending = {"state": "pending", "fingerprint": post.fingerprint}
    # The store every app process shares: a retry that reaches another
    # worker or server must find the key taken.
    store = shared_store()
    if store.add(post.cache_key, pending, timeout=IDEMPOTENCY_LOCK_TTL):
        return post
    record = store.get(post.cache_key)
    if record is None:  # finished and expired between add() and get()
        if store.add(post.cache_key, pending, timeout=IDEMPOTENCY_LOCK_TTL):
            return post
        raise IdempotencyKeyInUse()  # and another retry took it in between
    if record["fingerprint"] != post.fingerprint:
        raise IdempotencyKeyReused()
    if record["state"] == "pending":
        raise IdempotencyKeyInUse()
    replay = Response(record["data"], status=record["status"], headers=record["headers"])
    replay["Idempotent-Replayed"] = "true"
    raise IdempotentReplay(replay)


def settle_idempotency_key(post: IdempotentPost, response: Response) -> None:
    """Keep a successful answer for replays; free the key after a failure."""
    if status.is_success(response.status_code):
        shared_store().set(
            post.cache_key,
            {
                "state": "done",
                "fingerprint": post.fingerprint,
                "status": response.status_code,
                "data": response.data,
                "headers": {h: response[h] for h in REPLAYED_HEADERS if h in response},
            },
            timeout=IDEMPOTENCY_TTL,
        )
    else:
        shared_store().delete(post.cache_key)


# The headers above, as OpenAPI parameters, for the schema class to add to
# the operations of views that inherit the mixin.

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of a representation you hold: answered 304 with no body if unchanged.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the object as you last read it (or its object tag "
    "`<model>-<id>-v<version>`): the write is refused with 412 if the object changed since.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A unique string of yours (1-255 characters). Retrying the same POST with the same "
    "key and body within 24 hours creates nothing new and answers as the first time; the same "
    "key with another body is refused with 422.",
)


def openapi_parameters(method: str) -> list[OpenApiParameter]:
    """The conditional headers an operation with this method honours."""
    return {
        "GET": [IF_NONE_MATCH],
        "HEAD": [IF_NONE_MATCH],
        "POST": [IDEMPOTENCY_KEY],
        "PUT": [IF_MATCH],
        "PATCH": [IF_MATCH],
        "DELETE": [IF_MATCH],
    }.get(method.upper(), [])


# The mixin


class ConditionalRequestsMixin(_MixedInto[_V]):
    """
    For any APIView or viewset: validators on every successful GET, 304 on
    If-None-Match, 412 on a stale If-Match, replays under Idempotency-Key.
    """

    _head: Head | None = None
    _representation_tag: str | None = None
    _conditional_object: Versioned | None = None
    # The object tag of what the view answers with, when it is not the
    # object get_object() loaded (a dispute's publication).
    _object_tag: str | None = None
    _idempotent_post: IdempotentPost | None = None
    _expected_version: int | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            self._idempotent_post = claim_idempotency_key(request)

    def check_throttles(self, request: Request) -> None:
        # The last step of initial(), after authentication and permissions: a
        # caller with no right to an answer gets no 304 either. A partner's
        # 304 is not counted against its rate (docs/api.md), as when the
        # middleware answers it; staff are counted, 304 or not.
        if request.method in SAFE_READS:
            self._head = head_for(request)
            caller = caller_identity(request)
            tag = self._representation_tag = representation_tag(
                request, caller=caller, head=self._head
            )
            if if_none_match_hits(request, tag):
                if caller != PARTNER:
                    super().check_throttles(request)
                raise NotModified(not_modified(tag, self._head))
        super().check_throttles(request)

    def get_object(self) -> _V:
        obj = super().get_object()
        request = self.request
        if request.method not in SAFE_READS + ("OPTIONS",) and "HTTP_IF_MATCH" in request.META:
            if not if_match_holds(request, obj):
                raise PreconditionFailed()
            self._expected_version = obj.version
        self._conditional_object = obj
        return obj

    def expected_version(self) -> int | None:
        """The version If-Match named, for the service to check under its row lock."""
        return self._expected_version

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotModified):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.has_header("Idempotent-Replayed") or response.status_code == 304:
            return response
        # check_throttles() sets the head and the tag together.
        head, tag = self._head, self._representation_tag
        if head is not None and tag is not None and response.status_code == status.HTTP_200_OK:
            obj = self._conditional_object
            if self._object_tag is not None:
                tag = f"{self._object_tag}.{tag}"
            elif obj is not None and hasattr(obj, "version"):
                tag = f"{object_tag(obj)}.{tag}"
            set_validators(response, etag=tag, head=head)
        elif request.method in ("POST", "PUT", "PATCH") and status.is_success(response.status_code):
            written = self._object_tag or self._written_object_tag(response)
            if written:
                response["ETag"] = quote_etag(written)
        if self._idempotent_post is not None:
            settle_idempotency_key(self._idempotent_post, response)
        return response

    def _written_object_tag(self, response: Response) -> str | None:
        """
        The object tag of what a create or an update wrote: from the
        representation it answers with (read after the write, so the tag and
        the body name the same version), else read back (one query).
        """
        if not hasattr(self, "get_queryset"):
            return None
        model = self.get_queryset().model
        data = response.data if isinstance(response.data, dict) else {}
        if "id" in data and "version" in data:
            return f"{model._meta.model_name}-{data['id']}-v{data['version']}"
        if getattr(self, "action", None) == "create":
            pk = data.get("id")
        elif self._conditional_object is not None:
            pk = self._conditional_object.pk
        else:
            return None
        if pk is None or not any(f.name == "version" for f in model._meta.fields):
            return None
        version = model._default_manager.filter(pk=pk).values_list("version", flat=True).first()
        if version is None:
            return None
        return f"{model._meta.model_name}-{pk}-v{version}"
