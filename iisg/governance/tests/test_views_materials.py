"""Materials: the public sees adopted products and downloads their files; nothing else is public."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.uploads import DOCUMENTS
from iisg.governance.choices import ProductKind, ProductStatus
from iisg.governance.models import ProductVersion
from iisg.governance.views import CONTENT_TYPES

pytestmark = pytest.mark.django_db

MATERIALS = reverse("governance:materials")
PDF = b"%PDF-1.7\n% a test document\n"


def with_file(product, version, name="document.pdf", content=PDF, **kwargs):
    record = f.ProductVersionFactory(product=product, version=version, **kwargs)
    record.file.save(name, ContentFile(content))
    return record


def download_url(version):
    return reverse("governance:download", kwargs={"slug": version.product.slug, "pk": version.pk})


@pytest.fixture
def adopted():
    product = f.ProductFactory(
        title="Methodology for mapping needs", slug="needs-methodology", status=ProductStatus.ADOPTED
    )
    product.pillars.add(f.PillarFactory(code="wbbsi"))
    return product


@pytest.fixture
def in_process():
    return f.ProductFactory(title="Response mapping report", slug="response-report", status=ProductStatus.IN_PROCESS)


@pytest.fixture
def member(client):
    client.force_login(f.UserFactory(roles=[Role.MEMBER]))
    return client


def test_the_public_sees_adopted_products_only(client, adopted, in_process):
    f.ProductFactory(title="Proposed template", status=ProductStatus.PROPOSED)
    response = client.get(MATERIALS)
    assert response.status_code == 200
    assert response.context["products"] == [adopted]
    assert "Response mapping report" not in response.content.decode()
    assert "Proposed template" not in response.content.decode()


def test_a_product_in_process_has_no_public_page_and_no_public_download(client, in_process):
    version = with_file(in_process, "0.1")
    assert client.get(reverse("governance:product", kwargs={"slug": in_process.slug})).status_code == 404
    assert client.get(download_url(version)).status_code == 404


def test_product_files_are_kept_outside_the_public_media_folder(client, settings, in_process):
    version = with_file(in_process, "0.1")
    stored = settings.DOCUMENTS_ROOT / version.file.name
    assert stored.read_bytes() == PDF
    assert not (settings.MEDIA_ROOT / version.file.name).exists()
    assert client.get(f"{settings.MEDIA_URL}{version.file.name}").status_code == 404
    assert version.file.url == f"/documents/{version.file.name}"
    assert client.get(version.file.url).status_code == 404, "a product in process is not public"


def test_a_document_address_serves_an_adopted_product_file(client, adopted):
    version = with_file(adopted, "1.0")
    response = client.get(version.file.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert client.get("/documents/products/2020/unknown.pdf").status_code == 404


def test_a_member_sees_products_in_process_marked_in_process(member, adopted, in_process):
    version = with_file(in_process, "0.1")
    html = member.get(MATERIALS).content.decode()
    assert "Response mapping report" in html
    assert '<span class="badge badge-process">In process</span>' in html
    page = member.get(reverse("governance:product", kwargs={"slug": in_process.slug}))
    assert page.status_code == 200
    assert "this product is not adopted yet" in page.content.decode()
    assert '<meta name="robots" content="noindex">' in page.content.decode()
    download = member.get(download_url(version))
    assert download.status_code == 200
    assert "private" in download["Cache-Control"]


def test_materials_filter_by_pillar_and_kind(client, adopted):
    report = f.ProductFactory(title="Mapping needs report", kind=ProductKind.REPORT, status=ProductStatus.ADOPTED)
    report.pillars.add(f.PillarFactory(code="wbcti"))
    assert client.get(MATERIALS, {"pillar": "wbbsi"}).context["products"] == [adopted]
    assert client.get(MATERIALS, {"kind": "report"}).context["products"] == [report]
    assert client.get(MATERIALS, {"pillar": "wbbsi", "kind": "report"}).context["products"] == []


def test_an_empty_filtered_list_is_not_indexed(client, adopted):
    response = client.get(MATERIALS, {"kind": "strategy"})
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert '<meta name="robots"' not in client.get(MATERIALS).content.decode()


def test_an_unknown_filter_value_is_ignored_and_said(client, adopted):
    response = client.get(MATERIALS, {"pillar": "nothing", "kind": "report"})
    assert response.status_code == 200
    assert response.context["products"] == []
    assert "Select a valid choice" in response.content.decode()
    assert client.get(MATERIALS, {"pillar": "nothing"}).context["products"] == [adopted]


def test_a_product_page_lists_its_versions_newest_first_with_downloads(client, adopted):
    old = with_file(adopted, "1.0", published_on=datetime.date(2021, 3, 1))
    new = with_file(adopted, "2.0", published_on=datetime.date(2022, 6, 20), notes="Updated after the 6th Board.")
    f.ProductVersionFactory(product=adopted, version="2.1-draft")
    response = client.get(reverse("governance:product", kwargs={"slug": adopted.slug}))
    assert response.status_code == 200
    product = response.context["product"]
    assert [version.version for version in product.version_list] == ["2.0", "1.0", "2.1-draft"]
    html = response.content.decode()
    assert f'href="{download_url(new)}"' in html
    assert f'href="{download_url(old)}"' in html
    assert "Updated after the 6th Board." in html
    assert "(no file)" in html


def test_a_product_page_links_the_decision_that_adopted_it(client):
    decision = f.DecisionFactory(
        meeting__event__slug="6th-board", meeting__event__start_date=datetime.date(2022, 6, 20)
    )
    product = f.ProductFactory(status=ProductStatus.ADOPTED, adopted_by=decision)
    html = client.get(reverse("governance:product", kwargs={"slug": product.slug})).content.decode()
    assert f'href="/governance/meetings/6th-board/#decision-{decision.number}"' in html
    assert "20 June 2022" in html


def test_a_download_serves_the_file_with_its_name_and_content_type(client, adopted):
    version = with_file(adopted, "2.0")
    response = client.get(download_url(version))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="needs-methodology-v2.0.pdf"'
    assert b"".join(response.streaming_content) == PDF


def test_a_download_names_a_spreadsheet_as_one(client, adopted):
    version = with_file(adopted, "1 (final)", name="template.xlsx", content=b"PK\x03\x04")
    response = client.get(download_url(version))
    assert response["Content-Type"] == CONTENT_TYPES["xlsx"]
    assert response["Content-Disposition"] == 'attachment; filename="needs-methodology-v1-final.xlsx"'


def test_every_accepted_document_type_has_its_content_type():
    assert set(DOCUMENTS) <= set(CONTENT_TYPES)


def test_a_download_is_not_found_without_a_file_for_another_product_or_when_the_file_is_gone(client, adopted):
    empty = f.ProductVersionFactory(product=adopted, version="0.9")
    assert client.get(download_url(empty)).status_code == 404
    other = f.ProductFactory(slug="other", status=ProductStatus.ADOPTED)
    version = with_file(adopted, "2.0")
    assert client.get(reverse("governance:download", kwargs={"slug": other.slug, "pk": version.pk})).status_code == 404
    version.file.storage.delete(version.file.name)
    assert client.get(download_url(version)).status_code == 404
    assert not ProductVersion.objects.filter(pk=version.pk + 100).exists()
    assert (
        client.get(reverse("governance:download", kwargs={"slug": adopted.slug, "pk": version.pk + 100})).status_code
        == 404
    )
