"""Board meetings and their decisions, and the materials: products, their versions and downloads.

The pages (not the files) are served to anonymous visitors from the shared cache
(iisg.core.pagecache)."""

import re
from pathlib import PurePosixPath

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from iisg.core.pagecache import public_page
from iisg.directory.selectors import pillars

from . import selectors
from .choices import ProductStatus
from .forms import MaterialFilterForm
from .models import ProductVersion

# Stated rather than guessed (the system's MIME table differs between hosts), one per accepted
# extension (models.DOCUMENT_EXTENSIONS).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
}


@public_page
def meeting_list(request):
    return render(request, "governance/meeting_list.html", {"meetings": selectors.board_meetings(request.user)})


@public_page
def meeting_detail(request, slug):
    meeting = selectors.meeting(request.user, slug)
    if meeting is None:
        raise Http404
    return render(request, "governance/meeting_detail.html", {"meeting": meeting})


@public_page
def material_list(request):
    form = MaterialFilterForm(request.GET, pillars=pillars())
    filters = form.filters()
    products = selectors.materials(request.user, **filters)
    return render(
        request,
        "governance/material_list.html",
        {"form": form, "products": products, "filtered": any(filters.values())},
    )


@public_page
def product_detail(request, slug):
    product = selectors.product(request.user, slug)
    if product is None:
        raise Http404
    return render(request, "governance/product_detail.html", {"product": product})


def download_filename(version):
    """`<product-slug>-v<version>.<ext>`: what the reader's download folder should hold."""
    extension = PurePosixPath(version.file.name).suffix.lower()
    safe_version = re.sub(r"[^A-Za-z0-9._-]+", "-", version.version).strip("-.")
    return f"{version.product.slug}-v{safe_version}{extension}"


def download(request, slug, pk):
    version = selectors.downloadable_version(request.user, slug=slug, pk=pk)
    if version is None:
        raise Http404
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = PurePosixPath(version.file.name).suffix.lower().lstrip(".")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_filename(version),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    if version.product.status != ProductStatus.ADOPTED:
        patch_cache_control(response, private=True)
    return response


def document(request, name):
    """A stored document by its file name (the address the storage gives it), served like its
    download: only to whoever may see the product."""
    version = ProductVersion.objects.filter(file=name).select_related("product").first()
    if version is None:
        raise Http404
    return download(request, slug=version.product.slug, pk=version.pk)
