"""HTML pages from the templates in ``report/templates/``, with every inserted value escaped.

The pages (the needs profile, the evaluation report) are Jinja2 templates with autoescaping: text
from the data (region names, column names, category values) and from the catalogues is escaped
where it is inserted, so a hostile value cannot add markup. The only markup that is inserted as it
is are the SVG figures, which :mod:`sejahtera.report.svg` builds and which escape every piece of
text they hold (:func:`figure`).

A page stays one self-contained file: the templates hold their CSS inline and load nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import jinja2
from markupsafe import Markup

from sejahtera.i18n import Language, text

Kind = Literal["text", "n", "flag"]  # a cell: plain text, a number (right-aligned), a flag


@dataclass(frozen=True)
class Cell:
    text: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """A table to show: header texts and rows of cells, all plain text (escaped when shown)."""

    header: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Figure:
    """A chart or map (SVG markup from :mod:`sejahtera.report.svg`) with an optional caption,
    or, when none could be drawn, a note saying why (plain text)."""

    svg: Markup | None = None
    caption: str = ""
    note: str = ""


def figure(svg: str, caption: str = "") -> Figure:
    """An SVG built by :mod:`sejahtera.report.maps`, ``charts`` or ``xy``: inserted as markup
    because those modules escape every text they put in it (labels, titles, tooltips)."""
    return Figure(svg=Markup(svg), caption=caption)


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sejahtera.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, language_code: Language, **values: object) -> str:
    """The page ``template`` in ``language_code``: the template reads catalogue texts through
    ``text(key, **values)`` and is given ``lang`` and ``values``."""

    def in_language(key: str, **placeholders: object) -> str:
        return text(key, language_code, **placeholders)

    page = environment().get_template(template)
    return page.render(text=in_language, lang=language_code, **values)
