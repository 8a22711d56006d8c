from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "sejahtera.workbench.regions"
    label = "regions"
