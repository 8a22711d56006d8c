"""The WSGI application gunicorn serves (``sejahtera serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
application = get_wsgi_application()
