from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from torg.accounts.actions import do_create_account
from torg.accounts.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(email: str, name: str = "", **extra: object) -> User:
        user = do_create_account(
            email=email,
            name=name or email.split("@")[0].title(),
            password=PASSWORD,
            is_guest=bool(extra.pop("is_guest", False)),
        )
        if extra:
            User.objects.filter(pk=user.pk).update(**extra)
            user.refresh_from_db()
        return user

    return make


@pytest.fixture
def kari(make_user) -> User:
    return make_user("kari@example.com", "Kari Nordmann")


@pytest.fixture
def admin_user(make_user) -> User:
    return make_user("ola@example.com", "Ola Admin", is_staff=True)


@pytest.fixture
def kari_client(kari) -> Client:
    client = Client()
    client.force_login(kari, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def admin_client_(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    return client
