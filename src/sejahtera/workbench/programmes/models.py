"""A programme of the social policy office: its yearly budgets, its cycles, each cycle's frozen
beneficiary list, the reviewed changes to that list, and the payments made against it.

A beneficiary list is generated from a dataset and a ruleset (:mod:`.generation`) and then frozen:
later changes to the registry never alter it, and a change to a frozen list goes through a
:class:`ChangeRequest` that someone other than its maker approves. Nobody alone moves money:
generating a list, freezing it and recording a payment are each a :class:`CycleRequest` of one
user that only another user's approval carries out.

The synthetic datasets have no names or NIK, so a :class:`Beneficiary` holds only the household
identifier, its area, its desil and its amount. With a real registry (DTSEN) the names, NIK and
addresses would stay in the registry, looked up by household id, never copied here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

FUNDING = (("APBD", "APBD"), ("APBN", "APBN"), ("other", _("Other")))


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # made from a decision, not yet in operation
    ACTIVE = "active", _("In operation")


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    owner_unit = models.CharField(_("owner unit"), max_length=200, blank=True)
    ruleset = models.CharField(_("ruleset"), max_length=100, blank=True)
    ruleset_version = models.CharField(_("ruleset version"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ProgrammeStatus.choices, default=ProgrammeStatus.ACTIVE
    )
    # Where the programme sits in the regional budget: the SIPD nomenclature's programme,
    # kegiatan and sub-kegiatan codes (Kepmendagri on the classification, codification and
    # nomenclature of regional planning and finance), checked by programmes/sipd.py.
    sipd_program = models.CharField(_("SIPD programme code"), max_length=20, blank=True)
    sipd_kegiatan = models.CharField(_("SIPD kegiatan code"), max_length=24, blank=True)
    sipd_sub_kegiatan = models.CharField(_("SIPD sub-kegiatan code"), max_length=32, blank=True)
    partners = models.ManyToManyField(
        "stakeholders.Organisation",
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="partner_programmes",
        help_text=_("Their accounts see this programme."),
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Budget(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=8, choices=FUNDING)
    amount_rp = models.DecimalField(_("amount (Rp)"), max_digits=18, decimal_places=0)

    class Meta:
        ordering = ("programme", "year")
        constraints = (
            models.UniqueConstraint(
                fields=("programme", "year", "source"), name="one_budget_per_year_and_source"
            ),
        )

    def __str__(self) -> str:
        return f"{self.programme} {self.year} {self.source}"


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    GENERATED = "generated", _("Generated")
    FROZEN = "frozen", _("Frozen")
    CLOSED = "closed", _("Closed")


class Cycle(models.Model):
    """One round of a programme ("2025 tahap 1"): its list is computed for ``period`` with the
    benefit variable ``benefit`` of the ruleset, from the dataset whose checksum is recorded."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(_("name"), max_length=100)
    period = models.CharField(
        _("period"), max_length=7, help_text=_("A year (2025) or a month (2025-03).")
    )
    benefit = models.CharField(
        _("benefit variable"), max_length=64, help_text=_("For example sembako or pkh.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.DRAFT
    )
    dataset_path = models.CharField(_("dataset"), max_length=500, blank=True)
    dataset_checksum = models.CharField(_("dataset checksum"), max_length=64, blank=True)
    ruleset = models.CharField(_("ruleset"), max_length=100, blank=True)
    ruleset_version = models.CharField(_("ruleset version"), max_length=40, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("programme", "-period", "name")
        constraints = (
            models.UniqueConstraint(fields=("programme", "name"), name="one_cycle_name"),
        )

    def __str__(self) -> str:
        return f"{self.programme} · {self.name}"

    @property
    def editable_list(self) -> bool:
        """Whether the list may still be (re)generated; after freezing only change requests
        change it."""
        return self.status in (CycleStatus.DRAFT, CycleStatus.GENERATED)


class Beneficiary(models.Model):
    """A household on a cycle's list. No names or NIK: see the module's description."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="beneficiaries")
    household_id = models.CharField(_("household"), max_length=64)
    region_code = models.CharField(_("kabupaten/kota"), max_length=16, db_index=True)
    # Blank for a household added by a change request (which names only its kabupaten/kota)
    # and for lists generated before these were recorded.
    district_code = models.CharField(_("kecamatan"), max_length=16, blank=True)
    village_code = models.CharField(_("desa/kelurahan"), max_length=16, blank=True)
    desil = models.PositiveSmallIntegerField(_("desil"), null=True, blank=True)
    amount_rp = models.DecimalField(_("amount (Rp)"), max_digits=14, decimal_places=0)

    class Meta:
        ordering = ("region_code", "household_id")
        constraints = (
            models.UniqueConstraint(
                fields=("cycle", "household_id"), name="one_listing_per_household"
            ),
        )
        indexes = (
            models.Index(fields=("cycle", "district_code"), name="beneficiary_by_kecamatan"),
            models.Index(fields=("cycle", "village_code"), name="beneficiary_by_desa"),
            # The list's default order (lists.Sort.AREA): a deep page reads the index, not a
            # sort of the whole cycle (PostgreSQL, 40,000 rows: 363 to 236 ms for page 400).
            models.Index(
                fields=("cycle", "region_code", "district_code", "village_code", "household_id"),
                name="beneficiary_in_area_order",
            ),
        )

    def __str__(self) -> str:
        return self.household_id


class ChangeKind(models.TextChoices):
    ADD = "add", _("Add a household")
    REMOVE = "remove", _("Remove a household")
    AMEND = "amend", _("Change the amount")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Reviewed(models.Model):
    """A request made by one user (the maker) and approved or rejected by another (the
    checker): a change to a frozen list, or a step of a cycle that moves money."""

    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking

    class Meta:
        ordering = ("-created_at", "-pk")
        abstract = True


class ChangeRequest(Reviewed):
    """A proposed change to a frozen list: made by one user, approved or rejected by another."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(_("kind"), max_length=8, choices=ChangeKind.choices)
    household_id = models.CharField(_("household"), max_length=64)
    region_code = models.CharField(
        _("kabupaten/kota"), max_length=16, blank=True, help_text=_("Needed to add a household.")
    )
    amount_rp = models.DecimalField(
        _("proposed amount (Rp)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    reason = models.TextField(_("reason"))

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.household_id}"


class CycleRequestKind(models.TextChoices):
    GENERATE = "generate", _("Generate the list")
    FREEZE = "freeze", _("Freeze the list")
    PAYMENT = "payment", _("Record a payment")


class CycleRequest(Reviewed):
    """A step of a cycle that moves money, asked for by one user (the maker) and done only when
    another (the checker) approves it: generating the list (from ``detail["dataset"]``),
    freezing it, or recording the payment ``detail`` holds (the payment form's fields).
    ``cycle_version`` is the version of the cycle the maker saw: an approval of a cycle changed
    since is refused."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("kind"), max_length=8, choices=CycleRequestKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    cycle_version = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.cycle}"


class Channel(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    POST = "post", _("Post office")
    CASH = "cash", _("Cash or goods")
    OTHER = "other", _("Other")


class Payment(models.Model):
    """A payment or distribution batch of a cycle in one kabupaten/kota (or to one beneficiary):
    what was planned and what was paid, and how many households a batch reached (physical
    realisation; a payment to one beneficiary reaches its household)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="payments")
    region_code = models.CharField(_("kabupaten/kota"), max_length=16)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    planned_rp = models.DecimalField(_("planned (Rp)"), max_digits=18, decimal_places=0)
    paid_rp = models.DecimalField(_("paid (Rp)"), max_digits=18, decimal_places=0)
    households = models.PositiveIntegerField(
        _("households paid"),
        null=True,
        blank=True,
        help_text=_("How many households of the list this batch reached."),
    )
    paid_on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ("cycle", "region_code", "paid_on", "pk")

    def __str__(self) -> str:
        return f"{self.cycle} {self.region_code} {self.paid_on}"
