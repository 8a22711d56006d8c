from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "sejahtera.workbench.programmes"
    label = "programmes"
