from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sejahtera.workbench.core"
    label = "core"
    verbose_name = "Sejahtera"
