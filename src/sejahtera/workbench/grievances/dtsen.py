"""DTSEN update proposals from targeting grievances: a household left out of the lists
(*usulan*, to be added) or wrongly on them (*sanggahan*, an objection), recorded on the
grievance and exported, per kecamatan and desa, for submission through the desa/kelurahan and
the dinas sosial.

DTSEN (Data Tunggal Sosial dan Ekonomi Nasional, Inpres 4/2025) is updated by proposals that the
desa/kelurahan enters (through Kemensos's SIKS-NG) and the dinas sosial checks; a family may
also propose or object through Cek Bansos. What a proposal must carry there could not be checked
against Kemensos's own guide for this release: the file gives what the office knows (the kind,
the household's registry identifier, its kabupaten/kota, kecamatan and desa, the reason, the
grievance it came from, who made it and when). It carries no name, NIK or address: the family
brings its KK and KTP to the desa, and the office finds the complainant through the grievance's
tracking code. Household identifiers are masked on the pages and written whole in the file,
which only the roles that handle grievances download, each download audited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from sejahtera.report.cells import inert_row
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.templatetags.numbers import region as region_name
from sejahtera.workbench.grievances.models import (
    DtsenProposal,
    Grievance,
    ProposalStatus,
)
from sejahtera.workbench.regions.models import Region

if TYPE_CHECKING:
    from sejahtera.workbench.grievances.forms import ProposalForm

HEADERS: Final = (
    gettext_lazy("Kind"),
    gettext_lazy("Household identifier (DTSEN)"),
    gettext_lazy("Kabupaten/kota"),
    gettext_lazy("Kecamatan"),
    gettext_lazy("Desa/kelurahan"),
    gettext_lazy("Reason"),
    gettext_lazy("Grievance"),
    gettext_lazy("Made on"),
    gettext_lazy("Made by"),
    gettext_lazy("Status"),
)


class ProposalError(Exception):
    """A proposal that cannot be made; the message says why, for the user."""


def areas_of(region: Region) -> tuple[str, str, str]:
    """The kabupaten/kota, kecamatan and desa codes of a kecamatan or desa."""
    if region.level == "village":
        return region.code.rsplit(".", 2)[0], region.code.rsplit(".", 1)[0], region.code
    return region.code.rsplit(".", 1)[0], region.code, ""


def propose(request: HttpRequest, grievance: Grievance, form: ProposalForm) -> DtsenProposal:
    """Record the valid ``form``'s proposal and audit it, in one transaction."""
    regency, district, village = areas_of(form.cleaned_data["area"])
    proposal = form.save(commit=False)
    proposal.grievance = grievance
    proposal.regency_code, proposal.district_code, proposal.village_code = (
        regency,
        district,
        village,
    )
    proposal.made_by = request.user
    try:
        with transaction.atomic():
            proposal.save()
            audit.record(
                request, "dtsen_proposal_made", proposal, grievance=grievance.code,
                kind=proposal.kind, district=district, village=village,
            )  # fmt: skip
    except IntegrityError as clash:  # the same proposal, saved by someone else meanwhile
        raise ProposalError(
            _("This grievance already has that proposal for that household.")
        ) from clash
    return proposal


def chosen(status: str = ProposalStatus.PENDING, district: str = "") -> QuerySet[DtsenProposal]:
    """The proposals of ``status`` (all when empty), in one kecamatan when ``district`` is
    given, sorted by kecamatan, desa and date."""
    proposals = DtsenProposal.objects.select_related("grievance", "made_by")
    if status:
        proposals = proposals.filter(status=status)
    if district:
        proposals = proposals.filter(district_code=district)
    return proposals.order_by("district_code", "village_code", "made_at", "pk")


def values(proposal: DtsenProposal) -> list[object]:
    return [
        str(proposal.get_kind_display()),
        proposal.household_id,
        region_name(proposal.regency_code),
        region_name(proposal.district_code),
        region_name(proposal.village_code) if proposal.village_code else "–",
        proposal.reason,
        proposal.grievance.tracking_code,
        timezone.localtime(proposal.made_at).date().isoformat(),
        proposal.made_by.get_username(),
        str(proposal.get_status_display()),
    ]


def write_csv(proposals: Iterable[DtsenProposal]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in HEADERS])
    for proposal in proposals:
        writer.writerow(inert_row(values(proposal)))
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(proposals: Iterable[DtsenProposal], about: list[tuple[str, str]]) -> bytes:
    """The proposals on one sheet, sorted by kecamatan and desa, and a sheet of notes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "DTSEN"
    sheet.append([str(h) for h in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for proposal in proposals:
        sheet.append(inert_row(values(proposal)))
    for letter, width in zip("ABCDEFGHIJ", (34, 24, 28, 28, 30, 50, 14, 12, 16, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    info = book.create_sheet(_("About"))
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 100
    for label, value in about:
        info.append(inert_row([label, value]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def notes(user: Any, district: str, count: int) -> list[tuple[str, str]]:
    return [
        (
            _("What"),
            _(
                "DTSEN update proposals from targeting grievances, for submission "
                "through the desa/kelurahan and the dinas sosial."
            ),
        ),
        (_("Kecamatan"), region_name(district) if district else _("all")),
        (_("Proposals"), str(count)),
        (
            _("Personal data"),
            _(
                "Household identifiers are whole; no name, NIK or address. "
                "Keep this file as you keep the registry."
            ),
        ),
        (_("Exported by"), user.get_username()),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]


def mark_sent(request: HttpRequest, district: str = "") -> int:
    """Mark the pending proposals (of one kecamatan, or all) as sent; audited."""
    with transaction.atomic():
        pending = list(
            chosen(ProposalStatus.PENDING, district)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        DtsenProposal.objects.filter(pk__in=pending).update(status=ProposalStatus.SENT)
        audit.record(request, "dtsen_proposals_sent", None, district=district, proposals=pending)
    return len(pending)
