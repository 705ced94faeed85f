"""The file as a whole: its root element, its version routing, and its refusal as a BrokenFile.

- Refused as a whole (BrokenFile, with the line and lxml's reason): a file that is not well formed,
  carries a DTD (any DOCTYPE, even one without entities), has a root other than `iati-activities`
  (a single `iati-activity`, which some 1.0x publishers send, is read as a file of one), or cannot
  be decoded.
- Versions: the activity's @version, else the root's; 1.x is read as 1.0x, 2.x as 2.0x. A missing or
  junk version is stored as "unknown", reported once for the file, and each activity is read as
  1.0x when its titles, names or descriptions sit directly in their elements without narratives,
  else as 2.0x.
- 2.0x activities are checked against the 2.03 schema: one that breaks it is rejected with the
  schema's message; a root that breaks it (no version, a generated-datetime without a time) is an
  error for the file (identifier "") while its activities still import.
- One activity larger than `max_activity_bytes` is rejected with its size; its elements are dropped
  as it streams by. Every activity and its earlier siblings are cleared once read, so memory stays
  flat whatever the file size.
"""

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from ..activity import Problem, Unchanged
from .input import HARDENED, Input
from .reader import ActivityReader, content_hash
from .values import XML_LANG, child_text

MAX_ACTIVITY_BYTES = 20 * 1024 * 1024
_ROOTS = ("iati-activities", "iati-activity")
_VERSION = re.compile(r"([12])\.\d{1,2}")
_LINE_SUFFIX = re.compile(r",? line \d+, column \d+$")
_V1_TEXTS = ("title", "description", "reporting-org", "participating-org", "activity-status", "sector")


class BrokenFile(Exception):
    """The file is refused as a whole: not well formed, a DTD, not IATI, or not decodable."""

    def __init__(self, reason, line=None):
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


def read(source, *, codes=None, progress=None, max_activity_bytes=MAX_ACTIVITY_BYTES, known=None):
    """Yield, in file order, an `Activity` for each accepted activity (its warnings in
    `.problems`), a `Problem(severity="error")` for each rejected one, and Problems with no
    identifier for the file itself.

    `source` is a path or a binary file object (read from where it stands, not closed). `codes`
    maps codelist names to their codes; a code missing from its codelist is reported. `progress`
    is called with (bytes read, file size or None) about every 1% and once at the end. An
    activity larger than `max_activity_bytes` is rejected. `known` maps identifiers to the content
    hashes the caller holds: an activity whose identifier and hash match is yielded as `Unchanged`,
    neither checked nor read again (a re-import of the same file). Raises BrokenFile, possibly after some
    items were yielded, when the file is refused as a whole.
    """
    with Input(source, progress) as data:
        yield from _File(data, codes=codes or {}, max_activity_bytes=max_activity_bytes, known=known).items()


@cache
def activity_schema():
    """The IATI 2.03 activity schema, loaded once, from local files only."""
    path = Path(settings.SHARED_DATA_DIR) / "iati" / "schema" / "iati-activities-schema.xsd"
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(**HARDENED)))


class _File:
    """One pass over a file, kept across a second pass when the bytes had to be transcoded."""

    def __init__(self, data, *, codes, max_activity_bytes, known=None):
        self.data = data
        self.codes = codes
        self.known = known or {}
        self.cap = max_activity_bytes
        self.noted = set()  # file-level problems already yielded: a second pass finds them again
        self.started_root = False
        self.read_activities = 0
        self.skip = 0

    def items(self):
        self._sniff()
        while True:
            try:
                yield from self._parse()
                return
            except etree.XMLSyntaxError as error:
                if error.code == etree.ErrorTypes.ERR_INVALID_ENCODING and self._retry():
                    continue
                raise self._broken(error) from None

    def _retry(self):
        if self.data.unit != 1 or self.data.transcoding or not self.data.restart_as_windows_1252():
            return False
        self.skip, self.read_activities = self.read_activities, 0
        return True

    def _sniff(self):
        """Refuse a DTD or a foreign root from the first bytes, before streaming a large file."""
        parser = etree.XMLPullParser(events=("start",), encoding=self.data.encoding, **HARDENED)
        try:
            parser.feed(self.data.head)
            root = next((element for _event, element in parser.read_events()), None)
        except etree.XMLSyntaxError:
            return  # the streaming pass meets it again and says why
        if root is not None:
            self._check_document(root)

    def _check_document(self, root):
        info = root.getroottree().docinfo
        if info.internalDTD is not None or info.doctype or info.system_url:
            raise BrokenFile(_dtd_refused(), root.sourceline)
        if root.tag not in _ROOTS:
            raise BrokenFile(
                _("The root element is %(tag)s, not iati-activities: this is not an IATI activity file.")
                % {"tag": root.tag},
                root.sourceline,
            )

    def _broken(self, error):
        reason = _LINE_SUFFIX.sub("", error.msg or str(error))
        if not self.started_root and self._declares_dtd():
            reason = f"{_dtd_refused()} ({reason})"
        elif error.code == etree.ErrorTypes.ERR_INVALID_ENCODING:
            reason = _("The file cannot be decoded: %(reason)s") % {"reason": reason}
        return BrokenFile(reason, error.lineno or None)

    def _declares_dtd(self):
        return "<!DOCTYPE".encode(self.data.codec) in self.data.first_bytes

    def _parse(self):
        data = self.data
        self.started_root = False
        self.root = None
        self.root_checked = False
        seen_activities = 0
        # Comments are dropped: they are not content, and an edited comment must not make an
        # activity's content hash change.
        context = etree.iterparse(
            data, events=("start", "end"), tag=_ROOTS, encoding=data.encoding, remove_comments=True, **HARDENED
        )
        if data.transcoding:
            yield from self._note(
                _("The file is not valid UTF-8: the bytes that are not were read as windows-1252."), "", None
            )
        for event, element in context:
            if event == "start":
                if element.getparent() is None:
                    self.started_root = True
                    yield from self._open(element)
                if element.tag == "iati-activity":
                    data.watch(element, self.cap)
                continue
            if element.tag != "iati-activity":
                continue
            seen_activities += 1
            oversized = data.oversized
            if oversized is None and data.done - data.watched_at > self.cap:
                oversized = (child_text(element, "iati-identifier") or "").strip()
            data.watch(None)
            if self.skip:
                self.skip -= 1
            elif oversized is not None:
                self.read_activities += 1
                yield Problem(
                    "error",
                    _("The activity is larger than the %(cap)s MB allowed for one activity; it was left out.")
                    % {"cap": f"{self.cap / (1024 * 1024):g}"},
                    oversized,
                    element.sourceline,
                    "iati-activity",
                )
            else:
                self.read_activities += 1
                yield from self._activity(element)
            _clear(element)
        if context.root is None or not self.started_root:
            root = context.root
            raise BrokenFile(
                _("The root element is %(tag)s, not iati-activities: this is not an IATI activity file.")
                % {"tag": root.tag if root is not None else "missing"},
                root.sourceline if root is not None else None,
            )
        if not seen_activities:
            if self.version_major is None and not self.root_checked:
                yield from self._check_root()
            yield from self._note(_("The file holds no activity."), "iati-activity", context.root.sourceline)
        data.report_end()

    def _open(self, root):
        """The root's checks and defaults: a DTD, the version, the language."""
        self._check_document(root)
        self.root = root
        self.bare = root.tag == "iati-activity"
        self.root_lang = "" if self.bare else (root.get(XML_LANG) or "").strip()
        self.root_version = "" if self.bare else (root.get("version") or "").strip()
        match = _VERSION.fullmatch(self.root_version)
        self.version_major = match.group(1) if match else None
        if self.bare:
            yield from self._note(
                _("The file's root is a single iati-activity, not iati-activities: it is read as a file of one."),
                "iati-activity",
                root.sourceline,
            )
        elif self.version_major is None:
            yield from self._note(
                _(
                    "The file's IATI version is %(version)s: each activity is read as 1.0x when its texts "
                    "sit directly in their elements, else as 2.0x, and its version is stored as unknown."
                )
                % {"version": repr(self.root_version) if self.root_version else _("missing")},
                "iati-activities/@version",
                root.sourceline,
            )
        elif self.version_major == "2":
            yield from self._check_root()

    def _check_root(self):
        """Check the root's attributes against the schema (its content is checked per activity)."""
        self.root_checked = True
        if self.root is None or self.bare:
            return
        schema = activity_schema()
        schema.validate(etree.Element(self.root.tag, dict(self.root.attrib)))
        for error in schema.error_log:
            if error.type != etree.ErrorTypes.SCHEMAV_ELEMENT_CONTENT:
                yield from self._note(error.message, "iati-activities", self.root.sourceline, severity="error")

    def _note(self, reason, field_name, line, severity="warning"):
        if (reason, field_name) not in self.noted:
            self.noted.add((reason, field_name))
            yield Problem(severity, reason, "", line, field_name)

    def _activity(self, element):
        """The activity of `element`: checked against the schema when 2.0x, then read."""
        own_version = (element.get("version") or "").strip()
        version = own_version or self.root_version
        match = _VERSION.fullmatch(version)
        if match:
            major = match.group(1)
        else:
            major = _layout(element)
            version = "unknown"
        raw_identifier = child_text(element, "iati-identifier")
        identifier = (raw_identifier or "").strip()
        if identifier and identifier in self.known and self.known[identifier] == content_hash(element):
            yield Unchanged(identifier, element.sourceline)
            return
        if major == "2":
            if not self.root_checked and self.version_major is None:
                yield from self._check_root()
            schema = activity_schema()
            if not schema.validate(element):
                yield _schema_problem(schema.error_log, identifier, element.sourceline)
                return
        yield ActivityReader(element, major=major, version=version, codes=self.codes, file_lang=self.root_lang).read(
            raw_identifier
        )


def _layout(activity):
    """The major version an activity without one is written in: 2 when it holds narratives, 1 when
    its names and texts sit directly in their elements, else 2, the current version."""
    if next(activity.iter("narrative"), None) is not None:
        return "2"
    for child in activity.iterchildren(*_V1_TEXTS):
        if child.text and child.text.strip():
            return "1"
    return "2"


def _schema_problem(errors, identifier, line):
    first = errors[0]
    reason = first.message
    if len(errors) > 1:
        reason += " " + _("(and %(count)s more schema errors)") % {"count": len(errors) - 1}
    path = re.sub(r"^/iati-activity/?", "", first.path or "")
    return Problem("error", reason, identifier, first.line or line, path or "iati-activity")


def _clear(element):
    """Free the activity and what came before it in the root: memory stays flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _dtd_refused():
    return _(
        "The file declares a DTD (<!DOCTYPE …>). IATI files have none, and DTDs and entities are refused: "
        "they can expand without end or read other files."
    )
