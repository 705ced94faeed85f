"""Uploads are judged by their content and size, and stored under a safe name.

The files are made here, at run time: a minimal PDF, office documents built with zipfile, images
drawn with Pillow, and impostors (an HTML page or a Windows program under a document's name).
"""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from iisg.core import uploads
from iisg.core.uploads import UploadPath, validate_document, validate_image

from . import factories as f

OOXML_PARTS = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
HTML_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"


def make_pdf(padding=0):
    """A one-page PDF with its cross-reference table; `padding` bytes of comment make it bigger."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    pdf = b"%PDF-1.4\n%" + b"x" * padding + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return pdf


def make_ooxml(kind):
    """A DOCX, XLSX or PPTX package: the main part and the [Content_Types].xml that names it."""
    part, content_type = OOXML_PARTS[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'officeDocument" Target="{part}"/></Relationships>',
        )
        package.writestr(part, '<?xml version="1.0" encoding="UTF-8"?><document/>')
    return buffer.getvalue()


def make_odf(kind):
    """An ODT or ODS package: the `mimetype` entry first and uncompressed, as the standard asks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", ODF_MIMETYPES[kind], compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content/>')
        package.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest/>')
    return buffer.getvalue()


def make_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("setup.exe", WINDOWS_PROGRAM)
    return buffer.getvalue()


def make_image(image_format="JPEG", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 51, 153)).save(buffer, image_format)
    return buffer.getvalue()


DOCUMENTS = {
    "pdf": make_pdf,
    "docx": lambda: make_ooxml("docx"),
    "xlsx": lambda: make_ooxml("xlsx"),
    "pptx": lambda: make_ooxml("pptx"),
    "odt": lambda: make_odf("odt"),
    "ods": lambda: make_odf("ods"),
}


def upload(name, content):
    return SimpleUploadedFile(name, content)


def refusal(validator, name, content):
    """The one message `validator` gives for the file."""
    with pytest.raises(ValidationError) as error:
        validator(upload(name, content))
    (message,) = error.value.messages
    return message


# Documents


@pytest.mark.parametrize("extension", sorted(DOCUMENTS))
def test_accepted_documents_pass(extension):
    validate_document(upload(f"methodology.{extension}", DOCUMENTS[extension]()))


def test_the_extension_may_be_in_capitals():
    validate_document(upload("METHODOLOGY.PDF", make_pdf()))


def test_an_html_page_named_pdf_is_refused_saying_what_it_is():
    assert refusal(validate_document, "methodology.pdf", HTML_PAGE) == (
        "“methodology.pdf” is an HTML or XML page. Only PDF, DOCX, XLSX, PPTX, ODT or ODS documents are accepted."
    )


@pytest.mark.parametrize("name", ["report.pdf", "report.docx", "report.exe"])
def test_a_renamed_windows_program_is_refused(name):
    assert refusal(validate_document, name, WINDOWS_PROGRAM).startswith(f"“{name}” is a Windows program.")


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "a Linux program"),
        ("report.docx", HTML_PAGE, "an HTML or XML page"),
        ("report.xlsx", b"<?php system($_GET['c']); ?>", "an HTML or XML page"),
        ("report.pdf", b"#!/bin/sh\nrm -rf /\n", "a text file"),
    ],
)
def test_a_program_or_a_page_renamed_as_a_document_is_refused(name, content, found):
    assert refusal(validate_document, name, content).startswith(f"“{name}” is {found}.")


def test_an_svg_named_png_is_refused_since_it_may_carry_scripts():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    assert refusal(validate_image, "logo.png", svg).startswith("“logo.png” is an HTML or XML page")


def test_a_form_body_past_the_memory_limit_is_refused(client, settings):
    response = client.post("/admin/login/", {"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    assert response.status_code == 400


def test_a_form_with_too_many_fields_is_refused(client, settings):
    fields = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert client.post("/admin/login/", fields).status_code == 400


def test_the_request_limits():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * uploads.MB
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 5 * uploads.MB
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 10_000


def test_a_zip_that_is_no_office_document_is_refused():
    assert refusal(validate_document, "annexes.docx", make_zip()).startswith("“annexes.docx” is a ZIP archive.")


def test_a_corrupt_zip_is_refused():
    assert refusal(validate_document, "annexes.xlsx", make_ooxml("xlsx")[:40]).startswith("“annexes.xlsx” is")


def test_an_old_office_document_is_named_as_such():
    message = refusal(validate_document, "plan.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert message.startswith("“plan.doc” is an old Microsoft Office document (DOC, XLS or PPT).")


def test_plain_text_is_refused():
    assert refusal(validate_document, "notes.pdf", b"Minutes of the meeting").startswith("“notes.pdf” is a text file.")


def test_a_document_must_be_named_as_what_it_is():
    assert refusal(validate_document, "workplan.pdf", make_ooxml("xlsx")) == (
        "The content of “workplan.pdf” is XLSX: its name must end in .xlsx."
    )
    assert refusal(validate_document, "workplan.docx", make_pdf()) == (
        "The content of “workplan.docx” is PDF: its name must end in .pdf."
    )


def test_an_oversized_document_is_refused_before_its_content_is_read(monkeypatch):
    monkeypatch.setattr(uploads, "DOCUMENT_MAX_SIZE", 1000)
    validate_document(upload("small.pdf", make_pdf()))
    assert refusal(validate_document, "big.pdf", make_pdf(padding=2000)) == (
        "“big.pdf” is 2.3\u00a0KB; a document may be at most 1000\u00a0bytes."
    )
    assert refusal(validate_document, "big.exe", WINDOWS_PROGRAM * 20).startswith("“big.exe” is 1.5\u00a0KB;")


def test_the_default_document_limit_is_25_mb():
    assert uploads.DOCUMENT_MAX_SIZE == 25 * 1024 * 1024


@pytest.mark.django_db
def test_a_stored_file_is_not_checked_again():
    version = f.ProductVersionFactory()
    version.file.save("legacy.zip", ContentFile(make_zip()))
    version.refresh_from_db()
    version.full_clean()


@pytest.mark.django_db
def test_a_product_version_refuses_a_fake_pdf_on_full_clean():
    version = f.ProductVersionFactory.build(product=f.ProductFactory(), file=upload("report.pdf", HTML_PAGE))
    with pytest.raises(ValidationError) as error:
        version.full_clean()
    assert error.value.message_dict["file"] == [
        "“report.pdf” is an HTML or XML page. Only PDF, DOCX, XLSX, PPTX, ODT or ODS documents are accepted."
    ]


# Images


@pytest.mark.parametrize(
    ("image_format", "name"),
    [("JPEG", "photo.jpg"), ("JPEG", "photo.JPEG"), ("PNG", "photo.png"), ("WEBP", "photo.webp")],
)
def test_accepted_images_pass(image_format, name):
    validate_image(upload(name, make_image(image_format)))


def test_a_camera_jpeg_with_a_preview_picture_passes():
    buffer = io.BytesIO()
    photo, preview = Image.new("RGB", (64, 48)), Image.new("RGB", (16, 12))
    photo.save(buffer, "MPO", save_all=True, append_images=[preview])
    validate_image(upload("camera.jpg", buffer.getvalue()))


def test_a_gif_is_refused():
    assert refusal(validate_image, "logo.gif", make_image("GIF")) == (
        "“logo.gif” is a GIF image. Only JPEG, PNG or WebP images are accepted."
    )


def test_a_program_or_a_page_named_jpg_is_refused():
    assert refusal(validate_image, "photo.jpg", WINDOWS_PROGRAM) == (
        "“photo.jpg” is a Windows program, not a complete image. Only JPEG, PNG or WebP images are accepted."
    )
    assert refusal(validate_image, "photo.png", HTML_PAGE).startswith("“photo.png” is an HTML or XML page")


def test_a_truncated_image_is_refused():
    assert "not a complete image" in refusal(validate_image, "photo.png", make_image("PNG")[:60])


def test_an_image_must_be_named_as_what_it_is():
    assert refusal(validate_image, "photo.png", make_image("JPEG")) == (
        "“photo.png” is a JPEG image: its name must end in .jpg."
    )


def test_an_image_too_wide_is_refused_without_decoding_it():
    assert refusal(validate_image, "banner.png", make_image("PNG", size=(6001, 2))) == (
        "“banner.png” is 6001 × 2 pixels; an image may be at most 6000 × 6000 pixels."
    )
    validate_image(upload("banner.png", make_image("PNG", size=(6000, 2))))


def test_an_oversized_image_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "IMAGE_MAX_SIZE", 100)
    assert refusal(validate_image, "photo.png", make_image("PNG", size=(400, 400)) + b"\x00" * 2000).startswith(
        "“photo.png” is 3.3\u00a0KB; an image may be at most 100\u00a0bytes."
    )


def test_the_default_image_limits():
    assert uploads.IMAGE_MAX_SIZE == 5 * 1024 * 1024
    assert (uploads.IMAGE_MAX_WIDTH, uploads.IMAGE_MAX_HEIGHT) == (6000, 6000)


def test_the_file_can_be_read_again_after_the_checks():
    document, image = upload("a.docx", make_ooxml("docx")), upload("a.png", make_image("PNG"))
    validate_document(document)
    validate_image(image)
    assert document.read() == make_ooxml("docx")
    assert image.read(8) == b"\x89PNG\r\n\x1a\n"


# Where files are stored


@pytest.mark.parametrize(
    ("uploaded_name", "stored_name"),
    [
        ("Needs mapping methodology (v2).PDF", "needs-mapping-methodology-v2.pdf"),
        ("Izveštaj – Radna grupa.docx", "izvestaj-radna-grupa.docx"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.exe", "evil.exe"),
        ('<script>alert("x")</script>.png', "script.png"),
        ("Извештај.pdf", "file.pdf"),
        (".pdf", "file.pdf"),
        ("photo.j p:g", "photo.jpg"),
    ],
)
def test_upload_path_keeps_only_a_slug_of_the_name(uploaded_name, stored_name):
    year = timezone.now().year
    assert UploadPath("products/%Y")(None, uploaded_name) == f"products/{year}/{stored_name}"
