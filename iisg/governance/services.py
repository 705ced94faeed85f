"""Products of the IISG (methodologies, templates, reports, work plans, strategies) as business
operations: the Secretariat adds and edits them, proposes them to the Board, and records the
Board's adoption by a decision.

Like the other services: keyword-only arguments, `can()` asked inside, one transaction, every
change recorded in the history with the user and the comment, refusals as the errors of
iisg.needs.errors. A product's status moves only by propose_product and adopt_product (and
reopen_product), never by editing its form: an adopted product is public, and the decision that
adopted it is what the public page cites.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.errors import CommentRequired, InvalidTransition, NotAllowed
from iisg.core.history import record, record_deletion
from iisg.core.permissions import can
from iisg.core.text import clean_comment

from .choices import DecisionKind, ProductKind, ProductStatus
from .models import Product, ProductVersion

# What editing a product may change; its status and adoption move by the steps below.
EDITABLE_FIELDS = ("title", "slug", "kind", "description")


def _locked(product):
    return Product.objects.select_for_update().get(pk=product.pk)


def _allowed(user, product, verb=Verb.CHANGE):
    if not can(user, verb, product):
        raise NotAllowed(_("Only the Secretariat manages the products."))


@transaction.atomic
def create_product(*, user, product, pillars=(), comment=""):
    """Add `product` (unsaved, in process) with its pillars. Secretariat only.
    Raises NotAllowed, ValidationError."""
    product.status = ProductStatus.IN_PROCESS
    product.adopted_by = None
    _allowed(user, product, Verb.ADD)
    product.full_clean()
    record(product, user=user, reason=clean_comment(comment) or _("Created"))
    product.pillars.set(pillars)
    return product


@transaction.atomic
def update_product(*, user, product, changes, pillars=None, comment=""):
    """Change what a product says (EDITABLE_FIELDS) and its pillars. Secretariat only.
    Raises NotAllowed, ValidationError."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}; the steps change the status.")
    stored = _locked(product)
    _allowed(user, stored)
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.full_clean()
    record(stored, user=user, reason=clean_comment(comment) or _("Changed"))
    if pillars is not None:
        stored.pillars.set(pillars)
    return stored


@transaction.atomic
def delete_product(*, user, product, comment=""):
    """Delete a product that is not adopted (an adopted one is part of the record). Raises
    NotAllowed, InvalidTransition."""
    stored = _locked(product)
    _allowed(user, stored, Verb.DELETE)
    if stored.status == ProductStatus.ADOPTED:
        raise InvalidTransition(_("“%(product)s” is adopted: it stays on the record.") % {"product": stored})
    record_deletion(stored, user=user, reason=clean_comment(comment) or _("Deleted"))


@transaction.atomic
def propose_product(*, user, product, comment=""):
    """Record that a product in process is proposed to the Board. Secretariat only.
    Raises NotAllowed, InvalidTransition."""
    stored = _locked(product)
    _allowed(user, stored)
    if stored.status != ProductStatus.IN_PROCESS:
        raise InvalidTransition(
            _("“%(product)s” is %(status)s: only a product in process is proposed.")
            % {"product": stored, "status": stored.get_status_display().lower()}
        )
    stored.status = ProductStatus.PROPOSED
    record(stored, user=user, reason=clean_comment(comment) or _("Proposed to the Board"))
    return stored


@transaction.atomic
def adopt_product(*, user, product, decision, comment=""):
    """Record the Board's adoption of a product by `decision`: it becomes public with the decision
    it cites. A decision that adopted a product adopts any; one that approved a work plan, a work
    plan. An adoption made before the platform kept the decisions is recorded with `decision=None`
    and a comment that says so. Secretariat only.
    Raises NotAllowed, InvalidTransition, CommentRequired."""
    stored = _locked(product)
    _allowed(user, stored)
    if stored.status == ProductStatus.ADOPTED:
        raise InvalidTransition(_("“%(product)s” is already adopted.") % {"product": stored})
    comment = clean_comment(comment)
    if decision is None and not comment:
        raise CommentRequired(
            _("Name the Board decision that adopted “%(product)s”, or say why none is on record.") % {"product": stored}
        )
    if decision is not None and not adopts(decision, stored):
        raise InvalidTransition(
            _("The decision “%(decision)s” did not adopt “%(product)s”.")
            % {"decision": decision.text[:80], "product": stored}
        )
    stored.status = ProductStatus.ADOPTED
    stored.adopted_by = decision
    record(stored, user=user, reason=comment or _("Adopted by the Board: %(decision)s") % {"decision": decision})
    return stored


@transaction.atomic
def add_product_version(*, user, product, version, file, published_on=None, notes="", comment=""):
    """Add version `version` of `product` holding `file` (a django File named as what it is: a PDF,
    DOCX, XLSX, PPTX, ODT or ODS document), as the back office's versions do. The product's status
    does not move: a version of a product in process is read by members only. Secretariat only.
    Raises NotAllowed, ValidationError (not a document, a version the product already has)."""
    stored = _locked(product)
    _allowed(user, stored)
    added = ProductVersion(product=stored, version=version, file=file, published_on=published_on, notes=notes)
    added.full_clean()
    reason = clean_comment(comment) or _("Version %(version)s added") % {"version": version}
    return record(added, user=user, reason=reason)


def adopts(decision, product):
    """Can `decision` be the one that adopted `product`?"""
    if decision.kind == DecisionKind.ADOPT_PRODUCT:
        return True
    return decision.kind == DecisionKind.APPROVE_WORK_PLAN and product.kind == ProductKind.WORK_PLAN


@transaction.atomic
def reopen_product(*, user, product, comment):
    """Take a proposed or adopted product back in process (the Board asked for a new version),
    saying why; it leaves the public pages. Secretariat only.
    Raises NotAllowed, InvalidTransition."""
    stored = _locked(product)
    _allowed(user, stored)
    if stored.status == ProductStatus.IN_PROCESS:
        raise InvalidTransition(_("“%(product)s” is already in process.") % {"product": stored})
    comment = clean_comment(comment)
    if not comment:
        raise CommentRequired(_("Say why “%(product)s” is taken back in process.") % {"product": stored})
    stored.status = ProductStatus.IN_PROCESS
    stored.adopted_by = None
    record(stored, user=user, reason=comment)
    return stored
