"""The error answers every operation may give, added to the OpenAPI description so that clients
(and the schema tests) know them: drf-spectacular documents the successful answers only."""

from django.utils.translation import gettext_lazy as _

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A refused step, or a change to a record someone else saved since the client read it (`version`:
# the one it is at now).
CONFLICT = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "version": {"type": "integer"}},
    "required": ["detail"],
}
# A refused input names the fields it refuses, each with its messages, or gives a `detail`.
INVALID = {"type": "object", "additionalProperties": True}
WRITES = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = {"400": INVALID, "401": DETAIL, "403": DETAIL}
            paged = any(parameter.get("name") == "page" for parameter in operation.get("parameters", []))
            if "{" in path or paged:  # an unknown record, or a page past the last
                errors["404"] = DETAIL
            if method in WRITES:
                errors["409"] = CONFLICT
            for code, schema in errors.items():
                responses.setdefault(
                    code,
                    {"description": str(ERRORS[code]), "content": {"application/json": {"schema": schema}}},
                )
    return result


ERRORS = {
    "400": _("The request is not valid: each refused field with its messages."),
    "401": _("No credentials or an unknown token."),
    "403": _("Your role does not allow this, or a change was sent without a token."),
    "404": _("No such record, or one you may not see."),
    "409": _(
        "The record is not in a state that allows this step, or someone changed it after you read it "
        "(`version` says which version it is at now)."
    ),
}
