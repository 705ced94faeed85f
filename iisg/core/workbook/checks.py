"""The uploaded file before openpyxl opens it: its size, its kind, encryption, what its ZIP unpacks
to, a DTD in its XML; and the merged ranges, read from the XML because openpyxl's read-only mode
skips them."""

import io
import posixpath
import re
import zipfile

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from lxml import etree

# The limits (MAX_…) are stated once, in the package, and read from it at each use.
from iisg.core import workbook as limits
from iisg.core.uploads import describe, document_kind

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
# A safe parser for the few parts read here: no entities, no network.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class WorkbookRejected(Exception):
    """The upload is not a workbook that can be read at all; the message says why, for a person."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


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
            declares_dtd = not any(entry.flag_bits & 0x1 for entry in entries) and any(
                _declares_dtd(archive, entry) for entry in entries
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise WorkbookRejected(_("The file is a damaged ZIP archive, not an Excel workbook (.xlsx).")) from None
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise WorkbookRejected(
            _("The file is password-protected or an old .xls workbook: save it as an unprotected .xlsx workbook.")
        )
    # zipfile never inflates an entry past the size its directory declares, so the sum bounds the work.
    if sum(entry.file_size for entry in entries) > limits.MAX_UNPACKED_SIZE:
        raise WorkbookRejected(
            _("The file unpacks to more than %(limit)s: it is not a workbook this platform reads.")
            % {"limit": filesizeformat(limits.MAX_UNPACKED_SIZE)}
        )
    if declares_dtd:
        raise WorkbookRejected(
            _("The file declares a DTD, which Excel never writes: it is not a workbook this platform reads.")
        )
    kind = document_kind(io.BytesIO(data))
    if kind != "xlsx":
        found = _("a %(kind)s document") % {"kind": kind.upper()} if kind else _("a ZIP archive")
        raise WorkbookRejected(_("The file is %(found)s, not an Excel workbook (.xlsx).") % {"found": found})


def _declares_dtd(archive, entry):
    """Does an XML part of the workbook start with a DTD (the way to entity expansion and external
    entities)? Read from the part's head: the prolog of a part Excel writes is a line."""
    if not entry.filename.endswith((".xml", ".rels", ".vml")) or entry.file_size > limits.MAX_UNPACKED_SIZE:
        return False
    with archive.open(entry) as part:
        return b"<!DOCTYPE" in part.read(64 * 1024).upper()


def _describe(head):
    if head.startswith(b"%PDF-"):
        return _("a PDF document")
    return describe(head)


def _sheet_parts(archive):
    """The name of each sheet → its part in the ZIP."""
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), XML_PARSER)
    relationships = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), XML_PARSER)
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relationships.iter(f"{{{PACKAGE_NS}}}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{RELATIONSHIP_NS}}}id"), "")
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return parts


def merged_ranges(data, names):
    """The merged ranges of the named sheets, read from the XML: openpyxl's read-only mode skips them."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = _sheet_parts(archive)
        for name in names:
            part = parts.get(name)
            if not part:
                continue
            ranges, tail = [], b""
            with archive.open(part) as stream:
                while chunk := stream.read(1 * limits.MB):
                    text = tail + chunk
                    ranges += [match.decode() for match in MERGE_CELL.findall(text)]
                    # Keep the end of the chunk: a tag may straddle two chunks (and is then found once).
                    cut = text.rfind(b"<")
                    tail = text[cut:] if cut >= 0 and b">" not in text[cut:] else b""
            found[name] = ranges
    return found
