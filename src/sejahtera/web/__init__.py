"""The workbench. Until the Django application lands, a plain status page served by the
standard library's WSGI server shows the loaded dataset."""
