from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "sejahtera.workbench.datasets"
    label = "datasets"
