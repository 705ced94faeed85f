"""The one cleaning step of text on the way in, and the printable text on the way out."""

import pytest

from iisg.core.text import UnsafeText, clean_text, printable


def test_clean_text_normalises_to_nfc_and_trims():
    decomposed = "  Cafe\u0301 za granicnu policiju \n"
    assert clean_text(decomposed) == "Café za granicnu policiju"


def test_clean_text_turns_words_line_and_page_breaks_into_line_breaks():
    assert clean_text("first line\x0bsecond\x0cthird") == "first line\nsecond\nthird"


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x08", "\x1f", "\ufffe", "\ud800"])
def test_clean_text_refuses_characters_xml_cannot_hold_naming_them(character):
    with pytest.raises(UnsafeText) as refused:
        clean_text(f"Border{character}police")
    assert f"U+{ord(character):04X}" in str(refused.value)
    assert "position 7" in str(refused.value)


def test_clean_text_keeps_tabs_and_line_breaks():
    assert clean_text("a\tb\r\nc") == "a\tb\r\nc"


def test_clean_text_leaves_none_alone():
    assert clean_text(None) is None


def test_printable_drops_what_xml_cannot_hold_and_keeps_the_rest():
    assert printable("Esc\x1b[31m red\x0bnext") == "Esc[31m red\nnext"
    assert printable(None) == ""
    assert printable(12) == "12"


@pytest.mark.django_db
def test_a_record_is_cleaned_before_it_is_checked_and_a_control_character_is_refused_by_field():
    from django.core.exceptions import ValidationError

    from iisg.core.tests.factories import NeedFactory

    need = NeedFactory()
    need.title = "  Cafe\u0301 at the crossing  "
    need.full_clean()
    assert need.title == "Café at the crossing"
    need.title, need.description = "Border\x1bpolice", "fine"
    with pytest.raises(ValidationError) as refused:
        need.full_clean()
    assert list(refused.value.message_dict) == ["title"]
    assert "U+001B" in refused.value.message_dict["title"][0]
