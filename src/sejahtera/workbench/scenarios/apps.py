from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "sejahtera.workbench.scenarios"
    label = "scenarios"

    def ready(self) -> None:
        from sejahtera.workbench.scenarios import runs  # noqa: F401 (its kinds of job)
