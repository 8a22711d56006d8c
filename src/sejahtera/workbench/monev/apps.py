from django.apps import AppConfig


class MonevConfig(AppConfig):
    name = "sejahtera.workbench.monev"
    label = "monev"
