"""Text on the way in and on the way out: the one cleaning step every text field goes through.

On the way in (`clean_text`), whatever door the text came through (the back office, the API, a
workbook, an import): Unicode normalised to NFC, so "é" typed and "é" pasted compare equal;
surrounding white space trimmed; the line and page breaks Word pastes (U+000B, U+000C) turned into
line breaks; and every other character that XML 1.0 and spreadsheets cannot hold (the C0 control
characters but tab, line feed and carriage return; lone surrogates; U+FFFE, U+FFFF) refused with
`UnsafeText`, which names the character and where it is. Stored text therefore always fits the
workbooks, the reports and the IATI XML.

On the way out (`printable`): rows written before this rule, or around it, still hold such
characters; a download strips them rather than failing half-way.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# XML 1.0 Char production, as a set of what it excludes.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
WORD_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


class UnsafeText(ValueError):
    """Text holding a character that XML and spreadsheets cannot hold; the message says which."""


def clean_text(value):
    """`value` normalised for storage (NFC, trimmed, Word's breaks as line breaks); None stays None.

    Raises UnsafeText for a control character (or another character XML 1.0 excludes)."""
    if value is None:
        return None
    text = str(value).translate(WORD_BREAKS)
    found = NOT_XML.search(text)
    if found:
        raise UnsafeText(
            _("holds the control character U+%(code)04X at position %(position)d, which cannot be stored: remove it")
            % {"code": ord(found.group()), "position": found.start() + 1}
        )
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.strip()


def printable(value):
    """`value` as text any XML document or spreadsheet can hold: the excluded characters dropped."""
    if value is None:
        return ""
    text = str(value)
    if NOT_XML.search(text):
        text = NOT_XML.sub("", text.translate(WORD_BREAKS))
    return text


def clean_comment(comment):
    """The comment of a workflow step (why a need is returned, a change's reason), cleaned like any
    text; a ValidationError names the comment when it cannot be stored."""
    try:
        return clean_text(comment or "")
    except UnsafeText as error:
        raise ValidationError({"comment": str(error)}) from None
