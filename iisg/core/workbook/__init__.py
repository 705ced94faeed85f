"""Excel workbooks in and out of the platform: what the needs and the actions workbooks share.

Download: `write_sheet` lays a sheet out from its `Sheet` description (headers with notes, a frozen
header row, widths, date formats, drop-downs fed by the "Code lists" sheet) and fills in the rows.

Upload: `read_workbook` judges the file before any of its XML is parsed (size, kind, encryption, what
its parts declare to unpack to), then streams every sheet, holding each part to the limits as it
unpacks and reading only the template's columns, and returns its rows with every problem it found
(missing sheets or columns, merged cells, formulas, dates as text…), so a person sees them all at
once. A file past a limit is refused whole, with the sheet, the limit and what was found. The
apps add the problems of their own checks and write nothing while there is one. `annotate` makes
the annotated copy of an uploaded workbook: the cells at fault in red with the reason as a comment,
and an "Errors" sheet first.

The modules: `sheets` (what a sheet is, and a problem with one), `checks` (the file before its XML is
parsed), `parts` (each part streamed within the limits), `reading` (rows, conversion, lookups),
`writing` (laying sheets out) and `annotated` (the annotated copy).

The limits of what one upload may hold are settings (WORKBOOK_MAX_ROWS, WORKBOOK_MAX_CELLS,
WORKBOOK_MAX_PART_SIZE, WORKBOOK_MAX_UNPACKED_SIZE in iisg/settings.py): a site that must take
bigger workbooks raises them. The size of the file and of a cell, at the end of this module, are
constants: `checks` and `reading` read them from here each time they use them.
"""

from .annotated import ERROR_FILL, annotate
from .checks import MAX_PARTS, MAX_SHEETS, OLE2, XML_PARSER, WorkbookRejected, check_file, check_size
from .reading import (
    CONVERTERS,
    ISO_DATE,
    NOT_FOUND,
    Lookup,
    Reading,
    Row,
    choices_lookup,
    is_bad,
    look_up,
    read_workbook,
)
from .sheets import (
    DATE,
    DECIMAL,
    ERRORS_SHEET,
    MONEY,
    TEXT,
    WHOLE,
    Column,
    Outcome,
    Problem,
    Problems,
    Sheet,
    ordered,
    shown,
)
from .writing import (
    CODE_LISTS_SHEET,
    DATE_FORMAT,
    HEADER_FILL,
    NOTE_AUTHOR,
    READ_ONLY_FILL,
    XLSX_CONTENT_TYPE,
    add_code_lists,
    new_workbook,
    to_bytes,
    write_reference_sheet,
    write_sheet,
)

MB = 1024 * 1024
MAX_FILE_SIZE = 10 * MB
MAX_CELL_LENGTH = 32_767  # Excel's own limit of a cell

__all__ = [
    "CODE_LISTS_SHEET",
    "CONVERTERS",
    "DATE",
    "DATE_FORMAT",
    "DECIMAL",
    "ERRORS_SHEET",
    "ERROR_FILL",
    "HEADER_FILL",
    "ISO_DATE",
    "MAX_CELL_LENGTH",
    "MAX_FILE_SIZE",
    "MAX_PARTS",
    "MAX_SHEETS",
    "MB",
    "MONEY",
    "NOTE_AUTHOR",
    "NOT_FOUND",
    "OLE2",
    "READ_ONLY_FILL",
    "TEXT",
    "WHOLE",
    "XLSX_CONTENT_TYPE",
    "XML_PARSER",
    "Column",
    "Lookup",
    "Outcome",
    "Problem",
    "Problems",
    "Reading",
    "Row",
    "Sheet",
    "WorkbookRejected",
    "add_code_lists",
    "annotate",
    "check_file",
    "check_size",
    "choices_lookup",
    "is_bad",
    "look_up",
    "new_workbook",
    "ordered",
    "read_workbook",
    "shown",
    "to_bytes",
    "write_reference_sheet",
    "write_sheet",
]
