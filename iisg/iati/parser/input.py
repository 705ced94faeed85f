"""Getting a file's bytes to lxml: the encoding, the BOM, the blank space before `<?xml`, and the
parser's hardening (PITFALLS.md rows 14 and 16).

lxml is handed the raw bytes, never text decoded here first: UTF-16 and UTF-32 are read as they
come, and a BOM stays. Blank lines before `<?xml` go. Bytes that are not UTF-8 in a file that says
it is (or says nothing) are transcoded by hand only after lxml refused them, as windows-1252, on a
second pass from the start, with a warning for the file. `HARDENED` are the parser options every
read of IATI XML uses: no DTD, no entity, no network.
"""

import codecs
from pathlib import Path

from .values import child_text

HEAD_BYTES = 64 * 1024  # read before parsing: the encoding, the blank lines to drop, the root
HARDENED = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    # libxml2's own limits (text nodes, depth, entity amplification) stay on.
    "huge_tree": False,
}
_WINDOWS_1252 = "iati-windows-1252"


def _windows_1252(error):
    """Decode the bytes UTF-8 refused as windows-1252 (its five unassigned bytes as Latin-1)."""
    bad = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error(_WINDOWS_1252, _windows_1252)


class Input:
    """The file's bytes as lxml reads them: leading blank space dropped, counted for progress and
    the size cap, and transcoded by hand only after lxml refused them."""

    def __init__(self, source, progress=None):
        self.progress = progress
        self.reported = 0  # progress never goes back, even when a second pass reads the file again
        self.owned = isinstance(source, str | Path)
        self.handle = open(source, "rb") if self.owned else source  # noqa: SIM115 (closed by __exit__)
        self.start = self.handle.tell() if self.handle.seekable() else None
        self.total = None
        if self.start is not None:
            self.total = self.handle.seek(0, 2) - self.start
            self.handle.seek(self.start)
        self.transcoding = False
        self.watched = None  # the activity being read, while it is not complete
        self._prepare()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.owned:
            self.handle.close()

    def _prepare(self):
        self.done = 0
        self.watch(None)
        head = self._raw(HEAD_BYTES)
        self.unit, self.bom, self.codec = _encoding_family(head)
        self.encoding = None
        if self.unit == 4:
            # libxml2 reads UTF-32 only when told; the bytes still go to it untouched.
            self.encoding = self.codec if not self.bom else "UTF-32"
        body = head[len(self.bom) :]
        blanks = {c.encode(self.codec) for c in " \t\r\n"}
        while body:
            offset = 0
            while body[offset : offset + self.unit] in blanks:
                offset += self.unit
            body = body[offset:]
            if body:
                break
            body = self._raw(HEAD_BYTES)
        self.head = self.first_bytes = self.bom + body
        self.decoder = None

    def _raw(self, size):
        data = self.handle.read(size)
        self.done += len(data)
        if self.progress is not None and self.done >= self.reported + (self.total or 400 * 1024 * 1024) // 100:
            self.reported = self.done
            self.progress(self.done, self.total)
        return data

    def report_end(self):
        if self.progress is not None:
            self.progress(self.total if self.total is not None else max(self.done, self.reported), self.total)

    def restart_as_windows_1252(self):
        """Read again from the start, the bytes that are not UTF-8 taken as windows-1252."""
        if self.start is None:
            return False
        self.handle.seek(self.start)
        self._prepare()
        self.transcoding = True
        self.encoding = "UTF-8"
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors=_WINDOWS_1252)
        return True

    def watch(self, element, cap=None):
        self.watched, self.watched_at, self.cap, self.oversized = element, self.done, cap, None

    def read(self, size):
        if self.watched is not None and self.done - self.watched_at > self.cap:
            self._drop_watched()
        while True:
            if self.head:
                data, self.head = self.head, b""
            else:
                data = self._raw(size)
            if self.decoder is None:
                return data
            text = self.decoder.decode(data, final=not data)
            if text or not data:
                return text.encode("utf-8")

    def _drop_watched(self):
        """Drop what the oversized activity holds so far, but the elements still open (the last
        child at each level), which the parser is filling."""
        activity = self.watched
        if self.oversized is None:
            self.oversized = (child_text(activity, "iati-identifier") or "").strip()
        node = activity
        while len(node):
            for child in node[:-1]:
                node.remove(child)
            node = node[-1]


def _encoding_family(head):
    """(bytes per unit, BOM, codec) of the file from its first bytes; 8-bit files (UTF-8 and the
    like) say latin-1, enough to find blank space and a DOCTYPE."""
    for bom, unit, codec in (
        (codecs.BOM_UTF32_LE, 4, "UTF-32LE"),
        (codecs.BOM_UTF32_BE, 4, "UTF-32BE"),
        (codecs.BOM_UTF8, 1, "utf-8"),
        (codecs.BOM_UTF16_LE, 2, "UTF-16LE"),
        (codecs.BOM_UTF16_BE, 2, "UTF-16BE"),
    ):
        if head.startswith(bom):
            return unit, bom, codec
    zeros = tuple(b == 0 for b in head[:4])
    family = {
        (False, True, True, True): (4, "UTF-32LE"),
        (True, True, True, False): (4, "UTF-32BE"),
        (False, True, False, True): (2, "UTF-16LE"),
        (True, False, True, False): (2, "UTF-16BE"),
    }.get(zeros, (1, "latin-1"))
    return family[0], b"", family[1]
