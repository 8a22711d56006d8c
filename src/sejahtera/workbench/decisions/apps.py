from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "sejahtera.workbench.decisions"
    label = "decisions"

    def ready(self) -> None:
        from sejahtera.workbench.decisions import briefs  # noqa: F401  its kind of job
