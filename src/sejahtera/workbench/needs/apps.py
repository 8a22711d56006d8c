from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "sejahtera.workbench.needs"
    label = "needs"

    def ready(self) -> None:
        # its kind of job
        from sejahtera.workbench.needs import measuring  # noqa: F401
