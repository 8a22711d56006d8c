"""The placeholder page served by `sejahtera serve` until the workbench lands."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

from sejahtera.data.dataset import Dataset
from sejahtera.web.status import application


def call(app, method: str = "GET", path: str = "/", query: str = "") -> tuple[str, dict, str]:
    environ: dict = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(),
    }
    setup_testing_defaults(environ)
    seen: dict = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response)).decode()
    return seen["status"], seen["headers"], body


def test_page_shows_the_dataset_in_indonesian_and_english(diy: Dataset) -> None:
    app = application(diy.path)
    status, headers, body = call(app)
    assert status == "200 OK" and headers["Content-Type"].startswith("text/html")
    assert "Kabupaten Gunungkidul" in body and "Rumah tangga" in body
    assert f"{diy.manifest.households}" in body
    _, _, english = call(app, query="lang=en")
    assert "Households" in english and '<html lang="en">' in english


def test_wrong_method_and_unknown_path() -> None:
    app = application(None)
    assert call(app, method="POST")[0] == "405 Method Not Allowed"
    assert call(app, path="/admin")[0] == "404 Not Found"
    assert "Belum ada dataset" in call(app)[2]


def test_head_has_no_body_and_only_lang_switches_language() -> None:
    app = application(None)
    status, headers, body = call(app, method="HEAD")
    assert status == "200 OK" and body == "" and int(headers["Content-Length"]) > 0
    assert "Belum ada dataset" in call(app, query="slang=en")[2]
    assert "No dataset loaded" in call(app, query="x=1&lang=en")[2]


def test_serves_the_needs_profile_and_nothing_else(tmp_path) -> None:
    for lang in ("id", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "index.html").write_text(f"<h1>profil {lang}</h1>")
        (tmp_path / lang / "coverage.csv").write_text("rank,code\n1,34.01.01\n")
    (tmp_path / "secret.txt").write_text("not for the web")
    app = application(None, tmp_path)
    assert "/profile/id/" in call(app)[2] and "/profile/en/" in call(app, query="lang=en")[2]
    status, headers, body = call(app, path="/profile/id/")
    assert status == "200 OK" and body == "<h1>profil id</h1>"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    status, headers, body = call(app, path="/profile/en/coverage.csv")
    assert headers["Content-Type"].startswith("text/csv") and body.startswith("rank,code")
    for hostile in (
        "/profile/id/../secret.txt",
        "/profile/../secret.txt",
        "/profile/id/%2e%2e/secret.txt",
        "/profile/fr/index.html",
        "/profile/id/missing.csv",
        "/profile/id/a/b",
    ):
        assert call(app, path=hostile)[0] == "404 Not Found", hostile


def test_no_profile_link_without_a_profile() -> None:
    assert "/profile/" not in call(application(None))[2]


def test_a_single_profile_folder_is_served_in_its_language(tmp_path) -> None:
    (tmp_path / "index.html").write_text("<h1>profile</h1>")
    (tmp_path / "profile.json").write_text('{"meta": {"language": "en"}}')
    app = application(None, tmp_path)
    assert "/profile/en/" in call(app)[2]  # the Indonesian page links to what there is
    assert call(app, path="/profile/en/")[2] == "<h1>profile</h1>"
    (tmp_path / "index.html").unlink()  # rebuilt or removed while the server runs
    assert call(app, path="/profile/en/")[0] == "404 Not Found"


def test_a_folder_without_a_profile_is_refused(tmp_path) -> None:
    import pytest

    from sejahtera.errors import SejahteraError

    with pytest.raises(SejahteraError, match="profile"):
        application(None, tmp_path / "missing")
