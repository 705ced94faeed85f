"""Fitting a value to the columns of the actions tables: shared by the run, the child rows and the
organisations."""


def clip(text, length):
    """`text` (None as "") cut to a column of `length` characters, an ellipsis marking the cut."""
    text = text or ""
    return text if len(text) <= length else text[: length - 1] + "…"


def is_currency(code):
    """Whether `code` looks like an ISO 4217 currency code, as the currency columns require."""
    return bool(code) and len(code) == 3 and code.isalpha() and code.isupper()
