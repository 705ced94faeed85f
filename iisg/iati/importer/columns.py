"""Fitting a value to the columns of the actions tables: shared by the run, the child rows and the
organisations."""

from iisg.actions.models import Action

HISTORY_REASON_LENGTH = Action.history.model._meta.get_field("history_change_reason").max_length


def clip(text, length):
    """`text` (None as "") cut to a column of `length` characters, an ellipsis marking the cut."""
    text = text or ""
    return text if len(text) <= length else text[: length - 1] + "…"


def is_currency(code):
    """Whether `code` looks like an ISO 4217 currency code, as the currency columns require."""
    return bool(code) and len(code) == 3 and code.isalpha() and code.isupper()


def history_reason(template, *, file, **values):
    """The change reason of a history row, `template` filled with `values` and the name of the
    `file`, cut so that the sentence fits the column whole: a long file name loses its end, not
    the sentence."""
    room = HISTORY_REASON_LENGTH - len(template % {**values, "file": ""})
    return clip(template % {**values, "file": clip(file, max(room, 1))}, HISTORY_REASON_LENGTH)
