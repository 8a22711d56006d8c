"""The needs profile (``sejahtera profile --out``) and the dataset summary on the public pages.

Only files that exist when the workbench starts, with a known type, are served: a request can
never name anything else.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings

from sejahtera.errors import SejahteraError

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
}


def profile_files(folder: Path | None) -> dict[str, dict[str, Path]]:
    """Each language's servable profile files: ``folder`` is one profile (served in its own
    language) or holds one per language in ``id/`` and ``en/``."""
    if folder is None:
        return {}
    if (folder / "index.html").is_file():
        return {_language(folder): _servable(folder)}
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


def _language(folder: Path) -> str:
    try:
        meta = json.loads((folder / "profile.json").read_text("utf-8"))["meta"]
        return "en" if meta.get("language") == "en" else "id"
    except (OSError, ValueError, KeyError, TypeError):
        return "id"


@cache
def configured_profiles() -> dict[str, dict[str, Path]]:
    return profile_files(Path(settings.PROFILES) if settings.PROFILES else None)


@cache
def dataset_summary() -> dict[str, object] | None:
    """The demo dataset's description (no personal data): name, counts, kabupaten."""
    if not settings.DATASET:
        return None
    from sejahtera.data.dataset import Dataset
    from sejahtera.data.describe import describe

    return describe(Dataset.open(settings.DATASET))
