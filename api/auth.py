"""
Who may call the API, and how often.

- Partners: ``Authorization: Api-Key <key>`` (djangorestframework-api-key's
  APIKey, stored hashed). The caller is a ``Partner``: authenticated, holding
  no model permission, so it may read and never write.
- Staff: ``Authorization: Token <token>`` (api.models.StaffToken, stored
  hashed) or their dashboard session (CSRF enforced), with Django model
  permissions: Reporters write claims and evidence, Editors everything.
- No credentials: 401 with ``WWW-Authenticate``; wrong role: 403.
- Throttles count requests per partner key, per user and per anonymous
  address (api/client_address.py) in fixed windows of the store every app
  process shares (api/shared_store.py: Redis, else the database).
  A partner's 304 is not counted (api/middleware.py answers most).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignKey
from django.db.models.expressions import Col
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework_api_key.models import AbstractAPIKey, APIKey

from changelog.models import Change
from publishing.models import FeedEvent

from .client_address import client_address
from .conditional import FEED, Head
from .models import StaffToken
from .shared_store import shared_store

# What djangorestframework-api-key generates: <prefix>.<secret>, letters and digits.
KEY_FORMAT = re.compile(r"[A-Za-z0-9]{1,8}\.[A-Za-z0-9]{1,128}")


@dataclass(frozen=True, eq=False)
class Partner:
    """
    The caller behind a partner key. It passes "is authenticated" checks but
    holds no permission and is no database user, so it can never become the
    author of a write.
    """

    key: APIKey

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    @property
    def username(self) -> str:
        return f"partner:{self.key.name}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def __str__(self) -> str:
        return self.key.name


def is_partner(request: Request) -> bool:
    return isinstance(request.auth, APIKey)


# Looking a key up

Key = TypeVar("Key", bound=AbstractAPIKey)


class HeadedKey(Protocol):
    """
    What find_key adds to the key it returns: the change log's head, read
    along, and for a partner key the partners' feed's head too.
    """

    change_log_head: Head
    feed_head: Head | None


def find_key(
    model: type[Key], prefix: str, *, related: str | None = None, feed: bool = False
) -> Key | None:
    """
    The key with this prefix, or None, its ``related`` object (a foreign key
    of the key model, such as a staff token's user) loaded with it, and the
    change log's head as ``key.change_log_head`` (with ``feed``, the
    partners' feed's head as ``key.feed_head`` too): one query, so that the
    query authenticating a request also versions it and a 304 costs no more.

    Plain SQL rather than a QuerySet: it runs on every API request, and
    building and compiling the ORM query cost as much as the rest of a 304.
    """
    connection = connections[model._default_manager.db]
    query = _key_query(connection, model, related, feed)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    values = query.converted(row, connection)

    key_count = len(query.key_fields)
    key = model.from_db(connection.alias, query.key_fields, values[:key_count])
    related_end = key_count + len(query.related_fields)
    if query.foreign_key is not None:
        related_object = query.foreign_key.related_model.from_db(
            connection.alias, query.related_fields, values[key_count:related_end]
        )
        setattr(key, query.foreign_key.name, related_object)
    head_id, head_at = values[related_end : related_end + 2]
    headed = cast(HeadedKey, key)
    headed.change_log_head = Head(head_id or 0, head_at)
    headed.feed_head = None
    if feed:
        feed_id, feed_at = values[related_end + 2 :]
        headed.feed_head = Head(feed_id or 0, feed_at, letter=FEED)
    return key


@dataclass(frozen=True)
class KeyQuery:
    """find_key's SQL for one key model on one connection, and how to read its row."""

    sql: str
    foreign_key: ForeignKey | None
    key_fields: list[str]  # attnames, in the order of the columns
    related_fields: list[str]
    # (column index, converters, the column they take): the ORM's own
    # conversions, for the columns that need one (SQLite hands back text for
    # times and integers for booleans).
    conversions: list[tuple[int, list[Callable[..., Any]], Col]]

    def converted(self, row: tuple[Any, ...], connection: BaseDatabaseWrapper) -> list[Any]:
        values = list(row)
        for index, converters, column in self.conversions:
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return values


# Per database alias: the SQL and the converters depend on its backend only.
# Not per connection object: each thread has its own (the development server
# starts a thread per request), and the converters, bound to the one they
# were built with, would keep every one of them alive.
_KEY_QUERIES: dict[tuple[str, type, str | None, bool], KeyQuery] = {}


def _key_query(
    connection: BaseDatabaseWrapper, model: type[AbstractAPIKey], related: str | None, feed: bool
) -> KeyQuery:
    name = (connection.alias, model, related, feed)
    if name not in _KEY_QUERIES:
        _KEY_QUERIES[name] = _build_key_query(connection, model, related, feed)
    return _KEY_QUERIES[name]


def _build_key_query(
    connection: BaseDatabaseWrapper, model: type[AbstractAPIKey], related: str | None, feed: bool
) -> KeyQuery:
    quote = connection.ops.quote_name

    def name(identifier: str | None) -> str:
        # Only tables and concrete fields are named, and those have a column.
        return quote(cast(str, identifier))

    # KeyAuthentication.related names a foreign key.
    foreign_key = cast(ForeignKey, model._meta.get_field(related)) if related else None
    columns: list[tuple[str, Field]] = [("k", f) for f in model._meta.concrete_fields]
    joins = ""
    if foreign_key is not None:
        target = foreign_key.related_model._meta
        columns += [("r", f) for f in target.concrete_fields]
        joins = (
            f" INNER JOIN {name(target.db_table)} r"
            f" ON r.{name(foreign_key.target_field.column)} = k.{name(foreign_key.column)}"
        )
    selected = [f"{alias}.{name(field.column)}" for alias, field in columns]

    related_count = len(columns) - len(model._meta.concrete_fields)
    for log in (Change, FeedEvent) if feed else (Change,):
        meta = log._meta
        head_fields = [meta.pk, meta.get_field("at")]
        newest = f"FROM {name(meta.db_table)} ORDER BY {name(meta.pk.column)} DESC LIMIT 1"
        selected += [f"(SELECT {name(field.column)} {newest})" for field in head_fields]
        columns += [("c", field) for field in head_fields]

    conversions = []
    for index, (alias, field) in enumerate(columns):
        column = field.get_col(alias)
        converters = [
            *connection.ops.get_db_converters(column),
            *field.get_db_converters(connection),
        ]
        if converters:
            conversions.append((index, converters, column))

    key_count = len(model._meta.concrete_fields)
    return KeyQuery(
        sql=f"SELECT {', '.join(selected)} FROM {name(model._meta.db_table)} k{joins}"
        f" WHERE k.{name(model._meta.get_field('prefix').column)} = %s",
        foreign_key=foreign_key,
        key_fields=[field.attname for _, field in columns[:key_count]],
        related_fields=[
            field.attname for _, field in columns[key_count : key_count + related_count]
        ],
        conversions=conversions,
    )


class KeyAuthentication(BaseAuthentication, Generic[Key]):
    """
    `Authorization: <keyword> <prefix>.<secret>` checked against a hashed key
    model. It reads nothing but the headers, so a plain HttpRequest will do
    (the partners' 304 middleware calls it before DRF).
    """

    keyword: str
    model: type[Key]
    what: str
    # A foreign key of the key model that principal() reads, loaded in the same query.
    related: str | None = None
    # Read the partners' feed's head along (api.conditional.head_for).
    feed: bool = False

    def authenticate(self, request: Request | HttpRequest) -> tuple[Any, Key] | None:
        # It reads request.META only, which a plain HttpRequest has too.
        parts = get_authorization_header(request).split()  # type: ignore[arg-type]
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                f"Invalid {self.keyword} header: send `Authorization: {self.keyword} <{self.what}>`."
            )
        secret = parts[1].decode("latin-1")
        # Garbage never reaches the database (PostgreSQL refuses some bytes).
        if not KEY_FORMAT.fullmatch(secret):
            raise AuthenticationFailed(f"Invalid {self.what}.")
        key = find_key(self.model, secret.partition(".")[0], related=self.related, feed=self.feed)
        if key is None or not key.is_valid(secret):
            raise AuthenticationFailed(f"Invalid {self.what}.")
        # Checked on every request, never cached, so that revoking or
        # expiring a key takes effect at once.
        if key.revoked:
            raise AuthenticationFailed(f"This {self.what} has been revoked.")
        if key.has_expired:
            raise AuthenticationFailed(f"This {self.what} has expired.")
        return self.principal(key), key

    def principal(self, key: Key) -> Any:
        raise NotImplementedError

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class PartnerKeyAuthentication(KeyAuthentication[APIKey]):
    keyword = "Api-Key"
    model = APIKey
    what = "partner key"
    feed = True

    def principal(self, key: APIKey) -> Partner:
        return Partner(key)


class StaffTokenAuthentication(KeyAuthentication[StaffToken]):
    keyword = "Token"
    model = StaffToken
    what = "staff token"
    related = "user"

    def principal(self, key: StaffToken) -> Any:
        if not key.user.is_active:
            raise AuthenticationFailed("The account of this staff token is disabled.")
        return key.user


class ModelPermissionsOrPartnerReadOnly(DjangoModelPermissions):
    """
    Partners read everything and write nothing. Staff read, and write with
    the model permission of the method (add / change / delete). A view that
    is not about one model (the changes feed) is read-only for everybody.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if is_partner(request):
            return request.method in SAFE_METHODS
        if not hasattr(view, "get_queryset") and getattr(view, "queryset", None) is None:
            return bool(request.user and request.user.is_authenticated) and (
                request.method in SAFE_METHODS
            )
        return super().has_permission(request, view)


class StaffOnly(BasePermission):
    """
    What only staff may call (a dispute's publication and its transitions):
    any staff member may try, and the service refuses a role that may not
    (PermissionDenied: 403, saying who may); partners may not.
    """

    message = "Publishing is for staff: partner keys read only what editors released."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and not is_partner(request)


# Throttles


class FixedWindowThrottle(BaseThrottle):
    """
    Counts requests in fixed windows with the shared store's atomic increment,
    so that every app process and server shares one exact count (DRF's own
    throttles rewrite a list of timestamps, which loses hits when they race).

    The rate is read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope] on
    each request, so a changed setting applies without a restart of the class.
    """

    scope: str

    def ident(self, request: Request) -> str | None:
        """Whom to count, or None when this throttle does not apply."""
        raise NotImplementedError

    def get_ident(self, request: Request) -> str:
        # DRF's reads NUM_PROXIES its own way; the login lockout and the
        # throttles must agree on who the client is.
        return client_address(request)

    def rate(self) -> tuple[int, int] | None:
        # "<count>/<period>", as DRF's own throttles read it; the stubs say a number.
        rate = cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        if rate is None:
            return None
        count, _, period = rate.partition("/")
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0].lower()]
        return int(count), seconds

    def allow_request(self, request: Request, view: Any) -> bool:
        ident, rate = self.ident(request), self.rate()
        if ident is None or rate is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        hits = self._count(f"throttle:{self.scope}:{ident}:{window}", timeout=period + 1)
        self._wait = (window + 1) * period - now
        return hits <= limit

    @staticmethod
    def _count(key: str, *, timeout: int) -> int:
        """This request's number in the window: one atomic step whoever else counts."""
        store = shared_store()
        # Increment first: after the window's first request that is the only
        # write (one UPDATE on the database store).
        for _ in range(3):
            try:
                return store.incr(key)
            except ValueError:  # the window's first request, or its counter expired
                if store.add(key, 1, timeout=timeout):
                    return 1
                # Another request started the window between the two: count on it.
        # Three races lost in a row: the store is failing to keep the key.
        raise RuntimeError(f"The shared store does not keep the throttle counter {key!r}.")

    def wait(self) -> float:
        return max(1, math.ceil(self._wait))


class PartnerKeyThrottle(FixedWindowThrottle):
    scope = "partner"

    def ident(self, request: Request) -> str | None:
        return str(request.auth.pk) if is_partner(request) else None


class StaffUserThrottle(FixedWindowThrottle):
    scope = "staff"

    def ident(self, request: Request) -> str | None:
        if is_partner(request) or not request.user.is_authenticated:
            return None
        return str(request.user.pk)


class AnonymousThrottle(FixedWindowThrottle):
    """What answers without credentials (the schema, the docs), per address."""

    scope = "anonymous"

    def ident(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


# How the OpenAPI schema names the two header schemes.


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = PartnerKeyAuthentication
    name = "partnerKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A partner key, read-only: `Authorization: Api-Key <key>`.",
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = StaffTokenAuthentication
    name = "staffToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A staff member's personal token: `Authorization: Token <token>`.",
        }
