from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "sejahtera.workbench.evaluations"
    label = "evaluations"

    def ready(self) -> None:
        from sejahtera.workbench.evaluations import runs  # noqa: F401 (its kind of job)
