from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "sejahtera.workbench.programmes"
    label = "programmes"

    def ready(self) -> None:
        # their kinds of job
        from sejahtera.workbench.programmes import exports, generation  # noqa: F401
