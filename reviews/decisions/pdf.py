"""The naming decision as a PDF: 《关于认定辽阳市××创新联合体的决定》 (DESIGN.md §7).

WeasyPrint with two Noto CJK faces only (serif for the text, sans for the headings, neither
bold): every extra CJK face costs about 150 KB even subset. No request is needed, so a
Celery task can render it too."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from applications.models import Consortium
from reviews.decisions import selectors as selectors_decisions

TEMPLATE = "pdf/naming_decision.html"
ISSUER = "辽阳市科学技术局"


def build_context(consortium: Consortium) -> dict:
    if not hasattr(consortium, "units"):
        consortium = selectors_decisions.consortium_detail(consortium.pk)
    decision = selectors_decisions.decision_of(consortium.application)
    return {
        "consortium": consortium,
        "lead": consortium.lead,
        "members": consortium.members,
        "meeting": decision.meeting if decision else None,
        "issuer": ISSUER,
        "issued_on": consortium.named_on,
    }


def render_decision_html(consortium: Consortium) -> str:
    # Fixed locale: a worker may run with another language active.
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, build_context(consortium))


def render_decision_pdf(consortium: Consortium) -> bytes:
    import weasyprint  # heavy import: only where a PDF is made

    html = render_decision_html(consortium)
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
