"""A plain page at http://127.0.0.1:8000 describing the demo dataset, in Indonesian and English.

This stands in for the workbench (a later issue) so that ``make run`` already serves something
useful. It only reads the dataset description: no personal data is shown. With a profile folder
it also serves the needs profile (``FOLDER/id`` and ``FOLDER/en``, as ``sejahtera profile``
writes them).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from sejahtera import __version__
from sejahtera.data.dataset import Dataset
from sejahtera.data.describe import describe
from sejahtera.errors import SejahteraError
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


def render(
    summary: dict[str, Any] | None, lang: Language, profile_language: str | None = None
) -> str:
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
    if profile_language:
        body += f"<p><a href='/profile/{profile_language}/'>{t('web.profile_link')}</a></p>"
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


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}


def _profile_files(folder: Path | None) -> dict[str, dict[str, Path]]:
    """The files of each language's needs profile that may be served.

    ``folder`` is what ``sejahtera profile --out`` wrote (served in its language), or a folder
    holding one such profile per language in ``id/`` and ``en/``. Only files that exist when the
    server starts, with a known type, are served: a request cannot name anything else.
    """
    if folder is None:
        return {}
    if (folder / "index.html").is_file():
        return {_profile_language(folder): _servable(folder)}
    served = {
        lang: _servable(folder / lang)
        for lang in ("id", "en")
        if (folder / lang / "index.html").is_file()
    }
    if not served:
        raise SejahteraError("web.no_profile", path=folder)
    return served


def _servable(folder: Path) -> dict[str, Path]:
    return {
        f.name: f for f in sorted(folder.iterdir()) if f.is_file() and f.suffix in CONTENT_TYPES
    }


def _profile_language(folder: Path) -> Language:
    try:
        meta = json.loads((folder / "profile.json").read_text("utf-8"))["meta"]
        return "en" if meta.get("language") == "en" else "id"
    except (OSError, ValueError, KeyError, TypeError):
        return "id"


def application(
    dataset_path: Path | None, profile_folder: Path | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    summary = describe(Dataset.open(dataset_path)) if dataset_path else None
    profiles = _profile_files(profile_folder)

    def respond(start_response: StartResponse, method: str, kind: str, body: bytes) -> list[bytes]:
        start_response(
            "200 OK",
            [
                ("Content-Type", kind),
                ("Content-Length", str(len(body))),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
            ],
        )
        return [] if method == "HEAD" else [body]

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD")])
            return [b""]
        path = environ.get("PATH_INFO", "/")
        if path in ("/", ""):
            asked = parse_qs(environ.get("QUERY_STRING", "")).get("lang", ["id"])[0]
            lang: Language = "en" if asked == "en" else "id"
            shown = lang if lang in profiles else next(iter(profiles), None)
            page = render(summary, lang, shown).encode()
            return respond(start_response, method, CONTENT_TYPES[".html"], page)
        parts = path.strip("/").split("/")
        if len(parts) in (2, 3) and parts[0] == "profile" and parts[1] in profiles:
            name = parts[2] if len(parts) == 3 else "index.html"
            file = profiles[parts[1]].get(name)
            try:
                body = file.read_bytes() if file is not None else None
            except OSError:  # removed or rebuilt since the server started
                body = None
            if file is not None and body is not None:
                return respond(start_response, method, CONTENT_TYPES[file.suffix], body)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [text("web.not_found").encode()]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


def serve(
    host: str,
    port: int,
    dataset_path: Path | None,
    ready: Callable[[], None] = lambda: None,
    profile_folder: Path | None = None,
) -> None:
    """Serve until interrupted; ``ready`` is called once the port is open."""
    app = application(dataset_path, profile_folder)
    with make_server(host, port, app, handler_class=_QuietHandler) as server:
        ready()
        server.serve_forever()
