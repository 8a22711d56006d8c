from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "sejahtera.workbench.datasets"
    label = "datasets"

    def ready(self) -> None:
        from sejahtera.workbench.datasets import importing  # noqa: F401 (its kind of job)
