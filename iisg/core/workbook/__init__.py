"""Excel workbooks in and out of the platform: what the needs and the actions workbooks share.

Download: `write_sheet` lays a sheet out from its `Sheet` description (headers with notes, a frozen
header row, widths, date formats, drop-downs fed by the "Code lists" sheet) and fills in the rows.

Upload: `read_workbook` judges the file before openpyxl opens it (size, kind, encryption, ZIP bomb),
then reads every sheet in read-only mode and returns its rows with every problem it found (missing
sheets or columns, merged cells, formulas, dates as text…), so a person sees them all at once. The
apps add the problems of their own checks and write nothing while there is one. `annotate` makes
the annotated copy of an uploaded workbook: the cells at fault in red with the reason as a comment,
and an "Errors" sheet first.

The modules: `sheets` (what a sheet is, and a problem with one), `checks` (the file before openpyxl
opens it), `reading` (rows, conversion, lookups), `writing` (laying sheets out) and `annotated`
(the annotated copy).

The limits, at the end of this module, are constants, not settings: changing them is a decision for
the code. `checks` and `reading` read them from here each time they use them, so this is the one
place that states them.
"""

from .annotated import ERROR_FILL, annotate
from .checks import OLE2, XML_PARSER, WorkbookRejected, check_file, check_size, merged_ranges
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
    open_workbook,
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
# What the parts of the ZIP may unpack to, all together: a real 20,000-row workbook is far below.
MAX_UNPACKED_SIZE = 200 * MB
MAX_ROWS = 20_000
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
    "MAX_ROWS",
    "MAX_UNPACKED_SIZE",
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
    "merged_ranges",
    "new_workbook",
    "open_workbook",
    "ordered",
    "read_workbook",
    "shown",
    "to_bytes",
    "write_reference_sheet",
    "write_sheet",
]
