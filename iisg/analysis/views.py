"""The support-mapping pages at /database/: the dashboard (public aggregates, member detail),
gaps, overlaps, donors, priorities without money, the coverage of each need, a partner's page,
and every table as CSV or XLSX."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from iisg.actions.choices import OrganisationRole
from iisg.core.pagecache import public_page
from iisg.core.permissions import viewer_of
from iisg.directory.models import Partner

from . import charts, selectors, tables
from .forms import ScopeForm

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
WRITERS = {"csv": tables.to_csv, "xlsx": tables.to_xlsx}
# Long tables are paged on screen; their downloads hold every row.
ROWS_PER_PAGE = 100
OVERLAPS_PER_PAGE = 25


def members_only(view):
    """Member detail: anyone else is asked to sign in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not viewer_of(request.user).is_member:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return wrapped


def _scoped(request, **fixed):
    """The filter form and the support mapping of the scope it describes (None without a cycle)."""
    members = viewer_of(request.user).is_member
    form = ScopeForm(request.GET, members=members)
    for name in fixed:  # the page decides these; the form does not offer them
        form.fields.pop(name, None)
    scope = form.scope()
    if scope is None:
        return form, None
    if fixed:
        scope = selectors.Scope(**{**scope.__dict__, **fixed})
    return form, selectors.support_mapping(request.user, scope)


def _page(request, template, form, mapping, **context):
    """Render a support-mapping page; its main `table`, if long, a hundred rows a page."""
    query = request.GET.copy()
    query.pop("page", None)
    table = context.get("table")
    if table:
        context["rows_page"] = Paginator(table.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            "form": form,
            "mapping": mapping,
            "scope": mapping.scope if mapping else None,
            "members": viewer_of(request.user).is_member,
            "query": query.urlencode(),
            **context,
        },
    )


@public_page
def dashboard(request):
    form, mapping = _scoped(request)
    context = {}
    if mapping is not None:
        years = selectors.funding_over_time(mapping)
        context = {
            "total": selectors.heatmap(mapping).total,
            "heatmap": selectors.heatmap(mapping),
            "heatmap_table": tables.heatmap_table(mapping),
            "priorities": tables.priority_table(mapping),
            "funding": tables.funding_table(mapping),
            "funding_chart": charts.funding_chart(years),
            "funding_chart_narrow": charts.funding_chart(years, narrow=True),
            "top_gaps": selectors.sort_by_priority(mapping.gaps)[:10],
            "top_overlaps": mapping.overlaps[:5],
        }
    return _page(request, "analysis/dashboard.html", form, mapping, **context)


@members_only
def gaps(request):
    form, mapping = _scoped(request)
    return _page(request, "analysis/table_page.html", form, mapping, table=mapping and tables.gaps_table(mapping))


@members_only
def overlaps(request):
    form, mapping = _scoped(request)
    context = {}
    if mapping is not None:
        context = {
            "export": tables.overlaps_table(mapping),
            "overlaps_page": Paginator(mapping.overlaps, OVERLAPS_PER_PAGE).get_page(request.GET.get("page")),
        }
    return _page(request, "analysis/overlaps.html", form, mapping, **context)


@members_only
def donors(request):
    form, mapping = _scoped(request)
    context = {}
    if mapping is not None:
        context = {
            "donors": tables.contributors_table(mapping, role=OrganisationRole.FUNDING),
            "implementers": tables.contributors_table(mapping, role=OrganisationRole.IMPLEMENTING),
            "concentration": tables.concentration_table(mapping),
        }
    return _page(request, "analysis/donors.html", form, mapping, **context)


@members_only
def priorities(request):
    form, mapping = _scoped(request)
    return _page(
        request,
        "analysis/table_page.html",
        form,
        mapping,
        table=mapping and tables.priority_without_money_table(mapping),
    )


@members_only
def needs(request):
    form, mapping = _scoped(request)
    context = {}
    if mapping is not None:
        context = {"table": tables.coverage_table(mapping), "areas": tables.area_table(mapping)}
    return _page(request, "analysis/needs.html", form, mapping, **context)


@members_only
def partner(request, code):
    """One page a minister can read: what the partner asked for, who answered, what is open."""
    chosen = get_object_or_404(Partner, code__iexact=code)
    form, mapping = _scoped(request, partner=chosen)
    context = {"partner": chosen}
    if mapping is not None:
        years = selectors.funding_over_time(mapping)
        context |= {
            "total": selectors.tally(mapping.needs),
            "by_pillar": selectors.breakdown(mapping, lambda need: need.pillar),
            "needs_by_pillar": _group_by_pillar(mapping.needs),
            "gaps": selectors.sort_by_priority(mapping.gaps),
            "donors": tables.contributors_table(mapping, role=OrganisationRole.FUNDING),
            "funding": tables.funding_table(mapping),
            "funding_chart": charts.funding_chart(years),
            "funding_chart_narrow": charts.funding_chart(years, narrow=True),
        }
    return _page(request, "analysis/partner.html", form, mapping, **context)


def _group_by_pillar(needs):
    groups = {}
    for need in selectors.sort_by_priority(needs):
        groups.setdefault(need.pillar, []).append(need)
    return sorted(groups.items(), key=lambda item: item[0].order)


def export(request, name, fmt):
    """A table of the support mapping as a file; the public may download the aggregates only."""
    if fmt not in WRITERS or name not in tables.BUILDERS:
        raise Http404
    if not viewer_of(request.user).is_member and name not in tables.PUBLIC_TABLES:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    _form, mapping = _scoped(request)
    if mapping is None:
        raise Http404
    table = tables.BUILDERS[name](mapping)
    scope = mapping.scope
    content = WRITERS[fmt](table, tables.scope_lines(scope))
    filename = f"iisg-{name}-{scope.cycle.first_year}-{scope.cycle.last_year}-{scope.year}.{fmt}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
