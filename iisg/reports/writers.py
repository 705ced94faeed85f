"""The formats a report is written in: each writer takes a Document and gives the file's bytes."""

from .pdf import render_pdf
from .word import render_docx
from .xlsx import render_xlsx

WRITERS = {"pdf": render_pdf, "xlsx": render_xlsx, "docx": render_docx}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
