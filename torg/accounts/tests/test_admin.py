from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from torg.accounts.actions import do_create_api_token, do_invite_people
from torg.accounts.models import User

pytestmark = pytest.mark.django_db


def test_network_admin_sees_users_invitations_and_tokens_in_django_admin(admin_user, kari):
    User.objects.filter(pk=admin_user.pk).update(is_superuser=True)
    do_invite_people(actor=admin_user, emails_to_invite=["new@example.org"])
    do_create_api_token(user=kari, name="Script")
    client = Client()
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    for name in ["accounts_user", "accounts_invitation", "accounts_apitoken"]:
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name
    assert (
        "kari@example.com" in client.get(reverse("admin:accounts_user_changelist")).content.decode()
    )
    assert client.get(reverse("admin:accounts_user_change", args=[kari.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    created = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "added@example.com",
            "name": "Added",
            "usable_password": "true",
            "password1": "moss-harbour-17-lantern",
            "password2": "moss-harbour-17-lantern",
        },
    )
    assert created.status_code == 302
    assert User.objects.get(email="added@example.com").check_password("moss-harbour-17-lantern")
