"""Faults the workbench meets in service (issue 15): a port left in TIME_WAIT by a stopped
server, a database connection dropped between requests, a slow or failing notification gateway,
and errors that must reach the log."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from sejahtera.cli import port_taken


def test_a_port_held_only_by_closing_connections_is_free_for_serve() -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn listens
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server closes first: its side of the connection waits (TIME_WAIT)
    client.close()
    server.close()
    with socket.socket() as plain:  # what the old check did: refused for up to a minute
        try:
            plain.bind(("127.0.0.1", port))
            time_wait = False
        except OSError:
            time_wait = True
    assert time_wait, "the closed connection should have left the port in TIME_WAIT"
    assert port_taken("127.0.0.1", port) is None


def test_a_port_another_server_listens_on_is_still_taken() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert port_taken("127.0.0.1", port)


# A dropped database connection -------------------------------------------------------------------


def served(path: str) -> tuple[str, str]:
    """GET ``path`` as a server does (the WSGI handler with its request signals, which the test
    client turns off): the status line and the page."""
    environ = RequestFactory().get(path).environ
    status: list[str] = []
    response = WSGIHandler()(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        page = b"".join(response).decode()
    finally:
        response.close()  # request_finished, as a server sends it
    return status[0], page


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_reopened_without_a_failed_request() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60  # kept between requests
    first, _ = served("/grievances/new/")  # reads the regions: a query
    assert first.startswith("200") and connection.connection is not None
    dropped = connection.connection
    if connection.vendor == "postgresql":
        dropped.close()  # the socket: as a database restart or a network cut leaves it
    else:  # SQLite has no socket to lose (one file, its in-memory test copy dies with it):
        # the connection reports itself unusable, as a dropped one would
        connection.is_usable = lambda: False  # type: ignore[method-assign]
    try:
        second, page = served("/grievances/new/")
    finally:
        vars(connection).pop("is_usable", None)
    assert second.startswith("200") and "Kirim pengaduan" in page
    if connection.vendor == "postgresql":
        assert connection.connection is not dropped and not connection.connection.closed
