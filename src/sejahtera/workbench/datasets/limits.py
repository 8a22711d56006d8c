"""The size limit of uploaded files (``settings.UPLOAD_MAX_BYTES``), applied while a request
arrives: a body announced larger than two files may be is refused before it is read, and a file
that grows past the limit is dropped there and then, never written out whole."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from sejahtera.workbench.datasets.uploads import shown_name

SLACK = 1 << 20  # the form's other fields and the multipart boundaries


def too_large(request: HttpRequest) -> bool:
    """Whether the request announces more than two files of the largest size."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > 2 * settings.UPLOAD_MAX_BYTES + SLACK


def body_refused() -> str:
    """Why a body announced too large was refused."""
    return _("The files are larger than %(limit)s MB, the largest this workbench takes.") % {
        "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    }


class LimitedUpload(FileUploadHandler):
    """Counts each file's bytes as they arrive; past the limit the file is skipped and
    ``request.upload_refused`` says which file and why."""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.upload_refused = _(  # type: ignore[union-attr]
                "%(file)s is larger than %(limit)s MB, the largest file this workbench takes."
            ) % {
                "file": shown_name(self.file_name or ""),
                "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
            }
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file


def limit(request: HttpRequest) -> None:
    """Apply the size limit to the files of ``request`` as they arrive (before its body is
    read): a file growing past it is dropped and ``request.upload_refused`` says why."""
    request.upload_handlers = [LimitedUpload(request), TemporaryFileUploadHandler(request)]


def limited(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The size limit on the upload, applied before its body is read: a body announced too
    large is refused (413) unread, a file growing past the limit is dropped as it arrives."""

    @wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if too_large(request):
            return JsonResponse({"detail": body_refused()}, status=413)
        limit(request)
        response = run(request, *args, **kwargs)
        refused = getattr(request, "upload_refused", "")
        if refused and response.status_code == 422:  # the file dropped was a required one
            return JsonResponse({"detail": refused}, status=413)
        return response

    return checked
