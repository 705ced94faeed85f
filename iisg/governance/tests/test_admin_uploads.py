"""Products and their versions in the back office: documents checked on upload, descriptions sanitised."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from iisg.core import uploads
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import admin_url, form_data, login
from iisg.core.tests.test_uploads import HTML_PAGE, make_ooxml, make_pdf
from iisg.governance.choices import ProductStatus
from iisg.governance.models import Product, ProductVersion

pytestmark = pytest.mark.django_db

ADD_VERSION = "admin:governance_productversion_add"


def media_files(settings):
    """The stored documents: product files live in the private DOCUMENTS_ROOT, not MEDIA_ROOT."""
    root = settings.DOCUMENTS_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def version_data(product, file):
    return {"product": str(product.pk), "version": "2.0", "file": file, "published_on": "2022-06-20", "notes": ""}


def test_the_secretariat_uploads_a_pdf_version_stored_under_a_safe_name(client, settings):
    login(client, Role.SECRETARIAT)
    product = f.ProductFactory()
    pdf = SimpleUploadedFile("Needs Mapping Methodology (final) v2.PDF", make_pdf(), content_type="application/pdf")

    response = client.post(reverse(ADD_VERSION), version_data(product, pdf))

    assert response.status_code == 302, response.context["adminform"].form.errors
    version = ProductVersion.objects.get()
    stored = f"products/{timezone.now().year}/needs-mapping-methodology-final-v2.pdf"
    assert version.file.name == stored
    assert media_files(settings) == [stored]
    assert version.file.read() == make_pdf()


def test_a_long_file_name_is_accepted_and_shortened(client):
    login(client, Role.SECRETARIAT)
    name = (
        "IISG needs mapping methodology as adopted by the 6th Board meeting in Sarajevo on 20 June 2022, clean copy.pdf"
    )
    response = client.post(reverse(ADD_VERSION), version_data(f.ProductFactory(), SimpleUploadedFile(name, make_pdf())))

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = ProductVersion.objects.get().file.name
    assert stored == f"products/{timezone.now().year}/iisg-needs-mapping-methodology-as-adopted-by-the-6th-board-m.pdf"


def test_a_fake_pdf_is_refused_with_a_clear_message_and_nothing_is_stored(client, settings):
    login(client, Role.SECRETARIAT)
    product = f.ProductFactory()
    fake = SimpleUploadedFile("methodology.pdf", HTML_PAGE, content_type="application/pdf")

    response = client.post(reverse(ADD_VERSION), version_data(product, fake))

    assert response.status_code == 200
    message = "“methodology.pdf” is an HTML or XML page. Only PDF, DOCX, XLSX, PPTX, ODT or ODS documents are accepted."
    assert response.context["adminform"].form.errors["file"] == [message]
    assert "methodology.pdf” is an HTML or XML page." in response.content.decode()
    assert not ProductVersion.objects.exists()
    assert media_files(settings) == []


def test_an_oversized_document_is_refused_before_it_is_stored(client, settings, monkeypatch):
    monkeypatch.setattr(uploads, "DOCUMENT_MAX_SIZE", 1000)
    login(client, Role.SECRETARIAT)
    big = SimpleUploadedFile("annual-report.pdf", make_pdf(padding=5000), content_type="application/pdf")

    response = client.post(reverse(ADD_VERSION), version_data(f.ProductFactory(), big))

    assert response.context["adminform"].form.errors["file"] == [
        "“annual-report.pdf” is 5.2\u00a0KB; a document may be at most 1000\u00a0bytes."
    ]
    assert not ProductVersion.objects.exists()
    assert media_files(settings) == []


def test_a_version_is_added_on_the_product_page_with_a_checked_document(client, settings):
    login(client, Role.SECRETARIAT)
    product = f.ProductFactory(title="Work plan 2023")
    url = admin_url(product, "change", product.pk)
    data = form_data(client.get(url))
    row = {"id": "", "product": str(product.pk), "version": "1.0", "published_on": "", "notes": ""}
    data.update({f"versions-0-{name}": value for name, value in row.items()})
    data["versions-TOTAL_FORMS"] = "1"

    fake = SimpleUploadedFile("workplan.docx", HTML_PAGE)
    response = client.post(url, {**data, "versions-0-file": fake})
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["file"] == [
        "“workplan.docx” is an HTML or XML page. Only PDF, DOCX, XLSX, PPTX, ODT or ODS documents are accepted."
    ]
    assert media_files(settings) == []

    docx = SimpleUploadedFile("Work plan 2023.docx", make_ooxml("docx"))
    response = client.post(url, {**data, "versions-0-file": docx})
    assert response.status_code == 302
    assert product.versions.get().file.name == f"products/{timezone.now().year}/work-plan-2023.docx"


def test_the_file_input_offers_the_accepted_documents(client):
    login(client, Role.SECRETARIAT)
    form = client.get(reverse(ADD_VERSION)).context["adminform"].form
    assert form.fields["file"].widget.attrs["accept"] == ".pdf,.docx,.xlsx,.pptx,.odt,.ods"


def test_a_version_saved_again_keeps_its_stored_file_unchecked(client):
    login(client, Role.SECRETARIAT)
    version = f.ProductVersionFactory(file="products/2019/legacy-annexes.zip")
    url = admin_url(version, "change", version.pk)
    data = form_data(client.get(url))
    data["notes"] = "Annexes of the first methodology"

    assert client.post(url, data).status_code == 302
    version.refresh_from_db()
    assert (version.file.name, version.notes) == (
        "products/2019/legacy-annexes.zip",
        "Annexes of the first methodology",
    )


def test_the_product_description_is_sanitised_on_saving(client):
    login(client, Role.SECRETARIAT)
    product = f.ProductFactory()
    url = admin_url(product, "change", product.pk)
    data = form_data(client.get(url))
    data["description"] = '<p>Adopted <a href="https://rcc.int" onclick="x()">by the Board</a></p><script>x()</script>'

    assert client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.description == '<p>Adopted <a href="https://rcc.int" rel="noopener noreferrer">by the Board</a></p>'


def test_view_on_site_only_for_adopted_products(client):
    login(client, Role.SECRETARIAT)
    in_process = f.ProductFactory(status=ProductStatus.IN_PROCESS)
    adopted = f.ProductFactory(slug="needs-mapping-methodology", status=ProductStatus.ADOPTED)
    content_type = ContentType.objects.get_for_model(Product).pk

    page = client.get(admin_url(adopted, "change", adopted.pk))
    assert page.context["has_absolute_url"]
    assert reverse("admin:view_on_site", args=[content_type, adopted.pk]) in page.content.decode()
    assert adopted.get_absolute_url() == "/materials/needs-mapping-methodology/"
    assert not client.get(admin_url(in_process, "change", in_process.pk)).context["has_absolute_url"]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_other_roles_cannot_add_product_versions(client, settings, role):
    product = f.ProductFactory(status=ProductStatus.ADOPTED)
    login(client, role)

    assert client.get(reverse(ADD_VERSION)).status_code == 403
    pdf = SimpleUploadedFile("methodology.pdf", make_pdf())
    assert client.post(reverse(ADD_VERSION), version_data(product, pdf)).status_code == 403
    assert not ProductVersion.objects.exists()
    assert media_files(settings) == []
