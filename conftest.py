"""Shared test fixtures. Settings: torg.settings_test (TORG_TEST_* servers when given)."""

from __future__ import annotations

import os

import pytest

# The browser fixtures (one Playwright and one Chromium per test process) serve every app.
pytest_plugins = ["torg.core.tests.browser.fixtures"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is safe. The test thread makes no concurrent use.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # clear() is FLUSHDB: it would empty the other test workers' keys mid-test (they share
        # the Redis database). Remove only this process's keys (TORG_CACHE_PREFIX has its pid).
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()
    yield


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request in Norwegian leaves nb active in the thread; start every test in English.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
