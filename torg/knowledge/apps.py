from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "torg.knowledge"
    label = "knowledge"
