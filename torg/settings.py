"""Torg settings. Every value comes from a ``TORG_*`` environment variable with a safe default.

See docs/operations.md for the full list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"TORG_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := env("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
BASE_URL = env("BASE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "torg.core",
    "torg.accounts",
    "torg.people",
    "torg.groups",
    "torg.posts",
    "torg.feed",
    "torg.links",
    "torg.search",
    "torg.knowledge",
    "torg.notifications",
    "torg.announcements",
    "torg.media",
    "torg.live",
    "torg.realtime",
    "torg.chat",
    "torg.governance",
    "torg.insights",
    "torg.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "channels",
    "axes",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "torg.core.middleware.RejectNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "torg.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "torg.governance.guidelines.GuidelinesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "torg.urls"
ASGI_APPLICATION = "torg.asgi.application"
WSGI_APPLICATION = "torg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "torg.core.context_processors.torg",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'torg.sqlite3'}"), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work at the same time; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writing transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_PREFIX", "torg"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CACHE_PREFIX", "torg")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process: the realtime and chat hubs each receive all of the process's group events on
    # one channel; the layer's default queue of 100 would drop a burst silently.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 10_000},
        }
    }

TASKS = {
    "default": {
        "BACKEND": env("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "media"],
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling: 5 failures in 30 minutes lock the account, and separately the IP address.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "torg.accounts.views.login_locked_out"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0")) or None

# Link previews fetch only public addresses; intranet hosts (host or host:port) can be allowed.
LINK_PREVIEW_ALLOWED_HOSTS = env_list("LINK_PREVIEW_ALLOWED_HOSTS")

# Self sign-up is off unless e-mail domains are allowed; invitations always work.
SIGNUP_DOMAINS = [d.lower() for d in env_list("SIGNUP_DOMAINS")]
INVITATION_DAYS = int(env("INVITATION_DAYS", "14"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nb", "Norsk bokmål")]
LOCALE_PATHS: list[Path] = []  # each app keeps its catalogue in torg/<app>/locale
TIME_ZONE = env("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    ("vendor", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/hls", BASE_DIR / "node_modules" / "hls.js" / "dist"),
    ("vendor/uplot", BASE_DIR / "node_modules" / "uplot" / "dist"),
]
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# S3-compatible object storage for media (AWS, MinIO, Ceph; docs/operations.md): set the bucket.
# Private objects only; Torg streams every file itself after checking access.
S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    _s3_endpoint = env("S3_ENDPOINT_URL") or None
    STORAGES["default"] = {
        "BACKEND": "torg.media.storage_s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": env("S3_REGION") or None,
            # Unset: boto3's own chain (AWS_* variables, instance or pod roles).
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "location": env("S3_PREFIX").strip("/"),
            # MinIO and Ceph answer path-style requests; AWS itself takes virtual hosts.
            "addressing_style": "path" if _s3_endpoint else None,
        },
    }
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AVATAR_MAX_BYTES = 8 * 1024 * 1024
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024)))
# Media (torg.media): videos upload in resumable chunks; every person has a storage quota.
VIDEO_MAX_BYTES = int(env("VIDEO_MAX_BYTES", str(4 * 1024**3)))
MEDIA_QUOTA_BYTES = int(env("MEDIA_QUOTA_BYTES", str(20 * 1024**3)))  # 0: no quota
UPLOAD_CHUNK_BYTES = int(env("UPLOAD_CHUNK_BYTES", str(4 * 1024 * 1024)))
GIF_MAX_FRAMES = int(env("GIF_MAX_FRAMES", "1000"))
VIDEO_PROCESSING_TIMEOUT_MINUTES = float(env("VIDEO_PROCESSING_TIMEOUT_MINUTES", "30"))
# Live broadcasts (torg.live, docs/live.md): HLS files written by `manage.py live_ingest`.
LIVE_ROOT = Path(env("LIVE_ROOT", str(VAR_DIR / "live")))
LIVE_SEGMENT_SECONDS = float(env("LIVE_SEGMENT_SECONDS", "1"))
LIVE_RECONNECT_SECONDS = float(env("LIVE_RECONNECT_SECONDS", "60"))
LIVE_VIEWER_WINDOW_SECONDS = int(env("LIVE_VIEWER_WINDOW_SECONDS", "30"))
LIVE_MAX_CHUNK_BYTES = int(env("LIVE_MAX_CHUNK_BYTES", str(4 * 1024 * 1024)))
# x264 preset for live transcoding (browser input): faster presets use less CPU per broadcast.
LIVE_X264_PRESET = env("LIVE_X264_PRESET", "veryfast")
RTMP_PORT = int(env("RTMP_PORT", "1935"))  # 0: no RTMP listener
# All interfaces: OBS and Zoom publish from other machines; set 127.0.0.1 behind a proxy.
RTMP_LISTEN_HOST = env("RTMP_LISTEN_HOST", "0.0.0.0")  # noqa: S104
# What broadcasters type into OBS/Zoom; default: this server's host name on RTMP_PORT.
RTMP_PUBLIC_URL = env("RTMP_PUBLIC_URL")

EMAIL_URL = env("EMAIL_URL", "console://")


def _mailer(url: str) -> dict[str, object]:
    """``smtp://user:pass@host:port``, ``smtp+tls://…``, ``smtps://…`` or ``console://``."""
    from urllib.parse import unquote, urlparse

    if not url.startswith("smtp"):
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or 25,
            "username": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "use_tls": url.startswith("smtp+tls"),
            "use_ssl": url.startswith("smtps"),
            "timeout": 20,
        },
    }


MAILERS = {"default": _mailer(EMAIL_URL)}
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "Torg <torg@localhost>")

# How often `manage.py run_periodic` checks for due periodic jobs (torg.core.periodic), seconds.
TORG_PERIODIC_TICK = float(env("PERIODIC_TICK", "30"))

# Governance (torg.governance, docs/governance.md).
TORG_GROUP_INACTIVE_DAYS = int(env("GROUP_INACTIVE_DAYS", "180"))
TORG_GROUP_APPROVAL = env_bool("GROUP_APPROVAL")
# A version string of the community guidelines; empty: nobody is asked to accept them.
TORG_GUIDELINES = env("GUIDELINES", "")

# Security headers. The CSP allows only our own origin (no inline script or style anywhere, so
# no nonce); htmx is configured not to inject styles.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SECURE_SSL_REDIRECT = env_bool("HTTPS")
SESSION_COOKIE_SECURE = env_bool("HTTPS")
CSRF_COOKIE_SECURE = env_bool("HTTPS")
if env_bool("HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

NINJA_PAGINATION_PER_PAGE = 25
NINJA_PAGINATION_MAX_LIMIT = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
