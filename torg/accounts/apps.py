from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "torg.accounts"
    label = "accounts"
