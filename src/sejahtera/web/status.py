"""A plain page at http://127.0.0.1:8000 describing the demo dataset, in Indonesian and English.

This stands in for the workbench (a later issue) so that ``make run`` already serves something
useful. It only reads the dataset description: no personal data is shown.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from sejahtera import __version__
from sejahtera.data.dataset import Dataset
from sejahtera.data.describe import describe
from sejahtera.i18n import Language, text

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Sejahtera</title>
<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left}}
.n{{text-align:right}}</style></head>
<body><p><a href="?lang={other}">{other_name}</a></p>
<h1>Sejahtera</h1><p>{tagline}</p>{body}
<p><small>{placeholder} · v{version}</small></p></body></html>"""


def _row(region: dict[str, Any]) -> str:
    return (
        f"<tr><td>{html.escape(region['code'])}</td><td>{html.escape(region['name'])}</td>"
        f"<td class=n>{region['households']:,}</td>"
        f"<td class=n>{region['households_weighted']:,.0f}</td></tr>"
    )


def render(summary: dict[str, Any] | None, lang: Language) -> str:
    def t(key: str, **values: object) -> str:
        return html.escape(text(key, lang, **values))

    if summary:
        counts = {k: summary[k] for k in ("name", "households", "persons")}
        header = "".join(
            f"<th>{t(key)}</th>"
            for key in ("web.code", "web.region", "web.households", "web.households_weighted")
        )
        rows = "".join(_row(region) for region in summary["regencies"])
        body = f"<p>{t('web.dataset', **counts)}</p><table><tr>{header}</tr>{rows}</table>"
    else:
        body = f"<p>{t('web.no_dataset')}</p>"
    other = "en" if lang == "id" else "id"
    return PAGE.format(
        lang=lang,
        other=other,
        other_name="English" if other == "en" else "Bahasa Indonesia",
        tagline=t("web.tagline"),
        body=body,
        placeholder=t("web.placeholder"),
        version=__version__,
    )


def application(
    dataset_path: Path | None,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    summary = describe(Dataset.open(dataset_path)) if dataset_path else None

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD")])
            return [b""]
        if environ.get("PATH_INFO", "/") not in ("/", ""):
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [text("web.not_found").encode()]
        asked = parse_qs(environ.get("QUERY_STRING", "")).get("lang", ["id"])[0]
        page = render(summary, "en" if asked == "en" else "id").encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(page))),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [page]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


def serve(
    host: str, port: int, dataset_path: Path | None, ready: Callable[[], None] = lambda: None
) -> None:
    """Serve until interrupted; ``ready`` is called once the port is open."""
    with make_server(host, port, application(dataset_path), handler_class=_QuietHandler) as server:
        ready()
        server.serve_forever()
