"""The WSGI application gunicorn serves (``sejahtera serve``). In production it refuses to start
without the collected static files (``core/startup.py``; the weak secret key is refused by the
settings themselves). On starting it removes what a killed import left behind, as a worker does
(``datasets.services.sweep_at_start``)."""

import contextlib
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, connections

from sejahtera.workbench.core.startup import static_problem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
application = get_wsgi_application()
if settings.PRODUCTION and (missing := static_problem(settings.STATIC_ROOT)):
    raise ImproperlyConfigured(missing)


def _sweep() -> None:
    from sejahtera.workbench.datasets.services import sweep_at_start

    try:
        with contextlib.suppress(DatabaseError, OSError):  # not migrated yet: nothing to sweep
            sweep_at_start()
    finally:
        connections.close_all()  # none kept open into the server's workers


_sweep()
