"""The uploaded file before any of its XML is parsed: its size, its kind, encryption, how many parts
and sheets it has and what each part and all of them declare to unpack to, a DTD in its XML."""

import io
import posixpath
import zipfile

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

# The limits (MAX_…) are stated once, in the package, and read from it at each use.
from iisg.core import workbook as limits
from iisg.core.uploads import describe, document_kind

# More than any workbook holds, however many sheets, images and comments it has.
MAX_PARTS = 2_000
# The sheets a workbook may have: the platform's have a handful.
MAX_SHEETS = 100
# What the workbook's own description parts may be for a sheet to be named in a refusal.
MANIFEST_MAX_SIZE = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# A safe parser for the few parts read here: no entities, no network.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class WorkbookRejected(Exception):
    """The upload is not a workbook that can be read at all; the message says why, for a person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def damaged():
    return WorkbookRejected(_("The file is damaged: Excel may repair it; save it again as .xlsx."))


def check_size(size):
    """Refuse a file by its size, before anything reads it."""
    if size > limits.MAX_FILE_SIZE:
        raise WorkbookRejected(
            _("The file is %(size)s; a workbook may be at most %(limit)s. Split it into smaller workbooks.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limits.MAX_FILE_SIZE)}
        )


def _looks_like_csv(head):
    if b"\x00" in head:
        return False
    try:
        first_line = head.decode("utf-8-sig", errors="strict").splitlines()[0] if head.strip() else ""
    except (UnicodeDecodeError, IndexError):
        return False
    return any(separator in first_line for separator in (",", ";", "\t"))


def check_file(data):
    """Raise WorkbookRejected unless `data` is an unencrypted .xlsx that unpacks to a sane size."""
    check_size(len(data))
    head = data[:2048]
    if not data:
        raise WorkbookRejected(_("The file is empty."))
    if head.startswith(OLE2):
        raise WorkbookRejected(
            _("The file is password-protected or an old .xls workbook: save it as an unprotected .xlsx workbook.")
        )
    if not head.startswith(b"PK\x03\x04"):
        if _looks_like_csv(head):
            raise WorkbookRejected(
                _(
                    "The file is a CSV text file, not an Excel workbook, whatever its name says: open it in Excel and "
                    "save it as an Excel Workbook (.xlsx)."
                )
            )
        raise WorkbookRejected(_("The file is %(found)s, not an Excel workbook (.xlsx).") % {"found": _describe(head)})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            encrypted = any(entry.flag_bits & 0x1 for entry in entries)
            if not encrypted:
                _check_unpacked_sizes(archive, entries)
            declares_dtd = not encrypted and any(_declares_dtd(archive, entry) for entry in entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise WorkbookRejected(_("The file is a damaged ZIP archive, not an Excel workbook (.xlsx).")) from None
    if encrypted:
        raise WorkbookRejected(
            _("The file is password-protected or an old .xls workbook: save it as an unprotected .xlsx workbook.")
        )
    if declares_dtd:
        raise WorkbookRejected(
            _("The file declares a DTD, which Excel never writes: it is not a workbook this platform reads.")
        )
    kind = document_kind(io.BytesIO(data))
    if kind != "xlsx":
        found = _("a %(kind)s document") % {"kind": kind.upper()} if kind else _("a ZIP archive")
        raise WorkbookRejected(_("The file is %(found)s, not an Excel workbook (.xlsx).") % {"found": found})


def _check_unpacked_sizes(archive, entries):
    """Refuse a file by what its ZIP directory declares its parts unpack to: how many parts, each one
    (a sheet named by its name) and all of them. The parts are then read through a counter that holds
    them to these limits, should the directory lie."""
    if len(entries) > MAX_PARTS:
        raise WorkbookRejected(
            _(
                "The file holds %(count)s parts; a workbook holds at most %(limit)s: "
                "it is not a workbook this platform reads."
            )
            % {"count": f"{len(entries):,}", "limit": f"{MAX_PARTS:,}"}
        )
    part_limit, total_limit = settings.WORKBOOK_MAX_PART_SIZE, settings.WORKBOOK_MAX_UNPACKED_SIZE
    for entry in entries:
        if entry.file_size > part_limit:
            sheet = _sheet_of(archive, entry.filename)
            params = {"size": filesizeformat(entry.file_size), "limit": filesizeformat(part_limit)}
            if sheet:
                raise WorkbookRejected(
                    _(
                        "The sheet “%(sheet)s” unpacks to %(size)s; a sheet may unpack to at most %(limit)s. "
                        "Split it into several workbooks."
                    )
                    % {**params, "sheet": sheet}
                )
            raise WorkbookRejected(
                _(
                    "The part “%(part)s” of the file unpacks to %(size)s; a part may unpack to at most %(limit)s: "
                    "it is not a workbook this platform reads."
                )
                % {**params, "part": entry.filename}
            )
    total = sum(entry.file_size for entry in entries)
    if total > total_limit:
        raise WorkbookRejected(
            _(
                "The file unpacks to %(size)s; a workbook may unpack to at most %(limit)s. "
                "Split it into several workbooks."
            )
            % {"size": filesizeformat(total), "limit": filesizeformat(total_limit)}
        )


def _sheet_of(archive, part):
    """The name of the sheet stored in `part`, if the workbook's own parts can say."""
    try:
        sheets = workbook_parts(archive)["sheets"]
    except (WorkbookRejected, etree.XMLSyntaxError, KeyError, ValueError):
        return None
    return next((name for name, sheet_part in sheets.items() if sheet_part == part), None)


def _declares_dtd(archive, entry):
    """Does an XML part of the workbook start with a DTD (the way to entity expansion and external
    entities)? Read from the part's head: the prolog of a part Excel writes is a line. A DTD further
    on is refused by the parser that reads the part (iisg.core.workbook.parts)."""
    if not entry.filename.endswith((".xml", ".rels", ".vml")):
        return False
    with archive.open(entry) as part:
        return b"<!DOCTYPE" in part.read(64 * 1024).upper()


def _describe(head):
    if head.startswith(b"%PDF-"):
        return _("a PDF document")
    return describe(head)


def workbook_parts(archive):
    """The part of each sheet by its name, in the workbook's order, and the parts of the shared texts
    and of the styles (None when the file has none). Raises WorkbookRejected for a workbook with more
    than MAX_SHEETS sheets, or whose description parts are too big to be Excel's."""
    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if archive.getinfo(name).file_size > MANIFEST_MAX_SIZE:
            raise damaged()
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), XML_PARSER)
    relationships = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), XML_PARSER)
    targets, by_type = {}, {}
    for relationship in relationships.iter(f"{{{PACKAGE_NS}}}Relationship"):
        target = relationship.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[relationship.get("Id")] = target
        by_type[relationship.get("Type", "").rsplit("/", 1)[-1]] = target
    sheets = {
        sheet.get("name"): targets.get(sheet.get(f"{{{RELATIONSHIP_NS}}}id"), "")
        for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet")
    }
    if len(sheets) > MAX_SHEETS:
        raise WorkbookRejected(
            _("The file has %(count)s sheets; a workbook may have at most %(limit)s.")
            % {"count": f"{len(sheets):,}", "limit": MAX_SHEETS}
        )
    properties = workbook.find(f"{{{MAIN_NS}}}workbookPr")
    date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
    return {
        "sheets": sheets,
        "strings": by_type.get("sharedStrings"),
        "styles": by_type.get("styles"),
        "epoch": CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900,
    }
