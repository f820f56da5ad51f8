"""
claimdesk settings: one file, read top to bottom, every deploy-time value from
the environment with a safe development default.

Production mode is DJANGO_DEBUG=0. It refuses to start without a real
DJANGO_SECRET_KEY and turns on every transport-security setting, so that
`manage.py check --deploy` is clean.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0 (production mode)."
        )
    # Obviously not a secret, so that nobody mistakes it for one.
    SECRET_KEY = "insecure-development-only-key-never-use-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "simple_history",
    "corsheaders",
    "csp",
    "log_request_id",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "changelog",
    "sources",
    "claims",
    "publishing",
    "intake",
    "webhooks",
    "api",
    "dashboard",
]

MIDDLEWARE = [
    # django-log-request-id's, refusing ids of an unsafe shape.
    "config.logging.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Inside CORS (its headers stay on), outside everything that can answer
    # an /api/ request with an HTML error page.
    "api.middleware.APIErrorsAsJSONMiddleware",
    # A partner's 304, answered here without the rest of the stack; CORS,
    # the security headers and the request id still apply to it.
    "api.middleware.PartnerNotModifiedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.http.VaryOnHtmxMiddleware",
    "dashboard.http.RefuseNulInQueryMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

# `make bench` mounts its baseline views beside the app's (bench/urls.py).
ROOT_URLCONF = "bench.urls" if env_bool("CLAIMDESK_BENCH_ENDPOINTS", False) else "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Keep connections across requests: a new one costs ~5 ms on
        # PostgreSQL, and ~0.6 ms on SQLite (its PRAGMAs), as much as a whole
        # 304. (The development server still closes them after each request.)
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for long analytic queries; for this app's short
    # ones it only adds ~30 ms to the first run of a plan.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Take the write lock when a transaction starts, so that two writers
        # serialise instead of one failing with "database is locked" mid-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (Django's tasks API, the django-tasks backport): kept in
# the database, where `manage.py db_worker` picks them up. Every worker on
# every server reads the same table, and each job is claimed by one of them
# (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL). The tests run them at once
# in the test's process instead (tests/conftest.py), and one runs a real worker.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Cache, and with it sessions: Redis when REDIS_URL is set, so that several
# app servers share them.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "claimdesk"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # Per process. Room for every claim's cached JSON (api/resources/claim_json.py)
    # at newsroom size, a few KB each, where the default keeps only 300 entries.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 25000},
        }
    }
# API throttle counters and Idempotency-Keys must be one for every process
# that answers (api/shared_store.py): the same Redis when there is one; else,
# in production (several gunicorn workers), the database; else (development
# and tests, one process) the default cache itself, since a memory cache with
# the same (empty) location shares its storage: no query more per request,
# and clearing the cache clears them too.
if REDIS_URL or DEBUG:
    CACHES["shared"] = dict(CACHES["default"])
else:
    CACHES["shared"] = {"BACKEND": "api.shared_store.DatabaseStore"}

# How many proxies in front of the app append to X-Forwarded-For: only that
# many of its right-most entries are believed, to find the client's address
# for the login lockout and the API throttles (api/client_address.py). 0
# ignores the header: then anybody could write it.
CLAIMDESK_PROXY_COUNT = int(
    os.environ.get("DJANGO_PROXY_COUNT", "1" if env_bool("DJANGO_BEHIND_PROXY", False) else "0")
)
if CLAIMDESK_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_PROXY_COUNT must be 0 or more.")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username/address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection for the dashboard and admin logins. Lock out the
# combination of username and address, so that an attacker cannot lock a
# whole newsroom behind one NAT out of its accounts.
AXES_FAILURE_LIMIT = int(os.environ.get("CLAIMDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CLAIMDESK_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address is the client's, not the load balancer's (CLAIMDESK_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "api.client_address.client_address"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Transport security. All on in production; each can be relaxed from the
# environment for a deployment that terminates TLS differently.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Partner outlets whose browsers may read the API (read-only methods).
CORS_ALLOWED_ORIGINS = env_list("CLAIMDESK_PARTNER_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

REST_FRAMEWORK = {
    # The first class names the scheme in the WWW-Authenticate of a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.PartnerKeyAuthentication",
        "api.auth.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Requests per partner key, per staff user, per anonymous address; counted
    # in the cache, so shared by every app server when REDIS_URL is set.
    "DEFAULT_THROTTLE_CLASSES": [
        "api.auth.PartnerKeyThrottle",
        "api.auth.StaffUserThrottle",
        "api.auth.AnonymousThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "partner": os.environ.get("CLAIMDESK_RATE_PARTNER", "1200/minute"),
        "staff": os.environ.get("CLAIMDESK_RATE_STAFF", "1200/minute"),
        "anonymous": os.environ.get("CLAIMDESK_RATE_ANONYMOUS", "120/minute"),
    },
    # What DRF's own BaseThrottle.get_ident believes; ours ask api/client_address.py.
    "NUM_PROXIES": CLAIMDESK_PROXY_COUNT,
    "DEFAULT_PERMISSION_CLASSES": [
        "api.auth.ModelPermissionsOrPartnerReadOnly",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",
        "api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "claimdesk API",
    "DESCRIPTION": "Disputed stories, the parties' accounts, their claims, the evidence, and "
    "explainable credibility scores.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Separate request and response components: a write sends ids and slugs,
    # a read returns nested objects and derived fields.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "claims.models.Verdict",
        "StanceEnum": "claims.models.Stance",
        "ReliabilityEnum": "sources.models.Reliability",
        "SourceKindEnum": "sources.models.SourceKind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The credibility model (docs/scoring.md). Changing a constant changes every
# score: run `manage.py recompute_scores` afterwards.
CLAIMDESK_SCORING = {
    "STANCE_VALUES": {
        "supports": 1.0,
        "partly_supports": 0.5,
        "partly_contradicts": -0.5,
        "contradicts": -1.0,
    },
    "RELIABILITY": {"A": 0.95, "B": 0.80, "C": 0.60, "D": 0.40, "E": 0.20, "F": 0.50},
    "INTEREST": {
        "self_serving": 0.25,  # same party, supporting
        "against_interest": 1.5,  # same party contradicting, or opposing party supporting
        "adversarial": 0.5,  # opposing party, contradicting
        "independent": 1.0,
    },
    "ANONYMOUS_FACTOR": 0.7,
    # Lower bounds of each verdict band, highest first; "contested" is the
    # open band above MOSTLY_CONTRADICTED.
    "VERDICT_BANDS": {
        "corroborated": 0.75,
        "mostly_corroborated": 0.60,
        "contested": 0.40,
        "mostly_contradicted": 0.25,
    },
}

# Who publishes the ClaimReview markup.
CLAIMDESK_NEWSROOM = {
    "name": os.environ.get("CLAIMDESK_NEWSROOM_NAME", "claimdesk"),
    "url": os.environ.get("CLAIMDESK_NEWSROOM_URL", "http://127.0.0.1:8000/"),
}

# Structured logs: one JSON object a line, each with the request id, which
# comes from the load balancer's X-Request-ID or is made here, and is sent
# back in the response so a partner can quote it.
LOG_REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
GENERATE_REQUEST_ID_IF_NOT_IN_HEADER = True
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
LOG_REQUESTS = env_bool("LOG_REQUESTS", not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "log_request_id.filters.RequestIDFilter"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes announces itself at INFO in every process.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Webhooks (webhooks/, docs/api.md "Webhooks", docs/operations.md). Endpoints
# must be https:// and resolve to public addresses in production; development
# and the tests may push to a receiver on this machine.
WEBHOOKS_ALLOW_INSECURE_URLS = env_bool("WEBHOOKS_ALLOW_INSECURE_URLS", DEBUG)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", DEBUG)
# One attempt, from connecting to the last byte read (the spec's 15 s).
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "15"))
# How long a rotated secret keeps signing beside the new one.
WEBHOOKS_SECRET_GRACE = timedelta(hours=float(os.environ.get("WEBHOOKS_SECRET_GRACE_HOURS", "24")))
# A delivery job claims this many due deliveries at a time and sends them over
# this many connections at once, for at most this long before it hands over.
WEBHOOKS_BATCH_SIZE = int(os.environ.get("WEBHOOKS_BATCH_SIZE", "32"))
WEBHOOKS_CONCURRENCY = int(os.environ.get("WEBHOOKS_CONCURRENCY", "16"))
WEBHOOKS_JOB_SECONDS = float(os.environ.get("WEBHOOKS_JOB_SECONDS", "30"))
# A body larger than this carries a link to the dispute instead of the dispute.
WEBHOOKS_MAX_PAYLOAD_BYTES = int(os.environ.get("WEBHOOKS_MAX_PAYLOAD_BYTES", "20000"))
# Where partners read the API: the link a large event carries.
WEBHOOKS_API_URL = os.environ.get(
    "WEBHOOKS_API_URL", CLAIMDESK_NEWSROOM["url"].rstrip("/") + "/api/v1/"
)
