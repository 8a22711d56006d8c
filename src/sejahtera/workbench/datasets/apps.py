from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "sejahtera.workbench.datasets"
    label = "datasets"

    def ready(self) -> None:
        """Its kind of job; at a worker's start, what a killed import left is removed."""
        from sejahtera.workbench.core.jobs import worker_starting
        from sejahtera.workbench.datasets import importing, services  # noqa: F401 (its job)

        worker_starting.connect(services.sweep_at_start, dispatch_uid="datasets.sweep")
