"""The streaming IATI parser: an activity file of any version in, `Activity` and `Problem` out.

`read()` hands lxml the file's raw bytes through a hardened `iterparse` (no DTD, no entity, no
network) and clears every activity and its earlier siblings once read, so memory stays flat
whatever the file size. What it decides follows ../shared/data/iati/PITFALLS.md row by row, each
module saying its part:

- `input`: getting the bytes to lxml (encodings, BOM, blank space before `<?xml`, hardening);
- `file`: the file as a whole (its root, the version each activity is read as, the schema check of
  2.0x activities, the size cap, refusal as a `BrokenFile`);
- `reader`: one activity, element by element, and the checks across its elements;
- `values`: the dates, numbers, money, codes and narratives inside the elements.
"""

from .file import MAX_ACTIVITY_BYTES, BrokenFile, activity_schema, read
from .input import HARDENED
from .reader import PERCENT_TOLERANCE, content_hash
from .values import XML_LANG

__all__ = [
    "HARDENED",
    "MAX_ACTIVITY_BYTES",
    "PERCENT_TOLERANCE",
    "XML_LANG",
    "BrokenFile",
    "activity_schema",
    "content_hash",
    "read",
]
