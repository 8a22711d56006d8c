"""The evaluation report's words: every key, value, term and group the core's results carry,
shown as a reader names it in the reader's language (``klaster (CR1) menurut kecamatan``, never
``se_type`` or ``CR1 cluster-robust by kecamatan``).

The results themselves keep their keys and values (the JSON of ``sejahtera evaluate --json`` is
for programs); only the report translates them, through the catalogue (``resources/locale/
report.yaml``). A name the catalogue does not know — a column of the user's data, a category —
is shown as it is.
"""

from __future__ import annotations

import re

from sejahtera.i18n import Language, catalogue, text

# Keys whose values are names from the user's data, shown as they are.
NAMES = frozenset({"covariate", "covariates", "cluster", "weights", "absorbed", "terms"})

# Values too long to be a key of their own: the catalogue key they are shown by.
_SENTENCES = {
    "equally weighted mean of the post-period coefficients": "post_mean",
    "joint Wald test that all lead coefficients are zero (chi-squared)": "lead_wald",
    "Wald test that all pre-treatment ATT(g,t) are zero (chi-squared)": "pre_att_wald",
    "WCR11 (null imposed, CR1 in the bootstrap t) by wildboottest": "wcr11",
    "staggered adoption (Callaway & Sant'Anna 2021)": "callaway_santanna",
    "ATT: cohort averages after treatment, weighted by cohort size (R did 'group'); "
    "e=: event time (R did 'dynamic')": "cs_aggregation",
    "event study (two-way fixed effects)": "event_study_twfe",
}

# Keys named by a message of the evaluation's own.
_ALIASES = {"check": "evaluate.report_check"}

# Standard errors described in the core's words (evaluate/did.py, evaluate/staggered.py).
_SE_TYPES = (
    (re.compile(r"HC1 heteroskedasticity-robust"), "report.se_hc1"),
    (re.compile(r"CR1 cluster-robust by (?P<cluster>.+)"), "report.se_cr1"),
    (
        re.compile(
            r"multiplier bootstrap \((?P<draws>\d+) draws, Mammen weights\), "
            r"clustered by (?P<cluster>.+)"
        ),
        "report.se_multiplier",
    ),
    (
        re.compile(r"analytic influence function, clustered by (?P<cluster>.+)"),
        "report.se_influence",
    ),
)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def _known(key: str, language_code: Language) -> str | None:
    return text(key, language_code) if key in catalogue() else None


def key_label(key: object, language_code: Language) -> str:
    """A diagnostic's or a column's name: ``se_type`` → ``jenis galat baku``."""
    name = str(key)
    return (
        _known(_ALIASES.get(name, f"evaluate.col_{name}"), language_code)
        or _known(f"report.key_{_slug(name)}", language_code)
        or name
    )


def group_label(group: object, language_code: Language) -> str:
    """A group in the trends chart or the group means: the programme's recipients, the
    comparison group, the never treated, or a cohort by the period it was first treated."""
    name = str(group)
    if name in ("treated", "control", "controls"):
        return text(
            "evaluate.report_treated" if name == "treated" else "evaluate.report_controls",
            language_code,
        )
    if name == "never":
        return text("report.group_never", language_code)
    if re.fullmatch(r"-?\d+(\.\d+)?", name):
        return text("report.group_cohort", language_code, period=name)
    return name


def term_label(term: object, language_code: Language) -> str:
    """An estimate's term: ``treated×post``, ``ATT``, ``rd_robust``, ``e=2``, ``g=2004``,
    ``mean(t+0..t+3)``; the event-study terms ``t-2``, ``t+1`` are notation and stay."""
    name = str(term)
    known = _known(f"report.term_{_slug(name)}", language_code)
    if known:
        return known
    if match := re.fullmatch(r"e=(-?\d+)", name):
        return text("report.term_event_time", language_code, time=match.group(1))
    if match := re.fullmatch(r"g=(.+)", name):
        return text("report.term_cohort", language_code, period=match.group(1))
    if match := re.fullmatch(r"mean\((t[+-]\d+)\.\.(t[+-]\d+)\)", name):
        return text("report.term_mean", language_code, first=match.group(1), last=match.group(2))
    return name


def value_label(value: object, language_code: Language, key: object = None) -> str:
    """A diagnostic's value under ``key``: yes/no, a dash for none, a method's name, the type
    of standard error; a name from the user's data as it is."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return text("report.yes" if value else "report.no", language_code)
    if not isinstance(value, str) or key in NAMES:
        return str(value)
    if key == "term":
        return term_label(value, language_code)
    if key == "group" or value in ("treated", "control", "never"):
        return group_label(value, language_code)
    for pattern, message in _SE_TYPES:
        if found := pattern.fullmatch(value):
            return text(message, language_code, **found.groupdict())
    slug = _SENTENCES.get(value) or _slug(value)
    return _known(f"report.value_{slug}", language_code) or value
