import django_filters
from django import forms

# The largest whole number the databases store (a 64-bit integer): beyond it SQLite fails
# instead of finding nothing, so a filter refuses it first.
LARGEST = 2**63 - 1


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number (an id, a year), refused with a 400 when it cannot be one."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value=0, max_value=LARGEST, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
