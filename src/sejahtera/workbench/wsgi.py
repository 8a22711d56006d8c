"""The WSGI application gunicorn serves (``sejahtera serve``). In production it refuses to start
without the collected static files (``core/startup.py``; the weak secret key is refused by the
settings themselves)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from sejahtera.workbench.core.startup import static_problem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
application = get_wsgi_application()
if settings.PRODUCTION and (missing := static_problem(settings.STATIC_ROOT)):
    raise ImproperlyConfigured(missing)
