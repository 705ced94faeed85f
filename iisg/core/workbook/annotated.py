"""The annotated copy of an uploaded workbook: the cells at fault in red with the reason as a
comment, and an "Errors" sheet first listing every problem, written through
iisg.core.spreadsheet.write_cell: the value of a formula the upload was refused for is shown as
text, not run again."""

import io
import zipfile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ..spreadsheet import write_cell
from ..text import printable
from .sheets import ERRORS_SHEET
from .writing import NOTE_AUTHOR, to_bytes

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
# openpyxl loads the whole file to annotate it, sheets the upload never read included, at some
# twenty times what they unpack to: above this a copy is not made (the problems are still listed).
MAX_ANNOTATED_UNPACKED_SIZE = 32 * 1024 * 1024


def annotate(data, problems):
    """An annotated copy of the uploaded workbook: each cell at fault filled red with the reason as a
    comment, and a first sheet "Errors" listing every problem. None if openpyxl cannot open the file,
    or the file unpacks to more than MAX_ANNOTATED_UNPACKED_SIZE."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(entry.file_size for entry in archive.infolist()) > MAX_ANNOTATED_UNPACKED_SIZE:
                return None
        workbook = load_workbook(io.BytesIO(data))
    except Exception:  # a file refused before it was read has no copy to annotate
        return None
    if ERRORS_SHEET in workbook.sheetnames:
        workbook.remove(workbook[ERRORS_SHEET])  # a re-uploaded annotated copy: the old list is stale
    reasons = {}
    for problem in problems:
        if problem.coordinate and problem.sheet in workbook.sheetnames:
            reasons.setdefault((problem.sheet, problem.coordinate), []).append(problem.reason)
    for (sheet, coordinate), texts in reasons.items():
        cell = workbook[sheet][coordinate]
        cell.fill = ERROR_FILL
        cell.comment = Comment(printable("\n".join(texts)), NOTE_AUTHOR, width=320, height=120)
    errors = workbook.create_sheet(ERRORS_SHEET, 0)
    for column, header in enumerate((_("Sheet"), _("Row"), _("Column"), _("Cell"), _("Value"), _("Reason")), start=1):
        cell = write_cell(errors, 1, column, header)
        cell.font = Font(bold=True)
        cell.fill = ERROR_FILL
    for row, problem in enumerate(problems, start=2):
        values = (problem.sheet, problem.row, problem.column, problem.coordinate, problem.value, problem.reason)
        for column, value in enumerate(values, start=1):
            write_cell(errors, row, column, value)
    for letter, width in zip("ABCDEF", (14, 8, 24, 8, 30, 80), strict=True):
        errors.column_dimensions[letter].width = width
    errors.freeze_panes = "A2"
    workbook.active = 0
    for worksheet in workbook.worksheets:
        worksheet.sheet_view.tabSelected = worksheet.title == ERRORS_SHEET
    return to_bytes(workbook)
