"""The upload form of the IATI import in the back office."""

import codecs
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from iisg.core.uploads import describe
from iisg.directory.models import Partner

from .services import source_name_of

# The six partners, whose activities the import keeps unless told otherwise.
PARTNER_CODES = ("AL", "BA", "XK", "ME", "MK", "RS")
HEAD_BYTES = 4096
# Byte order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
XML_START = ("<?xml", "<iati-activities", "<iati-activity")
SECTOR_PREFIX = re.compile(r"^\d{1,5}$")


def looks_like_iati_xml(head):
    """Do these first bytes of a file start like an IATI activity file: after a byte order mark and
    blank space, `<?xml`, `<iati-activities` or `<iati-activity`?"""
    encoding = "utf-8"
    for bom, name in BOMS:
        if head.startswith(bom):
            head, encoding = head[len(bom) :], name
            break
    # A cut in the middle of a character at the end of the head does not matter here.
    text = head.decode(encoding, errors="ignore").lstrip()
    return text.startswith(XML_START)


def what_it_looks_like(head):
    """What a refused file seems to be, in words (iisg.core.uploads knows the rest but PDF)."""
    return _("a PDF document") if head.startswith(b"%PDF-") else describe(head)


def partner_choices():
    return [(partner.code, partner.display_name) for partner in Partner.objects.all()]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("IATI activity file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    countries = forms.MultipleChoiceField(
        label=_("Recipient countries"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist inline"}),
        help_text=_(
            "Only activities for one of these countries (on the activity or on a transaction) are imported. "
            "None ticked: activities for every country."
        ),
    )
    sector_prefixes = forms.CharField(
        label=_("Sector codes"),
        required=False,
        help_text=_(
            "Only activities with a DAC sector code starting with one of these are imported, separated by "
            "commas: 15210, 152. Empty: every sector."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = partner_choices()
        self.fields["countries"].choices = choices
        self.fields["countries"].initial = [code for code, _name in choices if code in PARTNER_CODES]
        self.fields["file"].help_text = _("An XML file of IATI activities, at most %(size)s.") % {
            "size": filesizeformat(settings.IATI_UPLOAD_MAX_BYTES)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = source_name_of(upload)
        limit = settings.IATI_UPLOAD_MAX_BYTES
        # By the size alone first: nothing of a file that is too large is read.
        if upload.size > limit:
            raise ValidationError(
                _("“%(name)s” is %(size)s; an IATI file may be at most %(limit)s."),
                code="file_too_large",
                params={"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        upload.seek(0)
        if not looks_like_iati_xml(head):
            raise ValidationError(
                _(
                    "“%(name)s” is not an IATI XML file: it looks like %(found)s. An activity file starts "
                    "with <?xml or <iati-activities."
                ),
                code="not_xml",
                params={"name": name, "found": what_it_looks_like(head)},
            )
        return upload

    def clean_sector_prefixes(self):
        prefixes = [item.strip() for item in self.cleaned_data["sector_prefixes"].split(",") if item.strip()]
        wrong = [item for item in prefixes if not SECTOR_PREFIX.match(item)]
        if wrong:
            raise ValidationError(
                _("%(wrong)s: a sector code is one to five digits, as in 15210 or 152."),
                code="sector_prefix",
                params={"wrong": ", ".join(f"“{item}”" for item in wrong)},
            )
        return tuple(dict.fromkeys(prefixes))
