"""The pages fit the window: at a laptop's 1366×900 and 1280×800 and a phone's 390×844, no
page is wider than the window, and no label, input, select, textarea or button lies over
another (issue 11: radio labels squeezed into one-character columns ran over the fields
below, and city staff's menu pushed the page 25 px wider than a laptop's screen).

The pages are not listed by hand: every URL of the resolver is tried for each role with the
test client, and every one that answers that role with an HTML page (200) is walked in
Chromium. A URL with arguments is filled from the rows `arrange` makes (CANDIDATES), or is
named in NOT_PAGES with the reason it is no page; a new URL that is neither fails
`test_it_knows_every_url_with_arguments`, as the authorization matrix does."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import get_resolver, reverse

from applications import policy
from applications.guides.models import Guide, Intent
from applications.models import (
    Application,
    Consortium,
    LeadChange,
    State,
)
from members.models import IntegrityRecord, UnitRegistration
from reporting.assessments.models import Assessment, Round
from reporting.coordination.models import CoordinationItem
from reporting.models import AnnualReport
from reviews.models import (
    ExpertAssignment,
    ExpertProfile,
    Objection,
    PartyGroupMeeting,
    PublicNotice,
)
from tests.e2e.test_accessibility import REGISTRANT, arrange, sign_in
from tests.site.test_every_url import _walk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = [(1366, 900), (1280, 800), (390, 844)]


def _one_per_state(user):
    """One application in each state that the user may open: the page differs most by
    state, not by row."""
    seen = {}
    visible = Application.objects.filter(policy.visible_q(user)) if user else []
    for pk, state in visible.order_by("pk").values_list("pk", "state") if user else []:
        seen.setdefault(state, pk)
    return list(seen.values())


def _ids(model, **filters):
    return list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)[:3])


# URL name → the argument sets to try (each a dict of the URL's kwargs).
CANDIDATES = {
    "applications:detail": lambda u: [{"pk": pk} for pk in _one_per_state(u)],
    "applications:findings": lambda u: [{"pk": pk} for pk in _one_per_state(u)],
    "applications:submit": lambda u: [{"pk": pk} for pk in _ids(Application, state=State.DRAFT)],
    "consortia:detail": lambda u: [{"pk": pk} for pk in _ids(Consortium)],
    "decisions:consortium": lambda u: [{"pk": pk} for pk in _ids(Consortium)],
    "decisions:meeting": lambda u: [{"pk": pk} for pk in _ids(PartyGroupMeeting)],
    "consortia:decide_lead_change": lambda u: [{"pk": pk} for pk in _ids(LeadChange)],
    "members:registration_detail": lambda u: [{"pk": pk} for pk in _ids(UnitRegistration)],
    "experts:registration_detail": lambda u: [
        {"pk": pk} for pk in _ids(ExpertProfile, registered_via="self", status="pending")
    ],
    "experts:expert": lambda u: [{"pk": pk} for pk in _ids(ExpertProfile)],
    "experts:rate": lambda u: [{"pk": pk} for pk in _ids(ExpertAssignment, status="submitted")],
    "reporting:detail": lambda u: [{"pk": pk} for pk in _ids(AnnualReport)],
    "coordination:detail": lambda u: [{"pk": pk} for pk in _ids(CoordinationItem)],
    "guides:detail": lambda u: [{"pk": pk} for pk in _ids(Guide)],
    "guides:edit": lambda u: [{"pk": pk} for pk in _ids(Guide)],
    "intents:detail": lambda u: [{"pk": pk} for pk in _ids(Intent)],
    "intents:edit": lambda u: [{"pk": pk} for pk in _ids(Intent)],
    "reporting:edit": lambda u: [{"pk": pk} for pk in _ids(AnnualReport)],
    "reporting:submit": lambda u: [{"pk": pk} for pk in _ids(AnnualReport)],
    "experts:score": lambda u: [{"pk": pk} for pk in _ids(ExpertAssignment)],
    "experts:panel": lambda u: [
        {"app_pk": pk} for pk in _ids(Application, state=State.EXPERT_REVIEW)
    ],
    "notices:detail": lambda u: [{"pk": pk} for pk in _ids(PublicNotice)],
    "notices:thanks": lambda u: [{"pk": pk} for pk in _ids(PublicNotice)],
    "notices:register": lambda u: [{"pk": pk} for pk in _ids(PublicNotice)],
    "notices:objection": lambda u: [{"pk": pk} for pk in _ids(Objection)],
    "integrity:end": lambda u: [{"pk": pk} for pk in _ids(IntegrityRecord, ended_at=None)],
    "assessments:round": lambda u: [{"pk": pk} for pk in _ids(Round)],
    "experts:assessment_panel": lambda u: [
        {"pk": pk} for pk in _ids(Assessment, state="expert_review")
    ],
    "notices:publish_round": lambda u: [{"round_pk": pk} for pk in _ids(Round)],
    # One assessment per state (the first of each): the page differs most by state.
    "assessments:detail": lambda u: [
        {"pk": pk}
        for pk in dict(Assessment.objects.order_by("-pk").values_list("state", "pk")).values()
    ],
}

# URL names with arguments that are not pages a person reads: actions that only take a
# POST, downloads, and links whose token the walk cannot know.
NOT_PAGES = {
    "notification_open": "redirects to what the notification is about",
    "accounts:confirm_email": "a mailed link's token (the accessibility test opens one)",
    "password_reset_confirm": "a mailed link's token",
    "captcha-image": "an image",
    "captcha-image-2x": "an image",
    "applications:save_section": "POST",
    "applications:add_member": "POST",
    "applications:update_member": "POST",
    "applications:remove_member": "POST",
    "applications:save_agreement": "POST",
    "applications:add_expert": "POST",
    "applications:remove_expert": "POST",
    "applications:add_attachment": "POST",
    "applications:attachment": "a file",
    "applications:remove_attachment": "POST",
    "applications:justify": "POST",
    "applications:pdf": "a PDF",
    "applications:transition": "POST",
    "consortia:remove_project": "POST",
    "consortia:upload_agreement": "POST",
    "consortia:download_agreement": "a file",
    "consortia:acknowledge_member_change": "POST",
    "members:revoke_invitation": "POST",
    "members:accept_invitation": "a mailed link's token",
    "members:remove_colleague": "POST",
    "members:confirm": "POST",
    "members:confirm_link": "a mailed link's token",
    "integrity:pledge_give": "opened from a unit's own page (the accessibility test opens one)",
    "integrity:pledge_link": "a signed link's token (the accessibility test opens one)",
    "members:registration_decide": "POST",
    "members:registration_licence": "a file",
    "reporting:add_attachment": "POST",
    "reporting:attachment": "a file",
    "reporting:remove_attachment": "POST",
    "reporting:accept": "POST",
    "reporting:pdf": "a PDF",
    "experts:draw": "POST",
    "experts:assign": "POST",
    "notices:evidence": "a file",
    "decisions:decision_pdf": "a PDF",
    "consortia:add_project": "POST",
    "support:add": "POST",
    "support:remove": "POST",
    "coordination:assign": "POST",
    "guides:publish": "POST",
    "guides:withdraw": "POST",
    "intents:answer": "POST",
    "intents:convert": "POST",
    "coordination:progress": "POST",
    "coordination:answer": "POST",
    "notices:finding": "POST",
    "notices:verify": "POST",
    "notices:file_objection": "POST",
    "experts:declare": "POST",
    "reporting:return": "POST",
    "consortia:return_member_change": "POST",
    "consortia:file_member_change": "POST",
    "consortia:record_consent": "POST",
    "consortia:confirm_project": "POST",
    "consortia:dissolve": "POST",
    "consortia:disqualify": "POST",
    "consortia:new_lead_change": "POST",
    "consortia:new_member_change": "POST",
    "experts:assessment_draw": "POST",
    "experts:assessment_assign": "POST",
    "assessments:scope_add": "POST",
    "assessments:scope_remove": "POST",
    "assessments:round_open": "POST",
    "assessments:round_close": "POST",
    "assessments:round_export": "an Excel file",
    "assessments:proposal_decide": "POST",
    "assessments:evidence": "a file",
    "assessments:evidence_delete": "POST",
    "assessments:save_section": "POST",
    "assessments:save_summary": "POST",
    "assessments:evidence_add": "POST",
    "assessments:transition": "POST",
    "assessments:rectification": "POST",
    "assessments:recheck": "POST",
    "assessments:pdf": "a PDF",
    "experts:register_confirm": "a mailed link's token (the accessibility test opens one)",
    "experts:registration_decide": "POST",
    "experts:registration_cv": "a file",
    "experts:expert_status": "POST",
    "experts:expert_misconduct": "POST",
}


def _routes():
    for name, route, pattern in _walk(get_resolver().url_patterns):
        converters = pattern.pattern.converters or getattr(
            getattr(pattern.pattern, "regex", None), "groupindex", {}
        )
        yield name, route, bool(converters or "<" in route)


def _candidate_urls(user):
    urls = []
    for name, route, has_arguments in _routes():
        if not has_arguments:
            urls.append("/" + route.lstrip("^").rstrip("$"))
        elif name in CANDIDATES:
            urls += [reverse(name, kwargs=kwargs) for kwargs in CANDIDATES[name](user)]
    return urls


def _pages_for(username) -> list[str]:
    """The URLs that answer this user with an HTML page."""
    client = Client()
    user = User.objects.get(username=username) if username else None
    if user:
        client.force_login(user)
    pages = []
    for url in _candidate_urls(user):
        if "logout" in url:
            continue
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(url)
    return pages


# Runs in the page: the page's horizontal overflow, and every pair of visible controls whose
# boxes overlap by more than 2 px each way (Bootstrap's input groups overlap borders by 1 px),
# leaving out a control inside another (a button in a label).
CHECK = """() => {
  const doc = document.documentElement;
  const overflow = doc.scrollWidth - window.innerWidth;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;
    // checkVisibility also leaves out the content of a closed <details>, which Chromium
    // lays out (content-visibility: hidden) without showing it.
    if (!el.checkVisibility({contentVisibilityAuto: true, opacityProperty: true, visibilityProperty: true})) return false;
    if (el.closest('.visually-hidden, .visually-hidden-focusable, [hidden], .dropdown-menu:not(.show), .collapse:not(.show)')) return false;
    return true;
  };
  const els = [...document.querySelectorAll('label, input:not([type=hidden]), select, textarea, button')]
    .filter(visible);
  const name = (el) => {
    const text = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${text}"`;
  };
  const boxes = els.map((el) => {
    const r = el.getBoundingClientRect();
    return {el, l: r.left + scrollX, t: r.top + scrollY, r: r.right + scrollX, b: r.bottom + scrollY};
  });
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.r, b.r) - Math.max(a.l, b.l);
      const h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
      if (w > 2 && h > 2) overlaps.push(`${name(a.el)} × ${name(b.el)} (${Math.round(w)}×${Math.round(h)} px)`);
    }
  }
  // A table cell squeezed to a column one or two characters wide, its text running down
  // line after line (the members and directory tables on a phone).
  const squeezed = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!visible(cell)) continue;
    const text = (cell.innerText || '').trim();
    if (text.length < 6) continue;
    const s = getComputedStyle(cell);
    const em = parseFloat(s.fontSize);
    const r = cell.getBoundingClientRect();
    const inner = r.width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    if (inner < 2.5 * em && r.height > 4 * 1.5 * em) squeezed.push(`${name(cell)} (${Math.round(inner)} px wide)`);
  }
  return {overflow, overlaps: overlaps.slice(0, 5), squeezed: squeezed.slice(0, 5)};
}"""


ROLES = [
    pytest.param(None, id="anonymous"),
    pytest.param(REGISTRANT, id="registrant"),
    pytest.param("alice", id="applicant"),
    pytest.param("bob", id="county"),
    pytest.param("charlie", id="city"),
    pytest.param("dora", id="expert"),
    pytest.param("erin", id="admin"),
]


def test_it_knows_every_url_with_arguments():
    unknown = [
        f"{name} ({route})"
        for name, route, has_arguments in _routes()
        if has_arguments and name not in CANDIDATES and name not in NOT_PAGES
    ]
    assert unknown == [], f"add to CANDIDATES or NOT_PAGES in tests/e2e/test_layout.py: {unknown}"


@pytest.mark.parametrize("username", ROLES)
def test_no_page_overflows_or_lays_controls_over_each_other(
    live_server, page, role_users, username
):
    arrange(role_users)
    pages = _pages_for(username)
    # The walk must really walk: each role has its menu's pages, and the application
    # pages it may open in more than one state.
    assert len(pages) >= 8, pages
    if username in ("alice", "bob", "charlie"):
        assert sum(p.startswith("/applications/") and p[14:15].isdigit() for p in pages) >= 2
    if username:
        sign_in(page, live_server, username)
    problems = []
    for path in pages:
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path}: HTTP {response.status}"
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            found = page.evaluate(CHECK)
            if found["overflow"] > 1:
                problems.append(f"{path} at {width}px: the page is {found['overflow']} px too wide")
            for overlap in found["overlaps"]:
                problems.append(f"{path} at {width}px: {overlap}")
            for cell in found["squeezed"]:
                problems.append(f"{path} at {width}px: a squeezed column, {cell}")
    if problems:
        pytest.fail(
            f"layout problems ({username or 'anonymous'}, {len(pages)} pages):\n"
            + "\n".join(problems),
            pytrace=False,
        )


def test_the_walk_fails_on_an_overlap_and_on_overflow(live_server, page):
    """The check can fail: two overlapping inputs, a too-wide box, a squeezed column."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
        const a = document.querySelector('input[name=username]');
        const b = document.querySelector('input[name=password]');
        b.style.position = 'absolute';
        const r = a.getBoundingClientRect();
        b.style.left = (r.left + scrollX) + 'px'; b.style.top = (r.top + scrollY) + 'px';
        const wide = document.createElement('div'); wide.style.width = '900px'; wide.style.height = '5px';
        document.body.appendChild(wide);
    }"""
    )
    found = page.evaluate(CHECK)
    assert found["overflow"] > 400
    assert any("username" in o and "password" in o for o in found["overlaps"]), found
    assert found["squeezed"] == []
    # A table whose second column leaves the first one character wide.
    page.evaluate(
        """() => {
        const t = document.createElement('table'); t.style.width = '370px';
        const row = t.insertRow(); const a = row.insertCell(); const b = row.insertCell();
        a.textContent = '辽宁石化工程大学辽阳市新材料研究所'; b.style.width = '360px'; b.textContent = '宽';
        document.querySelector('main').appendChild(t);
    }"""
    )
    assert any("辽宁石化" in cell for cell in page.evaluate(CHECK)["squeezed"])
