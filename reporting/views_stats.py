"""The statistics page and its Excel export, for city staff only (others get 404, as for
any page they may not open)."""

from functools import wraps
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from applications import policy
from reporting import stats

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def city_only(view):
    @wraps(view)
    @login_required
    @require_safe
    def wrapper(request, *args, **kwargs):
        if not policy.is_city(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@city_only
def index(request):
    year = stats.parse_year(request.GET.get("year"))
    page = stats.page_tables(year)
    return render(
        request,
        "reporting/stats.html",
        {
            "year": year,
            "years": page.years,
            "tables": page.tables,
            "computed_at": page.computed_at,
            "refresh_minutes": stats.PAGE_CACHE_SECONDS // 60,
            "query": f"?year={year}" if year else "",
        },
    )


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    # RFC 6266 / 5987: an ASCII fallback for old clients, the Chinese name for the rest.
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"liaoyang-statistics.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def export_table(key):
    """The export view of one table of the fixed set (stats.TABLES)."""

    @city_only
    def view(request):
        year = stats.parse_year(request.GET.get("year"))
        today = timezone.localdate()
        table = stats.TABLES[key](year)
        content = stats.workbook_bytes([table], year=year, today=today)
        return _xlsx_response(content, stats.export_filename(table=table, year=year, today=today))

    view.__name__ = f"export_{key}"
    return view


@city_only
def export_all(request):
    year = stats.parse_year(request.GET.get("year"))
    today = timezone.localdate()
    content = stats.workbook_bytes(stats.all_tables(year), year=year, today=today)
    return _xlsx_response(content, stats.export_filename(table=None, year=year, today=today))
