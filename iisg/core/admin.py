"""The back office: the Django admin, asking iisg.core.permissions for everything.

Every role logs into the same admin (all users with a role are staff). Django's per-model auth
permissions are never consulted: each model admin and inline here decides with `can()`, narrows
its rows with `visible()`, and checks the object-level rule once more when it saves or deletes,
so a tampered form cannot do what the rules forbid.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.db.models import ManyToManyField
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic
from simple_history.template_utils import HistoricalRecordContextHelper

from . import accounts
from .choices import Role, Verb
from .concurrency import EditConflict, claim_version, conflict
from .errors import WorkflowError
from .history import record, record_deletion
from .permissions import can, permitted, rule_for, viewer_of, visible
from .twofactor import TwoFactorLoginForm

admin.site.site_header = _("IISG Platform — back office")
admin.site.site_title = _("IISG back office")
admin.site.index_title = _("Needs, responses, events and governance")
admin.site.site_url = "/"
admin.site.login_form = TwoFactorLoginForm

NOT_ALLOWED = _("You are not allowed to do this.")

# The menu of each role but the Secretariat (whose menu lists every table it may read): the lists its
# own work is done in, by model label. The tables the Secretariat keeps for the back office
# (codelists, exchange rates, areas, an action's budget, sector and transaction rows, import and
# matcher runs, logins, roles, tokens, the directory's reference lists) stay out of the others' menus.
# A menu is not a permission: a link to such a table, and the API, still answer what the rules let
# the user read.
MEMBERS_READING = frozenset({
    "needs.need", "needs.cycle", "actions.action", "actions.response", "events.event", "governance.meeting",
    "governance.decision", "governance.product", "reports.report", "directory.organisation",
})  # fmt: skip
ACTIONS_WORK = frozenset({"actions.action", "actions.response", "core.workbookrun"})
MENUS = {
    Role.MEMBER: MEMBERS_READING,
    Role.FOCAL_POINT: frozenset({"needs.need", "needs.cycle", "core.workbookrun"}),
    Role.DONOR: ACTIONS_WORK,
    Role.IMPLEMENTER: ACTIONS_WORK,
}
# In the menu of every role: what one is told, and how.
EVERY_MENU = frozenset({"workplace.notification", "workplace.preference"})


def in_menu(user, model):
    """Is `model` in the back-office menu of `user` (the union of its roles' menus)?"""
    viewer = viewer_of(user)
    if viewer.is_secretariat:
        return True
    label = model._meta.label_lower
    return label in EVERY_MENU or any(label in MENUS.get(role, ()) for role in viewer.roles)


def has_rule(model):
    """Is the model governed by iisg.core.permissions (the domain), or not (users, groups)?"""
    try:
        rule_for(model)
    except LookupError:
        return False
    return True


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5, "cols": 80}))


def ask_for_input(model_admin, request, queryset, *, form_class, title, intro, submit_label):
    """The intermediate page of an admin action that needs more than the selected rows (why a need
    is returned, which Board decision adopted a product), like Django's delete confirmation and
    without JavaScript.

    Returns `(cleaned_data, None)` once the page was posted back with a valid `form_class`, else
    `(None, page)`: the page to answer with, listing the selected rows and asking for the input.
    """
    form = form_class(request.POST if request.POST.get("post") else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data, None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit_label": submit_label,
        "objects": list(queryset),
        "form": form,
        "opts": model_admin.model._meta,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return None, TemplateResponse(request, "admin/comment_action.html", context)


def ask_for_comment(model_admin, request, queryset, *, title, intro, submit_label):
    """ask_for_input with a required comment: `(comment, None)` or `(None, page)`."""
    data, page = ask_for_input(
        model_admin, request, queryset, form_class=CommentForm, title=title, intro=intro, submit_label=submit_label
    )
    return (data["comment"] if data else None), page


def refused_as_forbidden(step):
    """Run a service step for the back office; a refusal that slipped past the form (the state moved
    on since it was shown) is answered as the refusal it is, 403 with the service's reason."""
    try:
        return step()
    except WorkflowError as error:
        raise PermissionDenied(str(error)) from error


class DeletedThroughService:
    """A model admin whose rows are deleted by a service (`delete_through_service(request, obj)`),
    one by one, the selected rows of the list too."""

    def delete_through_service(self, request, obj):
        raise NotImplementedError

    def delete_model(self, request, obj):
        refused_as_forbidden(lambda: self.delete_through_service(request, obj))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def report(model_admin, request, name, error):
    """Show a refused step as an error message that names the row."""
    message = str(error)
    if name not in message:
        message = f"{name}: {message}"
    model_admin.message_user(request, message, messages.ERROR)


def apply_to_each(model_admin, request, rows, step, *, name, done, refused):
    """Run the workflow `step(row)` for each selected row and say, per row, what happened: the
    `refused` errors as messages naming the row (`name(row)`), the others succeeded with `done(row)`."""
    for row in rows:
        try:
            step(row)
        except refused as error:
            report(model_admin, request, name(row), error)
        else:
            model_admin.message_user(request, done(row), messages.SUCCESS)


class RuleChecks:
    """What model admins and inlines share: choices narrowed to what the user may see, and the
    object-level checks made when a row is saved or deleted."""

    def _narrowed(self, db_field, request, kwargs):
        model = db_field.related_model
        if "queryset" not in kwargs and has_rule(model):
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = model._default_manager.all()
            kwargs["queryset"] = visible(request.user, queryset)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._narrowed(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._narrowed(db_field, request, kwargs))

    def stored(self, obj):
        """The row as it is in the database, untouched by the form; None for a new row."""
        if obj.pk is None or obj._state.adding:
            return None
        return type(obj)._default_manager.filter(pk=obj.pk).first()

    def check_save(self, request, obj, original):
        """Raise PermissionDenied unless the user may save `obj` (`original`: the stored row, None to add)."""
        if original is None:
            allowed = can(request.user, Verb.ADD, obj)
        else:
            allowed = can(request.user, Verb.CHANGE, original) and self.may_become(request, obj, original)
        if not allowed:
            raise PermissionDenied(NOT_ALLOWED)

    def may_become(self, request, obj, original):
        """May a changed row take its new values? Yes if the user could change, or create, a row like it:
        a focal point moving its draft need to "submitted", but not to another partner."""
        return can(request.user, Verb.CHANGE, obj) or can(request.user, Verb.ADD, obj)

    def check_delete(self, request, obj):
        if not can(request.user, Verb.DELETE, obj):
            raise PermissionDenied(NOT_ALLOWED)

    def prepare_save(self, request, obj, original):
        """Hook: fill in what the back office records by itself (who proposed, who confirmed)."""


class RuleAdminMixin(RuleChecks):
    """A model admin that asks iisg.core.permissions, never Django's model permissions."""

    def get_queryset(self, request):
        return visible(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        # The menu (the home and the side bar): what the role works with, among what it may see.
        return can(request.user, Verb.VIEW, self.model) and in_menu(request.user, self.model)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Verb.VIEW, self.model if obj is None else obj)

    def has_add_permission(self, request):
        return can(request.user, Verb.ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Verb.CHANGE, self.model if obj is None else obj)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Verb.DELETE, self.model if obj is None else obj)


class ShownNotWritten:
    """A model admin of rows the platform records and people only read (job runs, API tokens, the
    codelists): no add, change or delete page, whatever the rules allow elsewhere; its actions (mark
    failed, revoke) go through services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions and not self.deletes_some(request):
            del actions["delete_selected"]
        return actions

    def deletes_some(self, request):
        """May the user delete at least one row it sees here? Asked once a request, to offer
        "Delete selected" only where it can succeed."""
        answers = getattr(request, "_iisg_deletes_some", None)
        if answers is None:
            answers = request._iisg_deletes_some = {}
        if self.model not in answers:
            answers[self.model] = permitted(request.user, Verb.DELETE, self.get_queryset(request)).exists()
        return answers[self.model]

    def save_model(self, request, obj, form, change):
        original = self.stored(obj) if change else None
        self.check_save(request, obj, original)
        self.prepare_save(request, obj, original)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self.check_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        allowed = permitted(request.user, Verb.DELETE, queryset).values("pk")
        if queryset.exclude(pk__in=allowed).exists():
            raise PermissionDenied(NOT_ALLOWED)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Save an inline's rows one by one, each checked against its rule and the parent's."""
        inline = formset.inline_admin
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            inline.check_delete(request, obj)
            inline.delete_row(request, obj)
        for obj in instances:
            original = inline.stored(obj)
            inline.check_save(request, obj, original)
            inline.prepare_save(request, obj, original)
            inline.save_row(request, obj)
        formset.save_m2m()


class RuleAdmin(RuleAdminMixin, admin.ModelAdmin):
    """Base admin of the domain models without history."""


class ReadableChanges(HistoricalRecordContextHelper):
    """The "Changes" column of the history page with labels, not stored codes: "High → Medium"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and not isinstance(field, ManyToManyField):
            return dict(field.flatchoices).get(value, value)
        value = super().prepare_delta_change_value(change, value)
        return "—" if value is None or value == "" else value


class HistoryRuleAdmin(RuleAdminMixin, SimpleHistoryAdmin):
    """Base admin of the models that keep their history: who changed what, when.

    The history page lists every version with its user and date; simple_history diffs each
    record against the one before it (`diff_against`) for the "Changes" column, which shows each
    changed field as old → new.
    """

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # An old version is only shown to someone who may see the object as it is now.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


class VersionedForm(forms.ModelForm):
    """A change form that carries the version of the record it was opened at (hidden) and refuses
    to save over a newer one, saying who changed it; the input stays on the page, nothing is saved."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_version = None
        if self.instance.pk is not None:
            # The instance was just read from the database, so its version is the stored one;
            # except on the history page, where an old version is shown to revert to.
            self.stored_version = self.instance.version
            if to_historic(self.instance) is not None:
                stored = type(self.instance)._default_manager.filter(pk=self.instance.pk)
                self.stored_version = stored.values_list("version", flat=True).first()
            self.fields["version"].initial = self.stored_version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None:
            return cleaned_data
        expected = cleaned_data.get("version")
        if expected is None:
            raise forms.ValidationError(
                _("This form is missing the version it was opened at: reload the page and apply your changes again."),
                code="version_missing",
            )
        if expected != self.stored_version:
            raise forms.ValidationError(str(conflict(self.instance, expected)), code="edit_conflict")
        return cleaned_data


class VersionedAdminMixin:
    """A model admin of a `Versioned` model: two people editing one record do not overwrite each
    other. The form checks the version it was opened at (VersionedForm); the save claims it again
    in the transaction (iisg.core.concurrency.claim_version), so a save that slipped in between
    the check and this one is caught too and the form is shown again with the message."""

    form = VersionedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "version"]}), *rest]

    def get_exclude(self, request, obj=None):
        # "version" is the form's own field, not the model's (not editable by hand).
        return [*(super().get_exclude(request, obj) or []), "version"]

    def save_model(self, request, obj, form, change):
        if change:
            claim_version(obj, form.cleaned_data["version"])
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self.shown_again_on_conflict(super().changeform_view, request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting to an old version is a save like any other.
        return self.shown_again_on_conflict(super().history_form_view, request, object_id, version_id, extra_context)

    def shown_again_on_conflict(self, view, request, *args):
        """Run a posted form in one transaction. When the save is refused (EditConflict) it is rolled
        back, and the view shown again finds the newer version and says so above the form."""
        if request.method != "POST":
            return view(request, *args)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return view(request, *args)
        except EditConflict:
            return view(request, *args)


class WrittenWithRelated:
    """A model admin whose record a service writes together with its many-to-many fields and inline
    rows, in one call: `write(request, form, formsets, change)`, which the subclass defines. The
    change form saves nothing in save_model and calls `write` from save_related, once every form of
    the page is valid; the history page's "revert", which calls save_model alone, writes the
    record's own fields through `write(request, form, [], change)`."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request._iisg_written_with_related = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not getattr(request, "_iisg_written_with_related", False):
            self.write(request, form, [], change)

    def save_related(self, request, form, formsets, change):
        if getattr(request, "_iisg_written_with_related", False):
            self.write(request, form, formsets, change)

    def write(self, request, form, formsets, change):
        raise NotImplementedError


class RuleInlineFormSet(BaseInlineFormSet):
    """Checks each edited row against the rules, so the form says which row the user may not touch.

    The admin checks again when it saves (RuleAdminMixin.save_formset); rows of a parent that is
    being created are only checked then, once the parent exists.
    """

    inline_admin = None
    request = None

    def clean(self):
        super().clean()
        if self.instance.pk is None:
            return
        for form in self.forms:
            if not form.has_changed():
                continue
            original = self.inline_admin.stored(form.instance)
            try:
                if self._should_delete_form(form):
                    if original is not None:
                        self.inline_admin.check_delete(self.request, original)
                else:
                    self.inline_admin.check_save(self.request, form.instance, original)
            except PermissionDenied:
                form.add_error(None, _("You are not allowed to make this change to this row."))


class RuleInlineMixin(RuleChecks):
    """An inline allowed by the parent's rule and its own: rows of a need can be added by whoever
    may change the need and may add such rows."""

    formset = RuleInlineFormSet

    def get_queryset(self, request):
        return visible(request.user, super().get_queryset(request))

    def _parent_allows(self, request, obj):
        if obj is None:
            return can(request.user, Verb.ADD, self.parent_model)
        return can(request.user, Verb.CHANGE, obj)

    def has_view_permission(self, request, obj=None):
        parent_visible = obj is None or can(request.user, Verb.VIEW, obj)
        return parent_visible and can(request.user, Verb.VIEW, self.model)

    def has_add_permission(self, request, obj):
        return self._parent_allows(request, obj) and can(request.user, Verb.ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return self._parent_allows(request, obj) and can(request.user, Verb.CHANGE, self.model)

    def has_delete_permission(self, request, obj=None):
        return self._parent_allows(request, obj) and can(request.user, Verb.DELETE, self.model)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.inline_admin = self
        formset.request = request
        return formset

    def save_row(self, request, obj):
        """Hook: write one row of the inline; an app whose rows have a service calls it here."""
        record(obj, user=request.user, reason="")

    def delete_row(self, request, obj):
        """Hook: delete one row of the inline; an app whose rows have a service calls it here."""
        record_deletion(obj, user=request.user, reason="")


class RuleTabularInline(RuleInlineMixin, admin.TabularInline):
    extra = 0


class RuleStackedInline(RuleInlineMixin, admin.StackedInline):
    extra = 0


class AccountAdmin(RuleAdminMixin, UserAdmin):
    """Logins, managed by the Secretariat. Only a superuser grants superuser rights or edits a
    superuser, so a Secretariat login cannot raise itself above the Secretariat."""

    list_display = [
        "username", "email", "first_name", "last_name", "roles", "is_active", "locked_out", "has_two_factor",
        "last_login",
    ]  # fmt: skip
    list_filter = ["groups", "is_active", "is_superuser"]
    actions = ["lift_lock_out", "turn_off_two_factor"]

    @admin.display(description=_("roles"))
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all())

    @admin.display(description=_("locked out"), boolean=True, ordering="locked_out")
    def locked_out(self, user):
        return user.locked_out

    @admin.display(description=_("two-factor"), boolean=True, ordering="has_two_factor")
    def has_two_factor(self, user):
        return user.has_two_factor

    def get_queryset(self, request):
        logins = super().get_queryset(request).prefetch_related("groups")
        return accounts.with_two_factor(accounts.with_lock_out(logins))

    @admin.action(description=_("Lift the lock-out of the selected logins"), permissions=["change"])
    def lift_lock_out(self, request, queryset):
        self._for_each(
            request, queryset, accounts.lift_lock_out, applies=lambda account: account.locked_out,
            done=_("Lock-out lifted: %(names)s. They may log in again."),
            none=_("None of the selected logins was locked out."),
        )  # fmt: skip

    @admin.action(description=_("Turn off two-factor login (a lost phone)"), permissions=["change"])
    def turn_off_two_factor(self, request, queryset):
        self._for_each(
            request, queryset, accounts.turn_off_two_factor, applies=lambda account: account.has_two_factor,
            done=_("Two-factor login turned off: %(names)s. They log in with the password and enrol a new device."),
            none=_("None of the selected logins had two-factor login on."),
        )  # fmt: skip

    def _for_each(self, request, queryset, step, *, applies, done, none):
        """Run `step` for each selected login and say which it changed and which were not yours."""
        changed, refused = [], []
        for account in queryset:
            try:
                step(user=request.user, account=account)
            except PermissionDenied:
                refused.append(account.username)
                continue
            if applies(account):
                changed.append(account.username)
        if changed:
            self.message_user(request, done % {"names": ", ".join(changed)})
        if refused:
            self.message_user(
                request, _("Not yours to manage: %(names)s.") % {"names": ", ".join(refused)}, messages.ERROR
            )
        if not changed and not refused:
            self.message_user(request, none, messages.WARNING)

    def has_module_permission(self, request):
        # Listed for those who manage logins; everyone else reaches only their own, by its URL.
        return can(request.user, Verb.ADD, self.model)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        return accounts.manages(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return accounts.manages(request.user, obj, Verb.DELETE)


class RoleAdmin(RuleAdmin):
    list_display = ["name"]


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, AccountAdmin)
admin.site.register(Group, RoleAdmin)
