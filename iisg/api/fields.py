from rest_framework import serializers

from iisg.core.choices import Verb
from iisg.core.permissions import can, visible


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another record, by id, among those the user may see: a record they may not
    see is "does not exist" to them, as it is everywhere else."""

    def get_queryset(self):
        return visible(self.context["request"].user, super().get_queryset())


class VisibleReferenceField(serializers.PrimaryKeyRelatedField):
    """A read-only reference, by id, that is null to a user who may not see the record it names (a
    product adopted by a decision of a meeting whose event is unpublished): the id alone would tell
    that the record exists. The view loads the referenced record with what its rule reads."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return value.pk if can(self.context["request"].user, Verb.VIEW, value) else None


class ExpectedVersionField(serializers.IntegerField):
    """The version of the record the client read (it is in every answer). A change must send it
    back: if someone else saved the record since, the change is refused with 409 Conflict, not
    written over theirs (iisg.core.concurrency). Not needed to create a record."""

    default_error_messages = {
        "required": "Send the version you read (the record's `version`): a change made since by someone else "
        "is then refused instead of overwritten.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "The version you read; required to change the record (409 if it moved on).")
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is serializers.empty and getattr(self.parent, "instance", None) is not None:
            self.fail("required")
        return super().validate_empty_values(data)


def expected_version():
    return ExpectedVersionField()
