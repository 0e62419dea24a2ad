"""Django settings, read from the environment: typed, failing loudly on bad or missing values."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

# One BLAS thread per process (before numpy/scipy load): a web or worker process serves one request at a time,
# and BLAS threads fighting over the cores made the statistics forecast's many tiny fits 4× slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from urllib.parse import urlsplit

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from environs import Env
from xstatic.pkg import leaflet as _xstatic_leaflet  # Leaflet from PyPI, served as static/leaflet/

env = Env()

BASE_DIR = Path(__file__).resolve().parent
# Where a local install keeps its SQLite database, uploads and collected static files.
VAR_DIR = Path(env.str("CITYOPS_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env.bool("DEBUG", False)

_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "insecure", "placeholder", "dev"}
_DEV_SECRET = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", "")
if SECRET_KEY.lower() in _PLACEHOLDER_SECRETS or SECRET_KEY == _DEV_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or a placeholder. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=true for development."
        )
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Failed-login counting and lock-outs (console, inspector app and admin logins); see docs/operations.md.
    "axes",
    # For the API docs' Swagger UI served from our own static files (its CDN copy is refused by the CSP).
    "ninja",
    # For the htmx script it ships (static files and the {% htmx_script %} tag).
    "django_htmx",
    "cityops.core",
    "cityops.geo",
    "cityops.org",
    "cityops.catalog",
    "cityops.assets",
    "cityops.tracking",
    "cityops.cases",
    "cityops.intake",
    "cityops.notify",
    "cityops.open311",
    "cityops.evaluation",
    "cityops.analytics",
    "cityops.exports",
    "cityops.command",
    # The operators' shell over the domains' pages: navigation, home page, the /console/ URL tree.
    "cityops.console",
    "cityops.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "cityops.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, auth and every view: a NUL in the request would end as a 500 in PostgreSQL.
    "cityops.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Unknown routes and wrong methods under /api/ answer the API's JSON error body, not an HTML page.
    "cityops.core.api_middleware.ApiErrorBodyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns the lock-out refusal raised inside authenticate() into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cityops.urls"
WSGI_APPLICATION = "cityops.wsgi.application"
ASGI_APPLICATION = "cityops.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityops.notify.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASE_URL = env.str("DATABASE_URL", "")
if not DATABASE_URL:
    # The embedded default: a SQLite file under VAR_DIR, whose folder a fresh checkout does not have yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'cityops.sqlite3'}"
if not DATABASE_URL.startswith(("sqlite://", "postgres://", "postgresql://")):
    raise ImproperlyConfigured(f"DATABASE_URL must be sqlite:///PATH or postgresql://…, got {DATABASE_URL!r}")
DATABASES = {"default": env.dj_db_url("DATABASE_URL", DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work side by side; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue on busy_timeout instead of failing with "database is locked" half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # PostgreSQL's JIT compiles the evaluation's and statistics' grouped aggregates for longer than they run
    # (157 ms of a 271 ms query on a million cases); CITYOPS_PG_JIT=true turns it back on.
    if not env.bool("CITYOPS_PG_JIT", False):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"].setdefault("TEST", {})
    DATABASES["default"]["TEST"]["NAME"] = env.str("CITYOPS_TEST_DB_NAME", "test_cityops")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before any password is checked.
    "cityops.org.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Users with the platform's admin role get every admin permission (see cityops.org.backends).
    "cityops.org.backends.PlatformAdminPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- login throttling (django-axes; docs/operations.md#login-lock-out) ----------------------------------
# After this many failed logins for one user name (from anywhere, and from one address) further tries are
# refused with a 429 page — the right password included — until the cool-off has passed.
AXES_FAILURE_LIMIT = env.int("CITYOPS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("CITYOPS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
# Tries during a lock-out do not extend it: an attacker can hold a user out for one cool-off at a time, never
# for ever by guessing on; the user's own right password after it resets the count.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The address Django sees (REMOTE_ADDR, set by the proxy middleware if any): X-Forwarded-For is the client's to forge.
AXES_CLIENT_IP_CALLABLE = "cityops.org.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "cityops.org.lockout.lockout_response"
# Wrong bearer tokens (API, Open311 api_key): after this many failures in the window from one address, or for one
# token prefix, every token from there (or with that prefix) is answered 429 until the window ends.
CITYOPS_TOKEN_FAILURES_PER_IP = env.int("CITYOPS_TOKEN_FAILURES_PER_IP", 20)
CITYOPS_TOKEN_FAILURES_PER_PREFIX = env.int("CITYOPS_TOKEN_FAILURES_PER_PREFIX", 10)
CITYOPS_TOKEN_FAILURE_WINDOW_SECONDS = env.int("CITYOPS_TOKEN_FAILURE_WINDOW_SECONDS", 900)

LANGUAGE_CODE = env.str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The project's own assets (src/cityops/static): `cityops` is a package, not an app, so no finder looks there.
STATICFILES_DIRS = [BASE_DIR / "static", ("leaflet", _xstatic_leaflet.BASE_DIR)]
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Hashed, compressed static files for production (`cityops serve` runs collectstatic first).
_STATIC_MANIFEST = env.bool("CITYOPS_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if not _STATIC_MANIFEST
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", not DEBUG and env.bool("HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# --- security headers (docs/operations.md#security-headers) --------------------------------------------
HTTPS = env.bool("HTTPS", False)
# HSTS only over HTTPS: browsers then refuse plain HTTP to this host for that long (a year by default).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy, the header it sets ("X-Forwarded-Proto") tells Django the request was HTTPS.
# Set it only when the proxy overwrites that header: a client could otherwise claim HTTPS itself.
_PROXY_SSL_HEADER = env.str("SECURE_PROXY_SSL_HEADER", "")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Geolocation for the portal's "near me" and the inspector app; nothing else a page may ask the browser for.
CITYOPS_PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


def _tile_hosts(url: str) -> list[str]:
    """The origin of the configured tile URL for img-src ("https://{s}.tile.example.org/…" → "https://*.tile…")."""
    if not url:
        return []
    parts = urlsplit(url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"CITYOPS_TILE_URL must be an http(s) URL, got {url!r}")
    return [f"{parts.scheme}://{parts.netloc}"]


# Content-Security-Policy (django-csp): scripts only from our own static files or carrying the page's nonce.
# Styles allow 'unsafe-inline': the analytics charts are inline SVG from matplotlib (with its own <style>), and
# colours computed per row are style attributes; a style cannot run code, a script is what the policy stops.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Leaflet's icons and canvas layers are data: and blob: images; tiles come from the configured host.
        "img-src": ["'self'", "data:", "blob:", *_tile_hosts(env.str("CITYOPS_TILE_URL", ""))],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # The inspector app's offline service worker (/m/sw.js).
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- cityops ---------------------------------------------------------------------------------------
# Office hours on a working day, as "HH:MM-HH:MM" periods (working-time clocks count only these).
CITYOPS_OFFICE_HOURS = env.list("CITYOPS_OFFICE_HOURS", ["08:30-12:00", "13:30-17:30"])
# Seconds a process may use its copy of the calendar overrides and holiday arrangements before reading them again
# (a change made in another process is seen after at most this long; the saving process drops its copy at once).
CITYOPS_CALENDAR_CACHE_SECONDS = env.float("CITYOPS_CALENDAR_CACHE_SECONDS", 60.0)
if not 0 <= CITYOPS_CALENDAR_CACHE_SECONDS < float("inf"):
    raise ImproperlyConfigured(
        f"CITYOPS_CALENDAR_CACHE_SECONDS must be 0 or more, got {CITYOPS_CALENDAR_CACHE_SECONDS}."
    )
# Seconds a process may serve locate() from its index before checking whether regions changed.
CITYOPS_GEO_INDEX_CHECK_SECONDS = env.float("CITYOPS_GEO_INDEX_CHECK_SECONDS", 2.0)
# Seconds a process may use its copy of the catalogue policy (classes, urgencies, limits, rules) for reports.
CITYOPS_POLICY_CACHE_SECONDS = env.float("CITYOPS_POLICY_CACHE_SECONDS", 5.0)
# Sibling polygons may overlap by this share of the smaller area before an import is refused.
CITYOPS_GEO_OVERLAP_TOLERANCE = env.float("CITYOPS_GEO_OVERLAP_TOLERANCE", 0.01)
# A grid may stick out of its community by this share of its area (digitising slack).
CITYOPS_GEO_CONTAINMENT_TOLERANCE = env.float("CITYOPS_GEO_CONTAINMENT_TOLERANCE", 0.02)
# Largest photo upload accepted (bytes); larger ones are refused with 413.
CITYOPS_MAX_PHOTO_BYTES = env.int("CITYOPS_MAX_PHOTO_BYTES", 10 * 1024 * 1024)
# Largest photo accepted in pixels (width × height, read from the header before decoding); larger: 413.
CITYOPS_MAX_PHOTO_PIXELS = env.int("CITYOPS_MAX_PHOTO_PIXELS", 40_000_000)
# Photos are stored downscaled to at most this many pixels on their longer side.
CITYOPS_PHOTO_MAX_EDGE = env.int("CITYOPS_PHOTO_MAX_EDGE", 2560)
if CITYOPS_MAX_PHOTO_PIXELS < 1 or CITYOPS_PHOTO_MAX_EDGE < 320:
    raise ImproperlyConfigured("CITYOPS_MAX_PHOTO_PIXELS must be positive and CITYOPS_PHOTO_MAX_EDGE at least 320.")
# Serving uploads: nginx's internal location for X-Accel-Redirect (e.g. "/_protected_media/"), or X-Sendfile
# (Apache mod_xsendfile) with the file's absolute path; neither: Django streams the file itself.
CITYOPS_MEDIA_ACCEL_REDIRECT = env.str("CITYOPS_MEDIA_ACCEL_REDIRECT", "")
CITYOPS_MEDIA_SENDFILE = env.bool("CITYOPS_MEDIA_SENDFILE", False)
# Share of a stage's allowed time after which the worker raises the deadline warning (0 < share < 1).
CITYOPS_SLA_WARNING_SHARE = env.float("CITYOPS_SLA_WARNING_SHARE", 0.8)
# Map tiles for the console's Leaflet maps ("https://…/{z}/{x}/{y}.png"); empty = no basemap, which works offline.
CITYOPS_TILE_URL = env.str("CITYOPS_TILE_URL", "")

# --- notifications: outbox and its backends ----------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG
                        else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "cityops@localhost")
# SMS: "console" logs messages; "http" POSTs to a gateway at CITYOPS_SMS_HTTP_URL.
CITYOPS_SMS_BACKEND = env.str("CITYOPS_SMS_BACKEND", "console")
CITYOPS_SMS_HTTP_URL = env.str("CITYOPS_SMS_HTTP_URL", "")
# The gateway's JSON body; "{phone}" and "{text}" inside its strings are replaced.
CITYOPS_SMS_HTTP_TEMPLATE = env.str("CITYOPS_SMS_HTTP_TEMPLATE", '{"to": "{phone}", "text": "{text}"}')
CITYOPS_SMS_HTTP_HEADERS = env.json("CITYOPS_SMS_HTTP_HEADERS", {})
CITYOPS_NOTIFY_HTTP_TIMEOUT = env.float("CITYOPS_NOTIFY_HTTP_TIMEOUT", 10.0)
# Outbound webhooks are signed with this secret unless their target has its own.
CITYOPS_WEBHOOK_SECRET = env.str("CITYOPS_WEBHOOK_SECRET", "")
# Tries before a message is given up ("dead"); a message left "sending" this long is retried (a worker died).
CITYOPS_OUTBOX_MAX_ATTEMPTS = env.int("CITYOPS_OUTBOX_MAX_ATTEMPTS", 8)
CITYOPS_OUTBOX_LEASE_SECONDS = env.int("CITYOPS_OUTBOX_LEASE_SECONDS", 300)
# Links in messages to citizens ("https://city.example.org"); empty = site-relative links.
CITYOPS_PUBLIC_BASE_URL = env.str("CITYOPS_PUBLIC_BASE_URL", "")

# --- exports (Excel / CSV) ---------------------------------------------------------------------------
# Exports of at most this many rows are written in the request; larger ones (or of unknown size) by the worker.
CITYOPS_EXPORT_INLINE_ROWS = env.int("CITYOPS_EXPORT_INLINE_ROWS", 5000)
# Days an export file is kept before the worker deletes it.
CITYOPS_EXPORT_KEEP_DAYS = env.float("CITYOPS_EXPORT_KEEP_DAYS", 7.0)
# A running export whose worker has not reported progress for this long is taken over by another worker.
CITYOPS_EXPORT_LEASE_SECONDS = env.int("CITYOPS_EXPORT_LEASE_SECONDS", 600)
# Where export files are kept: never under MEDIA_ROOT, they are served only to their requester.
CITYOPS_EXPORT_DIR = Path(env.str("CITYOPS_EXPORT_DIR", str(VAR_DIR / "exports")))
