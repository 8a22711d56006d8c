"""Datasets the office works on, each a series of versions: one ``sejahtera/v1`` folder per
version under the configured datasets folder (``settings.DATASETS_ROOT``), never changed once
registered; uploads waiting to be mapped and imported; and mappings saved for reuse.

What the other pages read is :mod:`.services` (``current_version``, ``version``, ``folder_of``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Dataset(models.Model):
    """A dataset as the office names it ("DTSEN Kabupaten Sleman"); its data are its versions."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    region_code = models.CharField(_("region"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The dataset the office works on (its newest version is services.current_version()).
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        constraints = (
            models.UniqueConstraint(
                fields=("is_default",),
                condition=models.Q(is_default=True),
                name="one_default_dataset",
            ),
        )

    def __str__(self) -> str:
        return self.name


class DatasetVersion(models.Model):
    """One imported or registered state of a dataset: a ``sejahtera/v1`` folder and what is
    known about it. The row exists only once its folder is complete and in place."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dataset_versions",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # SHA-256 of the folder's dataset.json, which records the SHA-256 of every data file
    # (the same checksum a programme cycle records as its dataset_checksum).
    checksum = models.CharField(_("checksum"), max_length=64, db_index=True)
    households = models.PositiveBigIntegerField(_("households"))
    persons = models.PositiveBigIntegerField(_("persons"))
    reference_date = models.DateField(_("reference date"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    schema_version = models.CharField(_("schema version"), max_length=32)
    # Relative to settings.DATASETS_ROOT ("versions/<hex>"); services.folder_of() resolves it.
    folder = models.CharField(max_length=200, unique=True)
    source_files = models.JSONField(_("source files"), default=list)  # names as uploaded
    mapping_name = models.CharField(_("mapping"), max_length=200, blank=True)
    mapping = models.JSONField(_("mapping"), null=True, blank=True)  # sejahtera-mapping/v1
    report = models.JSONField(_("validation report"), null=True, blank=True)

    class Meta:
        ordering = ("dataset", "-number")
        verbose_name = _("dataset version")
        verbose_name_plural = _("dataset versions")
        constraints = (
            models.UniqueConstraint(fields=("dataset", "number"), name="one_number_per_version"),
        )

    def __str__(self) -> str:
        return f"{self.dataset.name} v{self.number}"


class SavedMapping(models.Model):
    """A column mapping kept under a name for the next file of the same kind: the content of a
    ``sejahtera-mapping/v1`` file (households and persons: columns, values, constants)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    content = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self) -> str:
        return self.name


class UploadState(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for its mapping")
    IMPORTING = "importing", _("Importing")
    FAILED = "failed", _("Not imported")
    IMPORTED = "imported", _("Imported")


class Upload(models.Model):
    """Files received for a new version, stored under names the workbench chose (never the
    sender's), waiting to be mapped and imported; the last import's report when it failed."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="dataset_uploads",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )
    dataset_name = models.CharField(_("dataset"), max_length=200)  # a new dataset's name
    reference_date = models.DateField(_("reference date"), null=True, blank=True)
    folder = models.CharField(max_length=200, unique=True)  # "uploads/<hex>" under the root
    # Each table's file: {"households": {"stored", "original", "format", "size"}, "persons": …}
    files = models.JSONField(default=dict)
    state = models.CharField(
        _("state"), max_length=12, choices=UploadState.choices, default=UploadState.UPLOADED
    )
    mapping_name = models.CharField(_("mapping"), max_length=200, blank=True)
    mapping = models.JSONField(null=True, blank=True)  # the last mapping tried
    report = models.JSONField(null=True, blank=True)  # the last failed import's problems
    error = models.TextField(blank=True)  # or the message of a file that could not be read
    version = models.ForeignKey(
        DatasetVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.dataset_name} ({self.get_state_display()})"
