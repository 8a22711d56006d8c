from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "sejahtera.workbench.core"
    label = "core"
    verbose_name = "Sejahtera"

    def ready(self) -> None:
        """A SQLite database's folder (``SEJAHTERA_DATA``) is made when it does not exist yet, so
        that the first ``migrate`` on a new machine creates the database there. The dashboard's
        kind of job is registered. Every ``migrate`` makes the rate limits' cache table when
        it is missing (``CACHES["limits"]``, the database cache without Redis)."""
        from django.db.models.signals import post_migrate

        from sejahtera.workbench.core import poverty  # noqa: F401 (its kind of job)

        post_migrate.connect(_cache_table, sender=self)

        for database in settings.DATABASES.values():
            name = str(database.get("NAME") or "")
            on_disk = name and ":memory:" not in name and not name.startswith("file:")
            if database["ENGINE"].endswith("sqlite3") and on_disk:
                Path(name).parent.mkdir(parents=True, exist_ok=True)


def _cache_table(using: str = "default", **_kwargs: object) -> None:
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
