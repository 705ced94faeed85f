"""Every XML entry point refuses to expand entities or fetch what a DTD names.

The real files (IATI activities, codelists, a workbook the platform writes) get a DOCTYPE injected:
a billion laughs (entities that expand to gigabytes), an external entity naming a local file with
a secret in it, and a parameter entity naming an address on a local web server that records
whether anyone asked. Each entry point must end in a clear error or a result with nothing
expanded, read or fetched. The IATI parser's own tests (iisg/iati/tests/test_parser.py, pitfall
16) cover the billion laughs and the local file; the network is covered here.
"""

import http.server
import io
import threading
import zipfile

import openpyxl
import pytest
from django.conf import settings
from lxml import etree

from iisg.core import workbook as wb
from iisg.iati.codelists import read_codelist
from iisg.iati.parser import BrokenFile, read

SECRET = "the-secret-in-a-local-file"
LAUGHS = 9  # 10**9 "lol"s once expanded


def laughs_subset():
    entities = "".join(f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, LAUGHS + 1))
    return f' <!ENTITY lol0 "lol">\n{entities}'


@pytest.fixture
def web_server():
    """A local web server that records every path asked for."""
    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY fetched "FETCHED">')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def doctype(root, *, secret_file, url, laughs=True):
    """A DOCTYPE for `root` with every attack: entity names &laugh; (unless not `laughs`),
    &secret; and a parameter entity fetched from `url`."""
    laugh = f'{laughs_subset()} <!ENTITY laugh "&lol{LAUGHS};">\n' if laughs else ""
    return (
        f"<!DOCTYPE {root} [\n{laugh}"
        f' <!ENTITY secret SYSTEM "file://{secret_file}">\n'
        f' <!ENTITY % remote SYSTEM "{url}/evil.dtd">\n %remote;\n]>\n'
    )


# IATI activity files: the import (command and back office) reads them through parser.read()

CAFOD = settings.SHARED_DATA_DIR / "iati" / "activities" / "cafod-drc-2013.xml"


def test_an_iati_file_with_entities_is_refused_and_nothing_is_fetched(tmp_path, secret_file, web_server):
    url, asked = web_server
    data = CAFOD.read_bytes().replace(
        b"<iati-activities ",
        doctype("iati-activities", secret_file=secret_file, url=url).encode() + b"<iati-activities ",
        1,
    )
    data = data.replace(b"<title>", b"<title>&laugh;&secret;", 1)
    path = tmp_path / "activities.xml"
    path.write_bytes(data)

    with pytest.raises(BrokenFile) as refused:
        list(read(path))
    assert "DTD" in refused.value.reason
    assert SECRET not in str(refused.value)
    assert asked == []


# Codelists: load_codelists reads the shared codelist files


def codelist_with(doctype_text, reference, tmp_path):
    original = settings.SHARED_DATA_DIR / "iati" / "codelists" / "xml" / "ActivityStatus.xml"
    text = original.read_text(encoding="utf-8")
    root_at = text.index("<codelist ")
    text = text[:root_at] + doctype_text + text[root_at:]
    path = tmp_path / "ActivityStatus.xml"
    path.write_text(text.replace("<name>", f"<name>{reference}", 1), encoding="utf-8")
    return path


def test_a_codelist_with_a_billion_laughs_is_refused(tmp_path, secret_file, web_server):
    url, asked = web_server
    path = codelist_with(doctype("codelist", secret_file=secret_file, url=url), "&laugh;", tmp_path)
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        read_codelist(path)
    assert asked == []


def test_a_codelist_with_external_entities_reads_neither_the_file_nor_the_network(tmp_path, secret_file, web_server):
    url, asked = web_server
    path = codelist_with(doctype("codelist", secret_file=secret_file, url=url, laughs=False), "&secret;", tmp_path)
    name, items = read_codelist(path)
    assert name == "ActivityStatus"
    assert items
    assert SECRET not in repr(items)
    assert asked == []


# Workbooks: every upload of needs or actions goes through read_workbook()


def workbook_with(part, inject):
    """A workbook the platform could write, with its XML part `part` changed by `inject`."""
    book = openpyxl.Workbook()
    book.active.title = "Needs"
    book.active.append(["Reference", "Title"])
    book.active.append(["AL-WBBSi-001", "Thermal cameras"])
    written = io.BytesIO()
    book.save(written)
    changed = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == part:
                content = inject(content.decode("utf-8")).encode("utf-8")
            target.writestr(entry, content)
    return changed.getvalue()


def with_doctype(root, marker, **attack):
    def inject(text):
        at = text.index(f"<{root}")
        text = text[:at] + doctype(root, **attack) + text[at:]
        return text.replace(marker, f"{marker}&laugh;&secret;", 1) if marker else text

    return inject


SHEETS = [wb.Sheet("Needs", (wb.Column("reference", "Reference", ""), wb.Column("title", "Title", "")))]


@pytest.mark.parametrize(
    ("part", "root", "marker"),
    [
        ("xl/workbook.xml", "workbook", "<sheets>"),
        ("xl/_rels/workbook.xml.rels", "Relationships", "<Relationships"),
        ("xl/worksheets/sheet1.xml", "worksheet", "<sheetData>"),
        ("xl/styles.xml", "styleSheet", None),
        ("[Content_Types].xml", "Types", None),
    ],
)
def test_a_workbook_part_with_entities_is_refused_and_nothing_is_fetched(part, root, marker, secret_file, web_server):
    url, asked = web_server
    data = workbook_with(part, with_doctype(root, marker, secret_file=secret_file, url=url))
    with pytest.raises(wb.WorkbookRejected, match="declares a DTD"):
        wb.read_workbook(data, SHEETS)
    assert asked == []


def test_the_parser_of_the_workbook_parts_expands_no_entity():
    laughs = f"<!DOCTYPE r [{laughs_subset()}]><r>&lol{LAUGHS};</r>".encode()
    try:
        root = etree.fromstring(laughs, wb.XML_PARSER)
    except etree.XMLSyntaxError:
        return
    assert "lol" not in "".join(root.itertext())


def test_a_dtd_hidden_behind_a_long_prolog_is_still_refused(secret_file, web_server):
    url, asked = web_server
    padding = "<!--" + "x" * (70 * 1024) + "-->\n"
    data = workbook_with(
        "xl/worksheets/sheet1.xml",
        lambda text: with_doctype("worksheet", "<sheetData>", secret_file=secret_file, url=url)(
            text.replace("<worksheet", padding + "<worksheet", 1)
        ),
    )
    with pytest.raises(wb.WorkbookRejected, match="damaged"):
        wb.read_workbook(data, SHEETS)
    assert asked == []
