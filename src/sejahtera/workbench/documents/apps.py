from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "sejahtera.workbench.documents"
    label = "documents"

    def ready(self) -> None:
        from sejahtera.workbench.documents import runs  # noqa: F401 (its kinds of job)
