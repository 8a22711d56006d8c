"""The policy brief of a decision record, built in the background (job kind ``decision.brief``)
by the report's brief (:mod:`sejahtera.report.brief`, what ``sejahtera brief`` runs): today's
situation, each scenario option (its reform file, run again on the record's dataset version), the
options that are not simulated, the appraisal, the chosen option and its rationale, the
stakeholders' positions, what the linked consultations said, and the monitoring indicators of the
programme made from the decision. The file waits under ``briefs/`` in the data folder for its
download (audited)."""

from __future__ import annotations

import datetime
import inspect
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.jobs import JobError, Progress, keep_file, kind
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.datasets.services import checksum_of, folder_of
from sejahtera.workbench.decisions import scoring
from sejahtera.workbench.decisions.models import Decision, OptionKind
from sejahtera.workbench.scenarios.models import DEFAULT_RULESET

BRIEF = "decision.brief"
INPUTS = 5  # a consultation's inputs quoted in the brief
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def folder() -> Path:
    """Where finished briefs wait for their download: ``briefs/`` in the data folder."""
    return Path(settings.DATA_FOLDER) / "briefs"


def made(decision: Decision) -> list[Job]:
    """The record's finished briefs, newest first."""
    return list(
        Job.objects.filter(
            kind=BRIEF, object_type="Decision", object_id=str(decision.pk), state=JobState.DONE
        )
        .select_related("owner")
        .order_by("-finished_at", "-pk")
    )


def file_name(decision: Decision, form: str, language: str) -> str:
    """``brief-bantuan-lansia-v2-id.docx``."""
    name = slugify(decision.title)[:60] or str(decision.pk)
    return f"brief-{name}-v{decision.number}-{language}.{form}"


def option_key(option: Any) -> str:
    return "status_quo" if option.kind == OptionKind.STATUS_QUO else f"option-{option.pk}"


def dataset_of(decision: Decision) -> DatasetVersion:
    """The record's dataset version, or the one its scenarios ran on."""
    if decision.dataset is not None:
        return decision.dataset
    for option in decision.options.filter(kind=OptionKind.SCENARIO):
        found = DatasetVersion.objects.filter(pk=(option.snapshot or {}).get("dataset")).first()
        if found is not None:
            return found
    raise JobError(_("The record names no dataset version, so there is nothing to compute."))


def brief_input(decision: Decision, language: str) -> Any:
    """What the report's brief is given for the record, in ``language``."""
    from sejahtera.report import brief

    version = dataset_of(decision)
    folder_path = folder_of(version)
    if checksum_of(folder_path) != version.checksum:
        raise JobError(
            _("The files of dataset version %(version)s have changed since it was registered.")
            % {"version": version}
        )
    found = scoring.appraised(decision)
    options, rules = [], DEFAULT_RULESET
    for option in found.options:
        if option.kind == OptionKind.SCENARIO:
            rules = (option.snapshot or {}).get("ruleset") or rules
        options.append(
            brief.Option(
                key=option_key(option),
                title=option.label,
                reform_text=(option.reform_text or None) if option.simulated else None,
                description=option.about,
                simulated=option.kind != OptionKind.OTHER,
            )
        )
    return brief.BriefInput(
        data=folder_path,
        rules=rules,
        period=decision.period,
        options=options,
        title=decision.title,
        chosen=option_key(decision.chosen) if decision.chosen else None,
        rationale=decision.rationale,
        decided_by=decision.decided_by.get_username() if decision.decided_by else "",
        decided_at=decision.decided_at,
        appraisal=_appraisal(brief, found),
        consultations=_consultations(brief, decision),
        stakeholder_positions=[
            brief.Position(p.organisation.name, str(p.get_position_display()), p.note)
            for p in decision.positions.select_related("organisation")
        ],
        monitoring=_indicators(brief, decision),
        language=language,
    )


def _appraisal(brief: Any, found: scoring.Appraised) -> Any:
    """The appraisal as the brief shows it: each criterion's weight and each option's
    normalised value (0–100), so the brief's weighted score is the page's."""
    if found.result is None:
        return None
    criteria = [brief.Criterion(f"c{c.pk}", c.label, float(c.weight)) for c in found.criteria]
    scores = {
        option_key(o): {
            f"c{c.pk}": 100 * found.result.normalised[(scoring.key(o), str(c.pk))]
            for c in found.criteria
        }
        for o in found.options
    }
    return brief.Appraisal(criteria=criteria, scores=scores)


def _consultations(brief: Any, decision: Decision) -> list[Any]:
    """What each linked consultation said on the question: the record's note on it (else the
    consultation's summary) and its first inputs. Organisations by name; no participant's name
    (personal data)."""
    out = []
    for link in decision.consultations.select_related("consultation"):
        consultation = link.consultation
        organisations = sorted(
            {
                p.organisation.name
                for p in consultation.participants.select_related("organisation")
                if p.organisation is not None
            }
        )
        with_whom = consultation.title + (f" ({', '.join(organisations)})" if organisations else "")
        inputs = [
            f"{received.topic}: {received.text}" if received.topic else received.text
            for received in consultation.inputs.order_by("pk")[:INPUTS]
        ]
        said = " · ".join(part for part in (link.note or consultation.summary, *inputs) if part)
        out.append(brief.ConsultationNote(consultation.date, with_whom, said))
    return out


def _indicators(brief: Any, decision: Decision) -> list[Any]:
    """The monitoring indicators (Monev) of the programme made from the decision, if any."""
    from sejahtera.workbench.monev.models import Indicator

    if decision.programme_id is None:
        return []
    out = []
    for indicator in Indicator.objects.filter(result__programme_id=decision.programme_id):
        target = indicator.targets.order_by("-period").first()
        out.append(
            brief.Indicator(
                name=f"{indicator.code} {indicator.name}",
                unit=indicator.unit,
                baseline=f"{indicator.baseline_value} ({indicator.baseline_year})",
                target=f"{target.value} ({target.period})" if target else "–",
                frequency=_("yearly"),
                source=indicator.definition,
            )
        )
    return out


@kind(BRIEF)
def build_job(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """Build the brief (``decision``, ``version``, ``format``, ``language``), name its file and
    audit it."""
    from sejahtera.report import brief

    form, language = arguments["format"], arguments["language"]
    if form not in FORMATS or language not in ("id", "en"):
        raise JobError(_("A brief is written as DOCX or PDF, in Indonesian or English."))
    decision = Decision.objects.select_related("chosen", "decided_by", "dataset").get(
        pk=arguments["decision"]
    )
    if decision.version != arguments["version"]:
        raise JobError(_("The record changed after the brief was asked for. Ask for it again."))
    progress.step(0.05, _("Gathering the record"))
    with translation.override(language):
        given = brief_input(decision, language)
    progress.step(0.1, _("Computing the options"))
    built = _call(brief.build_brief, given, progress)
    progress.step(0.9, _("Writing the document"))

    def audited(_written: None) -> None:
        audit.record(
            None,
            "brief_built",
            decision,
            user=progress.owner,
            format=form,
            language=language,
            number=decision.number,
            job=progress.job.pk,
        )

    name = keep_file(progress, folder(), form, partial(brief.write_brief, built), audited)[0]
    return {
        "decision": decision.pk,
        "file": name,
        "format": form,
        "language": language,
        "built_at": datetime.datetime.now(datetime.UTC).isoformat(),
    }


def _call(build: Any, given: Any, progress: Progress) -> Any:
    """``build_brief(given)``, reporting its progress when it takes a ``progress`` callback."""
    if "progress" in inspect.signature(build).parameters:
        return build(given, progress=lambda f, m: progress.step(0.1 + 0.8 * f, m))
    return build(given)
