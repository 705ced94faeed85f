"""The demo's materials carry files (iisg.demo.materials): with DEMO_MATERIAL_FILES, loading the
demo gives every product a version whose PDF downloads from the materials page, the reports the
platform generated for it, the others a PDF of what the demo knows of them. The files are added
through iisg.governance.services.add_product_version, whose refusals are pinned here too."""

import hashlib
import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.demo import curated
from iisg.demo.actors import Actors
from iisg.demo.logins import demo_users
from iisg.demo.materials import REPORTS, load_material_files
from iisg.demo.services import load_demo
from iisg.governance import selectors
from iisg.governance.choices import ProductStatus
from iisg.governance.models import Product, ProductVersion
from iisg.governance.services import add_product_version
from iisg.needs.errors import NotAllowed
from iisg.reports.content import KINDS
from iisg.reports.models import Report

pytestmark = pytest.mark.django_db


def _text(data):
    """The PDF's text, one space between words (titles wrap on the cover)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _download(client, version):
    response = client.get(reverse("governance:download", kwargs={"slug": version.product.slug, "pk": version.pk}))
    assert response.status_code == 200, version
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _demo_products():
    """The demo's products by their key of data/governance.toml."""
    titles = {entry.key: entry.title for entry in curated.tables().products}
    by_title = {product.title: product for product in Product.objects.filter(title__in=titles.values())}
    return {key: by_title[title] for key, title in titles.items()}


def test_the_demo_with_material_files_gives_every_material_a_pdf_that_downloads(demo, settings, client):
    settings.DEMO_MATERIAL_FILES = True
    assert not ProductVersion.objects.exclude(file="").exists()  # the tests' shared demo has none

    load_demo(with_logins=True)

    secretariat = demo_users()[Role.SECRETARIAT]
    public = selectors.materials(AnonymousUser())
    every = selectors.materials(secretariat)
    assert {product.status for product in public} == {ProductStatus.ADOPTED}
    assert len(every) == len(_demo_products()) > len(public) == 13
    assert "No file has been published yet" not in client.get(reverse("governance:materials")).text

    keys = {product.pk: key for key, product in _demo_products().items()}
    in_process = [product for product in every if product.status != ProductStatus.ADOPTED]
    for product in public + in_process:
        if product is in_process[0]:
            client.force_login(secretariat)  # products in process download for members only
        (version,) = product.version_list
        data = _download(client, version)
        text = _text(data)
        report = REPORTS.get(keys[product.pk])
        if report:
            generated = Report.objects.get(kind=report["kind"])
            assert hashlib.sha256(data).hexdigest() == generated.sha256 == re.search(r"SHA-256 (\w+)", version.notes)[1]
            # The report keeps its own title ("Needs mapping report"), whatever the product's.
            assert str(KINDS[report["kind"]]) in text, product
        else:
            assert product.title in text, product
            assert "lorem" not in text.lower()


def test_a_second_load_adds_no_file_and_a_meetings_listing_lists_its_events(demo):
    period = next(entry.cycle for entry in curated.tables().decisions if entry.cycle)
    thematic = {"wbbsi-thematic-meetings": _demo_products()["wbbsi-thematic-meetings"]}

    (version,) = load_material_files(thematic, needs_cycle=period, actors=Actors())
    assert load_material_files(thematic, needs_cycle=period, actors=Actors()) == []

    text = _text(version.file.read())
    assert "National thematic meeting in Podgorica (WBCSCi)" in text
    assert "An accomplished product of the WBBSi page; the decision that adopted it is not on record." in text


def test_only_the_secretariat_adds_a_version_and_only_with_a_document():
    product = f.ProductFactory()
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    with pytest.raises(NotAllowed):
        add_product_version(
            user=f.UserFactory(roles=[Role.MEMBER]), product=product, version="1", file=ContentFile(pdf, name="a.pdf")
        )
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    with pytest.raises(ValidationError):
        add_product_version(
            user=secretariat, product=product, version="1", file=ContentFile(b"plain text", name="a.pdf")
        )

    version = add_product_version(user=secretariat, product=product, version="1", file=ContentFile(pdf, name="a.pdf"))
    assert version.history.get().history_user == secretariat
    assert version.history.get().history_change_reason == "Version 1 added"
    with pytest.raises(ValidationError):
        add_product_version(user=secretariat, product=product, version="1", file=ContentFile(pdf, name="b.pdf"))
