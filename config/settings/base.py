"""Settings shared by every environment.

Everything that differs between machines comes from the environment; this module is safe to
run in production as it stands (no debug, no secrets). ``dev`` and ``test`` relax it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_float(name: str, default: float, *, low: float | None = None, high: float | None = None) -> float:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, not {value!r}")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


# --- core ---------------------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: production.py refuses to start without it
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("SITE_NAME", "Acme Community")
# The address people use (scheme and host, no path): links in mail and feeds, the Sites record
# (ops/sites.py). Production requires it (ops/checks.py); `make run` sets it to the served port.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
WAGTAIL_SITE_NAME = SITE_NAME
# The company that answers here: official answers say "Official answer from <company>".
COMMUNITY_COMPANY_NAME = env("COMMUNITY_COMPANY_NAME", "Acme")
SITE_ID = 1

INSTALLED_APPS = [
    # project
    "core",
    "ops",
    "accounts",
    "home",
    "forum",
    "kb",
    "search",
    "notifications",
    "mentions",
    "webhooks",
    "inbound",
    "demo",
    "api",
    "widget",
    # wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # operations
    "health_check",
    # background work
    "django_tasks",
    "django_tasks_db",
    # django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "ninja",
    "corsheaders",
    "anymail",
]

MIDDLEWARE = [
    "ops.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.request_checks.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.middleware.ApiConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "home.sites.PreparedSiteMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "home.context_processors.site",
            ],
        },
    },
]

# --- data ---------------------------------------------------------------------------------


def database_from_url(url: str | None) -> dict:
    """Parse ``DATABASE_URL``; an empty value means the embedded SQLite file under var/."""
    import dj_database_url

    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Reuse a connection across requests (opening one also reruns the pragmas).
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            # WAL lets readers carry on while one writer writes; a busy timeout makes a
            # second writer wait instead of failing at once. A larger page cache, memory-mapped
            # reads and in-memory temporary tables make reads cheaper.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000; "
                    "PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_from_url(env("DATABASE_URL"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's database search backend runs on PostgreSQL's full-text search through it.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"


def cache_from_url(url: str | None, *, name: str = "community", max_entries: int = 300) -> dict:
    """Redis when ``REDIS_URL`` is set (shared by every process), local memory otherwise."""
    if url:
        return {
            # Django's RedisCache, answering as an empty cache while Redis is unreachable
            # (core/cache.py): a Redis restart slows pages down instead of failing them.
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "community") + name.removeprefix("community"),
            "TIMEOUT": 300,
            # A Redis that does not answer must not hold a web worker: give up quickly.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": name,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


# "default" holds pages, fragments, search results and view counts: anyone can fill it, and a
# full cache evicts. "limits" holds only the rate-limit counters (the site's and allauth's
# login lockouts), so flooding pages can never evict a lockout. On Redis both live in one
# server under different key prefixes (give the limits their own with RATELIMIT_REDIS_URL, e.g.
# a database number, when the server evicts keys under memory pressure).
CACHES = {
    # Without Redis each process keeps its own pages: CACHE_MAX_ENTRIES bounds them (pages are
    # stored compressed, about 6 KB for a topic page; Django's default of 300 held the parts of
    # a few dozen topics, so most of a long tail missed).
    "default": cache_from_url(env("REDIS_URL"), max_entries=env_int("CACHE_MAX_ENTRIES", 5000)),
    "limits": cache_from_url(
        env("RATELIMIT_REDIS_URL") or env("REDIS_URL"), name="community-limits", max_entries=100_000
    ),
}

# --- background work ----------------------------------------------------------------------
# TASKS_BACKEND=database queues work in the database for `manage.py db_worker`;
# the default runs each task at once, in-process (right for the embedded demo and tests).

_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env("TASKS_BACKEND", "immediate")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# --- search -------------------------------------------------------------------------------

WHOOSH_INDEX_DIR = Path(env("WHOOSH_INDEX_DIR", str(VAR_DIR / "whoosh")))
SEARCH_BACKEND = env("SEARCH_BACKEND", "whoosh")
_SEARCH_BACKENDS = {
    "whoosh": {"BACKEND": "search.backends.whoosh", "PATH": WHOOSH_INDEX_DIR},
    # On PostgreSQL, its full-text search; English stemming whatever the server's default
    # text search configuration is (SQLite's FTS5 ignores the key).
    "database": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"},
    # Optional clients: pip install -r requirements-search-elastic.txt (docs/search.md).
    "elasticsearch": {
        "BACKEND": "wagtail.search.backends.elasticsearch9",
        "URLS": env_list("SEARCH_URL", "http://localhost:9200"),
        "INDEX_PREFIX": env("SEARCH_INDEX_PREFIX", "community_"),
        # update_index builds a new index and swaps the alias: searches carry on meanwhile.
        "ATOMIC_REBUILD": True,
    },
    "opensearch": {
        "BACKEND": "wagtail.search.backends.opensearch3",
        "URLS": env_list("SEARCH_URL", "http://localhost:9200"),
        "INDEX_PREFIX": env("SEARCH_INDEX_PREFIX", "community_"),
        # update_index builds a new index and swaps the alias: searches carry on meanwhile.
        "ATOMIC_REBUILD": True,
    },
}
if SEARCH_BACKEND not in _SEARCH_BACKENDS:
    raise ImproperlyConfigured(f"SEARCH_BACKEND must be one of {sorted(_SEARCH_BACKENDS)}")
WAGTAILSEARCH_BACKENDS = {"default": _SEARCH_BACKENDS[SEARCH_BACKEND]}
# The search page, similar questions and the search log (see README "Search").
SEARCH_RESULTS_PER_PAGE = env_int("SEARCH_RESULTS_PER_PAGE", 20)
SEARCH_MERGE_DEPTH = env_int("SEARCH_MERGE_DEPTH", 200)
SEARCH_SIMILAR_CACHE_SECONDS = env_int("SEARCH_SIMILAR_CACHE_SECONDS", 60)
SEARCH_RESULTS_CACHE_SECONDS = env_int("SEARCH_RESULTS_CACHE_SECONDS", 60)
SEARCH_VOCABULARY_SECONDS = env_int("SEARCH_VOCABULARY_SECONDS", 3600)
# Semantic similar questions (search/semantic.py): off by default; needs the model's weights.
SEARCH_SEMANTIC = env_bool("SEARCH_SEMANTIC", False)
SEARCH_SEMANTIC_WEIGHT = env_float("SEARCH_SEMANTIC_WEIGHT", 0.85, low=0.0, high=1.0)
SEARCH_SEMANTIC_CANDIDATES = env_int("SEARCH_SEMANTIC_CANDIDATES", 50)
SEARCH_LOG_ENABLED = env_bool("SEARCH_LOG_ENABLED", True)
SEARCH_LOG_BUFFER_SIZE = env_int("SEARCH_LOG_BUFFER_SIZE", 20)
SEARCH_LOG_FLUSH_SECONDS = env_int("SEARCH_LOG_FLUSH_SECONDS", 30)
SEARCH_LOG_RETENTION_DAYS = env_int("SEARCH_LOG_RETENTION_DAYS", 90)

# --- accounts (django-allauth) ------------------------------------------------------------

# One backend: allauth's (username or email) minus placeholder accounts (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# allauth's defaults, written out so they are visible; they use the default cache, which is
# Redis (shared by all workers) when REDIS_URL is set.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
LOGIN_URL = "account_login"
# The Wagtail admin signs in through allauth too: /admin/login/ only sends visitors to
# allauth's login (accounts.views.admin_sign_in) and /admin/password_reset/ to allauth's
# reset (config/urls.py), so the admin shares allauth's limits, verification and MFA.
WAGTAILADMIN_LOGIN_URL = "admin_sign_in"
WAGTAIL_PASSWORD_RESET_ENABLED = False
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Two-factor authentication (allauth.mfa, under /accounts/2fa/): an authenticator app (TOTP),
# recovery codes, and security keys or passkeys (WebAuthn, which browsers allow on HTTPS and
# on localhost only). With MFA_REQUIRED_FOR_STAFF, staff, moderators, editors and
# administrators must set one up before they reach /admin/ (accounts/mfa.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", False)

# --- clients and rate limits (core/clientip.py, core/ratelimit.py) -------------------
# How many reverse proxies (nginx, a load balancer) stand in front of the site and append to
# X-Forwarded-For: 0 trusts only REMOTE_ADDR; n takes the n-th address from the right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Per client (by address): the search page, similar questions, and the Markdown preview (per
# member). Rates like "60/m", "5/30s", "100/h"; 0 turns a limit off.
SEARCH_RATE_LIMIT = env("SEARCH_RATE_LIMIT", "60/m")
SIMILAR_RATE_LIMIT = env("SIMILAR_RATE_LIMIT", "60/m")
PREVIEW_RATE_LIMIT = env("PREVIEW_RATE_LIMIT", "30/m")

# --- mail ---------------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds before a stuck mail server gives up, so a hung SMTP connection cannot block a worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <community@example.com>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- i18n, static, media ------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))


def media_storage(kind: str) -> dict:
    """Where uploads live: ``filesystem`` (MEDIA_ROOT, served by the front proxy on one machine)
    or ``s3`` (S3-compatible object storage through django-storages, for several machines;
    credentials from AWS_S3_ACCESS_KEY_ID / AWS_S3_SECRET_ACCESS_KEY or the machine's role)."""
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {kind!r}")
    bucket = env("MEDIA_S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET (the bucket's name)")
    options = {
        "bucket_name": bucket,
        "endpoint_url": env("MEDIA_S3_ENDPOINT_URL"),  # unset: AWS itself
        "region_name": env("MEDIA_S3_REGION"),
        "custom_domain": env("MEDIA_S3_CUSTOM_DOMAIN"),  # a CDN or public host for the bucket
        "location": env("MEDIA_S3_LOCATION", ""),  # a key prefix inside the bucket
        # Signed, expiring URLs by default, so the bucket itself can stay private.
        "querystring_auth": env_bool("MEDIA_S3_QUERYSTRING_AUTH", True),
        "file_overwrite": False,
    }
    return {
        "BACKEND": "ops.s3.MediaS3Storage",
        "OPTIONS": {k: v for k, v in options.items() if v is not None},
    }


STORAGES = {
    "default": media_storage(env("MEDIA_STORAGE", "filesystem")),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Raster formats only: an SVG can carry script.
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]

# --- wagtail ------------------------------------------------------------------------------

WAGTAILADMIN_BASE_URL = SITE_URL
# No requests to gravatar.com from the admin: avatars are the site's own.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_USER_CUSTOM_FIELDS = ["display_name"]

# --- security -----------------------------------------------------------------------------
# The site's own JavaScript lives in static files: no inline script, no eval. The Wagtail
# admin ships inline scripts of its own, so it is left out of the policy.


def image_origins(values: list[str]) -> list[str]:
    """``EMBEDDED_IMAGE_HOSTS`` entries as CSP sources: each must be one https origin (a
    scheme alone, a wildcard or a path would open img-src to the whole web again)."""
    import re

    from django.core.exceptions import ImproperlyConfigured

    origin = re.compile(r"https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?", re.IGNORECASE)
    bad = [value for value in values if not origin.fullmatch(value)]
    if bad:
        raise ImproperlyConfigured(
            f"EMBEDDED_IMAGE_HOSTS takes https origins such as https://images.example.com, not {bad}"
        )
    return values


EMBEDDED_IMAGE_HOSTS = image_origins(env_list("EMBEDDED_IMAGE_HOSTS"))
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Images only from the site itself (uploads, avatars) and data: URLs, so an image in a
        # post cannot track who reads it; EMBEDDED_IMAGE_HOSTS names other origins allowed
        # (e.g. "https://images.example.com", a media bucket or a CDN).
        "img-src": ["'self'", "data:", *EMBEDDED_IMAGE_HOSTS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views set SAMEORIGIN for themselves
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# gunicorn reads the same variable for its number of workers; more than one needs REDIS_URL.
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 1)
SILENCED_SYSTEM_CHECKS = env_list("DJANGO_SILENCED_SYSTEM_CHECKS")

# --- community rules ----------------------------------------------------------------------

FORUM_TOPICS_PER_PAGE = env_int("FORUM_TOPICS_PER_PAGE", 25)
FORUM_POSTS_PER_PAGE = env_int("FORUM_POSTS_PER_PAGE", 30)
FORUM_FLAGS_TO_HIDE = env_int("FORUM_FLAGS_TO_HIDE", 3)
# Only established members' flags count toward hiding a post automatically: an account this
# many days old, or one with this many posts that have stayed visible for a day. Flags from
# newer accounts still reach the moderation queue.
FORUM_FLAG_TRUST_ACCOUNT_DAYS = env_int("FORUM_FLAG_TRUST_ACCOUNT_DAYS", 7)
FORUM_FLAG_TRUST_POSTS = env_int("FORUM_FLAG_TRUST_POSTS", 3)
# Flags one member may raise per window (moderators and staff are not limited).
FORUM_FLAG_RATE_LIMIT = env("FORUM_FLAG_RATE_LIMIT", "10/h")
# The anonymous page cache and the shared fragments (forum/cache.py): 0 turns both off.
FORUM_PAGE_CACHE_SECONDS = env_int("FORUM_PAGE_CACHE_SECONDS", 300)
# Topic lists and category pages may lag this many seconds behind a change (each list is
# re-rendered at most once per lag while members write); 0: at once. The writer sees at once.
FORUM_LIST_CACHE_LAG = env_int("FORUM_LIST_CACHE_LAG", 5)
# Topic views: once per visitor per window (seconds); buffered in the cache and written to the
# database when this many are waiting (or by `manage.py flush_view_counts`).
FORUM_VIEW_WINDOW = env_int("FORUM_VIEW_WINDOW", 3600)
FORUM_VIEW_FLUSH_THRESHOLD = env_int("FORUM_VIEW_FLUSH_THRESHOLD", 100)
FORUM_POST_RATE_LIMIT = env("FORUM_POST_RATE_LIMIT", "10/m")
ACCEPT_REMINDER_DAYS = env_int("ACCEPT_REMINDER_DAYS", 3)
# Notifications: inbox page size, mail retries, how long unsubscribe links stay valid.
NOTIFICATIONS_PER_PAGE = env_int("NOTIFICATIONS_PER_PAGE", 20)
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env_int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", 5)
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS = env_int("NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS", 90)
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
# Larger images are refused from their header, before decoding (decompression bombs).
AVATAR_MAX_PIXELS = env_int("AVATAR_MAX_PIXELS", 12_000_000)
# FAQ pages: Editors who are not Staff submit changes to the "FAQ review" workflow instead of
# publishing them (kb/permissions.py); Staff still publish directly. Off: Editors publish too.
KB_EDITORS_MUST_REQUEST_REVIEW = env_bool("KB_EDITORS_MUST_REQUEST_REVIEW", True)

# Listening (mentions/): feeds are fetched with these limits; private and loopback addresses
# are refused unless allowed (development serves sample feeds from the site itself).
MENTIONS_ALLOW_PRIVATE_ADDRESSES = env_bool("MENTIONS_ALLOW_PRIVATE_ADDRESSES", False)
MENTIONS_FETCH_TIMEOUT = env_int("MENTIONS_FETCH_TIMEOUT", 10)
MENTIONS_MAX_FEED_BYTES = env_int("MENTIONS_MAX_FEED_BYTES", 2 * 1024 * 1024)
MENTIONS_MAX_REDIRECTS = env_int("MENTIONS_MAX_REDIRECTS", 3)
# Questions and problems with no reply after this many hours are highlighted in the queue.
MENTIONS_REPLY_OVERDUE_HOURS = env_int("MENTIONS_REPLY_OVERDUE_HOURS", 4)
# The sample feeds at /mentions/samples/<name>.xml that the demo sources read.
MENTIONS_SAMPLE_FEEDS = env_bool("MENTIONS_SAMPLE_FEEDS", False)

# Webhooks (webhooks/, docs/webhooks.md): private and loopback addresses are refused unless
# allowed; plain http is refused unless allowed (by default, only where private addresses are).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", WEBHOOKS_ALLOW_PRIVATE)
# Seconds to connect, and again to read the answer, per attempt.
WEBHOOKS_TIMEOUT = env_float("WEBHOOKS_TIMEOUT", 5.0, low=0.5, high=30)
# Attempts per message in all, and the waits (seconds) before each retry (the last one repeats);
# each wait gets up to 10% random jitter.
WEBHOOKS_MAX_ATTEMPTS = env_int("WEBHOOKS_MAX_ATTEMPTS", 8)
WEBHOOKS_RETRY_SCHEDULE = [
    int(s) for s in env_list("WEBHOOKS_RETRY_SCHEDULE", "60,300,1800,7200,18000,36000")
]
# An endpoint is disabled (and staff told) after this many failed attempts in a row, once it
# has been failing for at least this many hours (0: the count alone decides).
WEBHOOKS_DISABLE_AFTER_FAILURES = env_int("WEBHOOKS_DISABLE_AFTER_FAILURES", 15)
WEBHOOKS_DISABLE_AFTER_HOURS = env_int("WEBHOOKS_DISABLE_AFTER_HOURS", 24)
# After a secret is rotated, messages are signed with the old one too for this many hours.
WEBHOOKS_SECRET_OVERLAP_HOURS = env_int("WEBHOOKS_SECRET_OVERLAP_HOURS", 24)

# Email in (inbound/, docs/email.md): replying to notification mail and asking by mail.
# Off unless INBOUND_EMAIL_DOMAIN is set: the domain whose reply+<token>@ addresses we receive.
INBOUND_EMAIL_DOMAIN = (env("INBOUND_EMAIL_DOMAIN", "") or "").strip().lower()
# Support addresses that take new questions: "support@x=category-slug,billing@x=billing".
INBOUND_SUPPORT_ADDRESSES = env("INBOUND_SUPPORT_ADDRESSES", "")
# A question from an address no member has confirmed: "moderate" (waits for staff to publish
# it) or "confirm" (published once the sender follows the signed link we mail back).
INBOUND_STRANGER_POLICY = env("INBOUND_STRANGER_POLICY", "moderate")
# Mail larger than this (bytes, as received) is refused before it is parsed.
INBOUND_EMAIL_MAX_BYTES = env_int("INBOUND_EMAIL_MAX_BYTES", 10 * 1024 * 1024)
# How SPF/DKIM/DMARC are judged: "header" reads the Authentication-Results header added by
# our receiving server (whose authserv-id is INBOUND_AUTHSERV_ID); "dkim" verifies the DKIM
# signature here (dkimpy, DNS lookups) and needs it aligned with the From domain.
INBOUND_AUTH_CHECK = env("INBOUND_AUTH_CHECK", "header")
INBOUND_AUTHSERV_ID = (env("INBOUND_AUTHSERV_ID", "") or "").strip().lower()
# Per sender address, counted whatever became of the mail.
INBOUND_SENDER_RATE_LIMIT = env("INBOUND_SENDER_RATE_LIMIT", "20/h")
# Reply addresses stop working after this many days (a member can also revoke them all).
INBOUND_REPLY_MAX_AGE_DAYS = env_int("INBOUND_REPLY_MAX_AGE_DAYS", 30)
# Signed links that confirm a stranger's question stay valid this many days.
INBOUND_CONFIRM_MAX_AGE_DAYS = env_int("INBOUND_CONFIRM_MAX_AGE_DAYS", 7)

# --- inbound mail (docs/email-receiving.md) ------------------------------------------------
# IMAP polling of one mailbox (inbound/imap.py): off unless INBOUND_IMAP_HOST is set; then the
# scheduler polls it every minute and `manage.py poll_mailbox` polls it once.
INBOUND_IMAP_HOST = env("INBOUND_IMAP_HOST", "")
INBOUND_IMAP_SECURITY = env("INBOUND_IMAP_SECURITY", "ssl")  # ssl (993), starttls or none (143)
if INBOUND_IMAP_SECURITY not in {"ssl", "starttls", "none"}:
    raise ImproperlyConfigured(
        f"INBOUND_IMAP_SECURITY must be ssl, starttls or none, not {INBOUND_IMAP_SECURITY!r}"
    )
INBOUND_IMAP_PORT = env_int("INBOUND_IMAP_PORT", 993 if INBOUND_IMAP_SECURITY == "ssl" else 143)
INBOUND_IMAP_USER = env("INBOUND_IMAP_USER", "")
INBOUND_IMAP_PASSWORD = env("INBOUND_IMAP_PASSWORD", "")
INBOUND_IMAP_FOLDER = env("INBOUND_IMAP_FOLDER", "INBOX")
# Processed messages move to this folder (created when missing); empty: they stay where they
# are, flagged \Seen and INBOUND_IMAP_PROCESSED_FLAG (an IMAP keyword).
INBOUND_IMAP_PROCESSED_FOLDER = env("INBOUND_IMAP_PROCESSED_FOLDER", "")
INBOUND_IMAP_PROCESSED_FLAG = env("INBOUND_IMAP_PROCESSED_FLAG", "$CommunityProcessed")
if not re.fullmatch(r"\$?[A-Za-z0-9_.\-]+", INBOUND_IMAP_PROCESSED_FLAG):
    raise ImproperlyConfigured(
        "INBOUND_IMAP_PROCESSED_FLAG must be one IMAP keyword such as $CommunityProcessed, "
        f"not {INBOUND_IMAP_PROCESSED_FLAG!r}"
    )
INBOUND_IMAP_BATCH_SIZE = env_int("INBOUND_IMAP_BATCH_SIZE", 50)  # messages per poll, oldest first
INBOUND_IMAP_TIMEOUT = env_int("INBOUND_IMAP_TIMEOUT", 30)  # seconds per network operation
# Provider inbound webhooks (inbound/provider.py) through django-anymail: each ESP named here
# gets /mail/inbound/<esp>/, and refuses to start without its secrets. Empty: no route at all.
INBOUND_WEBHOOK_PROVIDERS = env_list("INBOUND_WEBHOOK_PROVIDERS")
ANYMAIL = {
    name: value
    for name, value in {
        # "user:password" the provider sends as HTTP basic auth (the webhook URL's credentials).
        "WEBHOOK_SECRET": env("INBOUND_WEBHOOK_SECRET"),
        # Mailgun also signs every post with this key (Mailgun's "HTTP webhook signing key").
        "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY"),
    }.items()
    if value
}

# --- search engines, feeds and the public API -----------------------------------------
# Unanswered topics older than this many days carry "noindex" and leave the sitemap (0: never).
SEO_NOINDEX_UNANSWERED_DAYS = env_int("SEO_NOINDEX_UNANSWERED_DAYS", 180)
# Addresses per sitemap file; beyond it /sitemap.xml becomes an index of sections.
SITEMAP_LIMIT = env_int("SITEMAP_LIMIT", 50000)
FEED_LENGTH = env_int("FEED_LENGTH", 30)
# The API (docs/api.md): origins allowed to read it from a browser (django-cors-headers),
# writes per token, live tokens per member.
CORS_ALLOWED_ORIGINS = env_list("API_CORS_ORIGINS")
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified"]
API_WRITE_RATE_LIMIT = env("API_WRITE_RATE_LIMIT", "30/m")
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 10)
WAGTAILAPI_TOKEN_LAST_USED_INTERVAL = 60


def web_origins(name: str, values: list[str]) -> list[str]:
    """Origins (``scheme://host[:port]``, no path) for a setting that names other sites; a
    wildcard, a bare scheme or a path would let any page in."""
    import re

    from django.core.exceptions import ImproperlyConfigured

    origin = re.compile(r"https?://[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?", re.IGNORECASE)
    bad = [value for value in values if not origin.fullmatch(value)]
    if bad:
        raise ImproperlyConfigured(f"{name} takes origins such as https://shop.example.com, not {bad}")
    return values


# The product-page widget (docs/widget.md): /widget.js reads the API, so the shops' origins go
# in API_CORS_ORIGINS; /embed/ may be framed only by WIDGET_EMBED_ORIGINS (none: by nobody).
WIDGET_EMBED_ORIGINS = web_origins("WIDGET_EMBED_ORIGINS", env_list("WIDGET_EMBED_ORIGINS"))
# How long browsers keep /widget.js before revalidating it (ETag), and how long the widget's
# lists are cached (a newly approved mention shows within it; topics and FAQ changes at once).
WIDGET_SCRIPT_MAX_AGE = env_int("WIDGET_SCRIPT_MAX_AGE", 86400)
WIDGET_CACHE_SECONDS = env_int("WIDGET_CACHE_SECONDS", 60)

# --- operations ---------------------------------------------------------------------------
# /health/ (ops/health.py): the task queue is unhealthy when its oldest waiting task has waited
# longer than this many seconds, or when more than this many tasks wait.
HEALTH_TASK_BACKLOG_MAX_AGE = env_int("HEALTH_TASK_BACKLOG_MAX_AGE", 600)
HEALTH_TASK_BACKLOG_MAX = env_int("HEALTH_TASK_BACKLOG_MAX", 1000)
# The scheduler's run records (ops.JobRun) are kept this many days.
JOB_RUN_RETENTION_DAYS = env_int("JOB_RUN_RETENTION_DAYS", 30)

# Error tracking: on only when SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from ops.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "production"),
        release=env("SENTRY_RELEASE"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, low=0.0, high=1.0),
    )

# Logs go to stderr (journald under systemd). LOG_FORMAT=json writes one JSON object per line;
# every line carries the request id (ops/request_id.py), "-" outside a request.
LOG_FORMAT = env("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")


def logging_config(log_format: str, level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "ops.request_id.RequestIdFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "ops.json_logs.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": log_format}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            # One line per task run is noise in the embedded default, where tasks run in-process.
            "django_tasks": {"level": env("TASKS_LOG_LEVEL", "WARNING")},
        },
    }


LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", "INFO"))
