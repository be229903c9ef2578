"""Settings shared by every environment.

Everything that differs between machines comes from the environment; this module is safe to
run in production as it stands (no debug, no secrets). ``dev`` and ``test`` relax it.
"""

from __future__ import annotations

import os
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
WAGTAIL_SITE_NAME = SITE_NAME
SITE_ID = 1

INSTALLED_APPS = [
    # project
    "accounts",
    "home",
    "forum",
    "kb",
    "search",
    "notifications",
    "api",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"


def cache_from_url(url: str | None) -> dict:
    """Redis when ``REDIS_URL`` is set (shared by every process), local memory otherwise."""
    if url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "community"),
            "TIMEOUT": 300,
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "community"}


CACHES = {"default": cache_from_url(env("REDIS_URL"))}

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
    "database": {"BACKEND": "wagtail.search.backends.database"},
    "elasticsearch": {
        "BACKEND": "wagtail.search.backends.elasticsearch8",
        "URLS": env_list("SEARCH_URL", "http://localhost:9200"),
        "INDEX_PREFIX": env("SEARCH_INDEX_PREFIX", "community_"),
    },
    "opensearch": {
        "BACKEND": "wagtail.search.backends.opensearch2",
        "URLS": env_list("SEARCH_URL", "http://localhost:9200"),
        "INDEX_PREFIX": env("SEARCH_INDEX_PREFIX", "community_"),
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

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
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
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# --- mail ---------------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <community@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- wagtail ------------------------------------------------------------------------------

WAGTAILADMIN_BASE_URL = env("SITE_URL", "http://127.0.0.1:8000")
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_USER_CUSTOM_FIELDS = ["display_name"]

# --- security -----------------------------------------------------------------------------
# The site's own JavaScript lives in static files: no inline script, no eval. The Wagtail
# admin ships inline scripts of its own, so it is left out of the policy.

CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
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

# --- community rules ----------------------------------------------------------------------

FORUM_TOPICS_PER_PAGE = env_int("FORUM_TOPICS_PER_PAGE", 25)
FORUM_POSTS_PER_PAGE = env_int("FORUM_POSTS_PER_PAGE", 30)
FORUM_FLAGS_TO_HIDE = env_int("FORUM_FLAGS_TO_HIDE", 3)
# The anonymous page cache and the shared fragments (forum/cache.py): 0 turns both off.
FORUM_PAGE_CACHE_SECONDS = env_int("FORUM_PAGE_CACHE_SECONDS", 300)
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per task run is noise in the embedded default, where tasks run in-process.
        "django_tasks": {"level": env("TASKS_LOG_LEVEL", "WARNING")},
    },
}
