"""Test settings: the real settings, pointed at TORG_TEST_* servers when given."""

import os

os.environ.setdefault("TORG_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
if os.environ.get("TORG_TEST_REDIS_URL"):
    os.environ["TORG_REDIS_URL"] = os.environ["TORG_TEST_REDIS_URL"]
    # One prefix per process, set here and not inherited: pytest-xdist's workers share the
    # Redis database, and a worker's writes (a group change bumps the feed sources' global
    # version) must not reach another worker's cache.
    os.environ["TORG_CACHE_PREFIX"] = f"torgtest{os.getpid()}"
else:
    os.environ.pop("TORG_REDIS_URL", None)
if os.environ.get("TORG_TEST_DATABASE_URL"):
    os.environ["TORG_DATABASE_URL"] = os.environ["TORG_TEST_DATABASE_URL"]
else:
    os.environ["TORG_DATABASE_URL"] = "sqlite:///:memory:"

from torg.settings import *  # noqa: F403
from torg.settings import DATABASES, MIDDLEWARE, VAR_DIR

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Browser tests use a live server thread; a file database is shared with it safely.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "media"],
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
SIGNUP_DOMAINS = ["example.com"]
# Counts the live server's requests in flight, so browser journeys end only once it has answered
# them (torg/core/tests/inflight.py).
MIDDLEWARE = ["torg.core.tests.inflight.InFlightMiddleware", *MIDDLEWARE]
