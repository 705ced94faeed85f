"""Checks on uploaded files, and where they are stored.

A file is judged by its content, never by its name alone: a PDF starts with `%PDF-`; a DOCX, XLSX
or PPTX is a ZIP whose `[Content_Types].xml` names the main part of that kind; an ODT or ODS is a
ZIP whose `mimetype` entry says so; an image is what Pillow finds when it opens it. The name must
then end in the extension of what was found, so the file opens as what it is when downloaded.

The validators sit on the model fields, so every model form (the admin included) and
`full_clean()` run them before the file is stored. They check only new uploads: a file already
stored was checked when it came in, and re-reading it on every save of its row would cost a read
from storage. The limits are constants, not settings: changing them is a decision for the code.
"""

import os
import re
import zipfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MB = 1024 * 1024
DOCUMENT_MAX_SIZE = 25 * MB
IMAGE_MAX_SIZE = 5 * MB
IMAGE_MAX_WIDTH = IMAGE_MAX_HEIGHT = 6000

# extension: the name people know the kind by
DOCUMENTS = {"pdf": "PDF", "docx": "DOCX", "xlsx": "XLSX", "pptx": "PPTX", "odt": "ODT", "ods": "ODS"}
# Pillow format: the extensions a file of it may have
IMAGES = {"JPEG": {"jpg", "jpeg"}, "PNG": {"png"}, "WEBP": {"webp"}}

DOCUMENT_ACCEPT = ",".join(f".{extension}" for extension in DOCUMENTS)
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
DOCUMENT_HELP_TEXT = format_lazy(
    _("PDF, DOCX, XLSX, PPTX, ODT or ODS, at most {size} MB."), size=DOCUMENT_MAX_SIZE // MB
)
IMAGE_HELP_TEXT = format_lazy(
    _("JPEG, PNG or WebP, at most {size} MB and {width} × {height} pixels."),
    size=IMAGE_MAX_SIZE // MB,
    width=IMAGE_MAX_WIDTH,
    height=IMAGE_MAX_HEIGHT,
)

OOXML_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# Enough for any real [Content_Types].xml; a bigger one is not read, so a ZIP bomb is not inflated.
MANIFEST_MAX_SIZE = 1 * MB

# What a refused file turned out to be, so the message can say it.
SIGNATURES = [
    (b"MZ", _("a Windows program")),
    (b"\x7fELF", _("a Linux program")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("an old Microsoft Office document (DOC, XLS or PPT)")),
    (b"{\\rtf", _("an RTF document")),
    (b"\xff\xd8\xff", _("a JPEG image")),
    (b"\x89PNG\r\n\x1a\n", _("a PNG image")),
    (b"GIF8", _("a GIF image")),
    (b"PK\x03\x04", _("a ZIP archive")),
    (b"Rar!", _("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", _("a 7-Zip archive")),
]
MARKUP = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*<")


def is_new_upload(value):
    """Is `value` a file being uploaded, rather than one already in storage?"""
    return isinstance(value, File) and bool(value) and not getattr(value, "_committed", False)


def _name(value):
    return os.path.basename(value.name or "")


def _extension(value):
    return os.path.splitext(value.name or "")[1].lower().lstrip(".")


def _head(value, size=2048):
    value.seek(0)
    head = value.read(size)
    value.seek(0)
    return head


def _check_size(value, limit, message):
    if value.size > limit:
        raise ValidationError(
            message,
            code="file_too_large",
            params={"name": _name(value), "size": filesizeformat(value.size), "limit": filesizeformat(limit)},
        )


def describe(head):
    """What bytes that are none of the accepted kinds look like, in words."""
    for signature, label in SIGNATURES:
        if head.startswith(signature):
            return label
    if MARKUP.match(head):
        return _("an HTML or XML page")
    if head and b"\x00" not in head:
        return _("a text file")
    return _("a file of unknown type")


def _zip_document_kind(value):
    """The extension of the office document `value` is, or None."""
    try:
        with zipfile.ZipFile(value) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    return ODF_MIMETYPES.get(entry.read(100).strip())
            if "[Content_Types].xml" in names:
                if archive.getinfo("[Content_Types].xml").file_size > MANIFEST_MAX_SIZE:
                    return None
                manifest = archive.read("[Content_Types].xml")
                return next((kind for part, kind in OOXML_MAIN_PARTS.items() if part in manifest), None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return None
    finally:
        value.seek(0)
    return None


def document_kind(value):
    """The extension of the accepted document `value` is, read from its content; None for anything else."""
    head = _head(value)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_document_kind(value)
    return None


def _accepted(kinds):
    names = list(kinds)
    return ", ".join(names[:-1]) + " " + str(_("or")) + " " + names[-1]


def validate_document(value):
    """A PDF, DOCX, XLSX, PPTX, ODT or ODS document of at most DOCUMENT_MAX_SIZE, named as what it is."""
    if not is_new_upload(value):
        return
    _check_size(value, DOCUMENT_MAX_SIZE, _("“%(name)s” is %(size)s; a document may be at most %(limit)s."))
    kind = document_kind(value)
    extension = _extension(value)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is %(found)s. Only %(accepted)s documents are accepted."),
            code="document_type",
            params={"name": _name(value), "found": describe(_head(value)), "accepted": _accepted(DOCUMENTS.values())},
        )
    if extension != kind:
        raise ValidationError(
            _("The content of “%(name)s” is %(kind)s: its name must end in .%(extension)s."),
            code="document_extension",
            params={"name": _name(value), "kind": DOCUMENTS[kind], "extension": kind},
        )


def validate_image(value):
    """A JPEG, PNG or WebP image of at most IMAGE_MAX_SIZE and IMAGE_MAX_WIDTH × IMAGE_MAX_HEIGHT pixels,
    named as what it is; Pillow opens it and verifies it is complete."""
    if not is_new_upload(value):
        return
    _check_size(value, IMAGE_MAX_SIZE, _("“%(name)s” is %(size)s; an image may be at most %(limit)s."))
    accepted = _accepted([name.replace("WEBP", "WebP") for name in IMAGES])
    try:
        # Opening reads the header only: the size in pixels is checked before anything is decoded.
        with Image.open(value) as image:
            # Cameras write JPEG with a second, preview picture: Pillow calls it MPO.
            found = "JPEG" if image.format == "MPO" else image.format
            width, height = image.width, image.height
            if found in IMAGES:
                image.verify()
    except Image.DecompressionBombError:
        raise ValidationError(
            _("“%(name)s” has too many pixels; an image may be at most %(width)s × %(height)s pixels."),
            code="image_dimensions",
            params={"name": _name(value), "width": IMAGE_MAX_WIDTH, "height": IMAGE_MAX_HEIGHT},
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("“%(name)s” is %(found)s, not a complete image. Only %(accepted)s images are accepted."),
            code="image_type",
            params={"name": _name(value), "found": describe(_head(value)), "accepted": accepted},
        ) from None
    finally:
        value.seek(0)
    if found not in IMAGES:
        raise ValidationError(
            _("“%(name)s” is a %(found)s image. Only %(accepted)s images are accepted."),
            code="image_type",
            params={"name": _name(value), "found": found, "accepted": accepted},
        )
    if width > IMAGE_MAX_WIDTH or height > IMAGE_MAX_HEIGHT:
        raise ValidationError(
            _("“%(name)s” is %(found)s pixels; an image may be at most %(width)s × %(height)s pixels."),
            code="image_dimensions",
            params={
                "name": _name(value),
                "found": f"{width} × {height}",
                "width": IMAGE_MAX_WIDTH,
                "height": IMAGE_MAX_HEIGHT,
            },
        )
    if _extension(value) not in IMAGES[found]:
        raise ValidationError(
            _("“%(name)s” is a %(found)s image: its name must end in .%(extension)s."),
            code="image_extension",
            params={"name": _name(value), "found": found, "extension": sorted(IMAGES[found])[-1]},
        )


@deconstructible
class UploadPath:
    """`upload_to` of a file field: `<folder>/<slug of the uploaded name>.<its extension>`.

    The uploaded name is the user's: it may hold spaces, accents, quotes or path tricks. Only its
    slug is kept ("Rapport final (v2).PDF" → "rapport-final-v2.pdf"); storage adds a suffix when
    the name is taken. `folder` may hold strftime codes ("events/%Y").
    """

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        name = filename.replace("\\", "/").rsplit("/", 1)[-1]
        stem, _dot, extension = name.rpartition(".") if "." in name else (name, "", "")
        stem = slugify(stem)[:60].strip("-") or "file"
        extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:8]
        folder = timezone.now().strftime(self.folder)
        return f"{folder}/{stem}.{extension}" if extension else f"{folder}/{stem}"

    def __eq__(self, other):
        return isinstance(other, UploadPath) and other.folder == self.folder

    def __hash__(self):
        return hash(self.folder)
