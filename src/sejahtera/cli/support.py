"""What every command shares: errors a user can fix are printed without a traceback (exit 2)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from sejahtera.errors import SejahteraError
from sejahtera.i18n import text

ON_SCREEN = 50  # problems listed on screen; --report writes every kept one


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SejahteraError as error:
            report = getattr(error, "report", None)
            if report is not None:
                click.echo(report.to_table(ON_SCREEN), err=True)
            click.echo(f"{text('cli.error')}: {error}", err=True)
            sys.exit(2)

    return run
