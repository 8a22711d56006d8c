from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "sejahtera.workbench.scenarios"
    label = "scenarios"

    def ready(self) -> None:
        from sejahtera.workbench.core.jobs import worker_starting
        from sejahtera.workbench.scenarios import runs  # its kinds of job

        worker_starting.connect(runs.prepare, dispatch_uid="scenarios.prepare")
