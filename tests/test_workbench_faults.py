"""Faults the workbench meets in service (issue 15): a port left in TIME_WAIT by a stopped
server, a database connection dropped between requests, a slow or failing notification gateway,
and errors that must reach the log."""

from __future__ import annotations

import socket

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
