from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "sejahtera.workbench.programmes"
    label = "programmes"

    def ready(self) -> None:
        from sejahtera.workbench.programmes import generation  # noqa: F401 (its kind of job)
