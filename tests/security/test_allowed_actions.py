"""Every allowed POST cell ("+") of the authorization matrix, really posted (issue 16, point 2).

The matrix (test_authorization_matrix.py) never sends a "+" cell: posting would change the
data. Here each one is sent with valid data against the role's own object, and must do what
the action says (the rows of the model it acts on change, and its own check holds: a 2xx or
3xx alone proves nothing); and the same POST, with data made from another unit's (another
county's) object, must answer 404 and change nothing anywhere in the portal's tables.

Each cell runs in a savepoint rolled back afterwards, so every role acts on the same world.
VALID_POSTS (URL name → a builder of (object, data), the model that changes and a check) is
the table: a "+" cell whose URL has no builder fails the completeness test."""

import dataclasses
import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from zeal import zeal_ignore

from applications import consortia
from applications.guides.models import Guide, Intent
from applications.models import (
    Application,
    Consortium,
    ConsortiumProject,
    LeadChange,
    MemberChange,
    MemberChangeConsent,
)
from members.models import IntegrityRecord, UnitInvitation, UnitRegistration
from members.roles import Role
from reporting.assessments.models import Assessment, DisqualificationProposal, Evidence, Round
from reporting.coordination.models import CoordinationItem, CoordinationProgress, Department
from reporting.models import AnnualReport, ReportAttachment
from reporting.support.models import SupportRecord
from reviews.experts import subjects
from reviews.models import ExpertAssignment, ExpertProfile, Objection
from tests.factories import arranging, make_user
from tests.reporting import make_consortium
from tests.security.test_authorization_matrix import (
    MATRIX,
    OWNERS,
    ROLES,
    URL_ARGUMENTS,
    _cells,
    _login,
    _pdf,
    build_world,
)

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True)
class Post:
    """How to post one allowed action validly: `prepare(o)` puts the owner's objects in the
    state the action starts from (inside the cell's savepoint) and returns the form data;
    `model` is the model whose rows the action changes; `done(o)` checks its effect."""

    prepare: Callable[[dict], dict]
    model: type
    done: Callable[[dict], bool]


def _today():
    return timezone.localdate().isoformat()


def _fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def _members(o):
    return [m for m in o["consortium"].application.memberships.exclude(role="lead")]


def _item_in_progress(o):
    CoordinationItem.objects.filter(pk=o["coordination_item"].pk).update(status="in_progress")


def _active_department():
    return Department.objects.filter(active=True).order_by("pk").first()


def _draft_change(o):
    """The owner's member change back at its draft (the world's is filed already)."""
    MemberChange.objects.filter(pk=o["member_change"].pk).update(status="draft")


def _consents_recorded(o):
    _draft_change(o)
    for row in consortia.roster(o["consortium"]):
        MemberChangeConsent.objects.create(
            change=o["member_change"],
            organization=row.organization,
            consented_by="张三",
            consented_on=timezone.localdate(),
            recorded_by=o["member_change"].created_by,
        )
    return {}


def _change_status(o):
    return _fresh(o["member_change"]).status


def _report_submitted(o):
    AnnualReport.objects.filter(pk=o["report"].pk).update(status="submitted")


def _report_status(o):
    return _fresh(o["report"]).status


def _expert(o):
    return ExpertProfile.objects.get(pk=o["assignment"].expert_id)


def _under_notice(o, application_state, objection_status):
    Application.objects.filter(pk=o["application"].pk).update(state=application_state)
    Objection.objects.filter(pk=o["objection"].pk).update(status=objection_status)


_serial = itertools.count(1)


def _library_experts(field, n=1, *, name="矩阵抽取专家"):
    """`n` experts in the library (在库) familiar with `field`, employed by none of the world's
    units: the only ones a draw for it can pick (the world's dora and ed have no field)."""
    made = []
    for _ in range(n):
        user = make_user(f"matrix_expert{next(_serial)}", Role.EXPERT)
        profile = ExpertProfile.objects.create(
            user=user, name=name, employer=None, status=ExpertProfile.Status.ACTIVE
        )
        profile.fields.set([field])
        made.append(profile)
    return made


def _app_in_city_intake(o):
    # The state is set directly: the field is protected (the chain up to it has its tests).
    Application.objects.filter(pk=o["application"].pk).update(state="city_intake")


def _assigned(subject, *, method, name):
    return ExpertAssignment.objects.filter(
        **{subject._meta.model_name: subject}, method=method, expert__name=name
    ).exists()


def _app_draw(o):
    _app_in_city_intake(o)
    _library_experts(o["application"].industry_field)
    return {"draw-count": "1"}


def _app_assign(o):
    _app_in_city_intake(o)
    (expert,) = _library_experts(o["application"].industry_field, name="矩阵指派专家")
    return {"assign-expert": expert.pk}


def _assessment_draw(o):
    _library_experts(o["consortium"].industry_field)
    return {"draw-count": "1"}


def _assessment_assign(o):
    (expert,) = _library_experts(o["consortium"].industry_field, name="矩阵指派专家")
    return {"assign-expert": expert.pk}


def _assessment_with_experts(o):
    """The assessment at city staff's intake with the policy's minimum of experts who
    accepted, so that city_pass (which starts their review) may run."""
    assessment = Assessment.objects.select_related("round__template").get(pk=o["assessment"].pk)
    needed = subjects.of(assessment).min_experts
    for expert in _library_experts(o["consortium"].industry_field, needed):
        ExpertAssignment.objects.create(
            assessment=assessment,
            expert=expert,
            method=ExpertAssignment.Method.MANUAL,
            sheet=subjects.of(assessment).sheet(),
            assigned_by=o["assignment"].assigned_by,
            status=ExpertAssignment.Status.ACCEPTED,
        )
    return {"city_pass-comment": ""}


def _round(o):
    return Round.objects.get(pk=o["assessment"].round_id)


def _round_ready_to_open(o):
    # Every assessment in the round's scope is back at 已下达 (issued), as before a start.
    Assessment.objects.filter(round_id=o["assessment"].round_id).update(state="issued")
    return {}


def _round_past_closing(o):
    today = timezone.localdate()
    Round.objects.filter(pk=o["assessment"].round_id).update(
        status=Round.Status.OPEN,
        opens_on=today - timedelta(days=30),
        closes_on=today - timedelta(days=1),
    )
    return {}


def _consortium_out_of_scope(o):
    consortium = make_consortium(lead=o["consortium"].lead)
    return {"scope-consortium": consortium.pk}


def _issued(o):
    """The assessment back at 已下达 in its draft round, as it is before the round starts. The
    world's disqualification proposal on it goes: a proposal only follows a failed recheck,
    long after the round started, and it protects the assessment from deletion."""
    Assessment.objects.filter(pk=o["assessment"].pk).update(state="issued")
    DisqualificationProposal.objects.filter(assessment=o["assessment"]).delete()
    return {}


def _disqualify_proposal(o):
    p = f"p{o['proposal'].pk}"
    return {
        f"{p}-decision": "disqualify",
        f"{p}-note": "考核不合格且复核未通过，取消资格。",
        f"{p}-decision_number": "辽市科发〔2026〕98号",
        f"{p}-decided_on": _today(),
    }


def _own_expert_profile():
    return ExpertProfile.objects.get(user__username="dora")


def _profile_last_updated_last_year(o):
    ExpertProfile.objects.filter(pk=_own_expert_profile().pk).update(
        last_updated_on=timezone.localdate() - timedelta(days=400)
    )
    return {}


VALID_POSTS: dict[str, Post] = {
    "notices:verify": Post(
        lambda o: (_under_notice(o, "public_notice", "received"), {"note": "受理核查。"})[1],
        Objection,
        lambda o: _fresh(o["objection"]).status == Objection.Status.VERIFYING,
    ),
    "notices:finding": Post(
        lambda o: (
            _under_notice(o, "objection_review", "verifying"),
            {"outcome": "dismissed", "finding": "经核查，数据属实。"},
        )[1],
        Objection,
        lambda o: _fresh(o["objection"]).status == Objection.Status.RESOLVED,
    ),
    "experts:declare": Post(
        lambda o: {f"d{o['assignment'].pk}-decision": "none"},
        ExpertAssignment,
        lambda o: _fresh(o["assignment"]).status == ExpertAssignment.Status.ACCEPTED,
    ),
    "experts:expert_status": Post(
        lambda o: {"status-status": "suspended", "status-reason": "长期出国。"},
        ExpertProfile,
        lambda o: _expert(o).status == ExpertProfile.Status.SUSPENDED,
    ),
    "experts:expert_misconduct": Post(
        lambda o: {"misconduct-reason": "评审失信。", "misconduct-start_date": _today()},
        IntegrityRecord,
        lambda o: (
            IntegrityRecord.objects.filter(expert=_expert(o), kind="expert").exists()
            and _expert(o).status == ExpertProfile.Status.OUT
        ),
    ),
    "reporting:accept": Post(
        lambda o: (_report_submitted(o), {"accept-comment": "同意。"})[1],
        AnnualReport,
        lambda o: _report_status(o) == "accepted",
    ),
    "reporting:return": Post(
        lambda o: (_report_submitted(o), {"return-reason": "数据不全。"})[1],
        AnnualReport,
        lambda o: _report_status(o) == "returned",
    ),
    "reporting:add_attachment": Post(
        lambda o: {"attachment-file": _pdf("审计报告.pdf"), "attachment-description": "审计"},
        ReportAttachment,
        lambda o: o["report"].attachments.filter(description="审计").exists(),
    ),
    "assessments:evidence_delete": Post(
        lambda o: (
            Assessment.objects.filter(pk=o["assessment"].pk).update(state="self_assessment"),
            {},
        )[1],
        Evidence,
        lambda o: not Evidence.objects.filter(pk=o["assessment_evidence"].pk).exists(),
    ),
    "intents:convert": Post(
        lambda o: (
            Intent.objects.filter(pk=o["intent"].pk).update(
                submitted_at=timezone.now(), answer="encourage"
            ),
            {},
        )[1],
        Intent,
        lambda o: _fresh(o["intent"]).application_id is not None,
    ),
    "consortia:record_consent": Post(
        lambda o: (
            _draft_change(o),
            {
                f"c{o['member_change'].pk}-organization": o["consortium"].lead_id,
                f"c{o['member_change'].pk}-consented_by": "张三",
                f"c{o['member_change'].pk}-consented_on": _today(),
            },
        )[1],
        MemberChangeConsent,
        lambda o: o["member_change"].consents.filter(consented_by="张三").exists(),
    ),
    "consortia:upload_agreement": Post(
        lambda o: (
            _draft_change(o),
            {f"g{o['member_change'].pk}-file": _pdf("补充协议（新）.pdf")},
        )[1],
        MemberChange,
        lambda o: _fresh(o["member_change"]).agreement_name == "补充协议（新）.pdf",
    ),
    "consortia:file_member_change": Post(
        _consents_recorded,
        MemberChange,
        lambda o: _change_status(o) == MemberChange.Status.FILED,
    ),
    "consortia:acknowledge_member_change": Post(
        lambda o: {},
        MemberChange,
        lambda o: _change_status(o) == MemberChange.Status.ACKNOWLEDGED,
    ),
    "consortia:return_member_change": Post(
        lambda o: {f"r{o['member_change'].pk}-reason": "协议缺少签章。"},
        MemberChange,
        lambda o: _change_status(o) == MemberChange.Status.RETURNED,
    ),
    "consortia:decide_lead_change": Post(
        lambda o: {
            "decide-decision": (
                "approve"
                if consortia.lead_change_needs_approval(o["lead_change"])
                else "acknowledge"
            ),
            "decide-note": "同意。",
        },
        LeadChange,
        lambda o: _fresh(o["lead_change"]).status != LeadChange.Status.FILED,
    ),
    "consortia:add_project": Post(
        lambda o: {
            "project-name": "辽阳市科技计划项目“关键技术研发”",
            "project-level": "city",
            "project-number": "LYKJ-2026-901",
            "project-start_date": _today(),
            "project-end_date": (timezone.localdate() + timedelta(days=365)).isoformat(),
        },
        ConsortiumProject,
        lambda o: o["consortium"].projects.filter(number="LYKJ-2026-901").exists(),
    ),
    "consortia:new_member_change": Post(
        lambda o: {
            "mc-kind": "remove",
            "mc-organization": _members(o)[0].organization_id,
            "mc-reason": "战略调整退出",
        },
        MemberChange,
        lambda o: MemberChange.objects.filter(
            consortium=o["consortium"],
            reason="战略调整退出",
            organization=_members(o)[0].organization,
        ).exists(),
    ),
    "consortia:new_lead_change": Post(
        lambda o: (
            LeadChange.objects.filter(pk=o["lead_change"].pk).delete(),
            {"lc-new_lead": _members(o)[1].organization_id, "lc-reason": "牵头单位调整二"},
        )[1],
        LeadChange,
        lambda o: LeadChange.objects.filter(
            consortium=o["consortium"], reason="牵头单位调整二"
        ).exists(),
    ),
    "consortia:disqualify": Post(
        lambda o: {
            "dq-reason": "弄虚作假",
            "dq-decision_number": "辽市科发〔2026〕99号",
            "dq-decided_on": _today(),
        },
        Consortium,
        lambda o: _fresh(o["consortium"]).status == Consortium.Status.DISQUALIFIED,
    ),
    "consortia:dissolve": Post(
        lambda o: {"ds-reason": "协商解散", "ds-decided_on": _today()},
        Consortium,
        lambda o: _fresh(o["consortium"]).status == Consortium.Status.DISSOLVED,
    ),
    "consortia:confirm_project": Post(
        lambda o: {},
        ConsortiumProject,
        lambda o: _fresh(o["project"]).is_confirmed,
    ),
    "consortia:remove_project": Post(
        lambda o: {},
        ConsortiumProject,
        lambda o: not ConsortiumProject.objects.filter(pk=o["project"].pk).exists(),
    ),
    "support:add": Post(
        lambda o: {
            "support-kind": "city_programme",
            "support-on": _today(),
            "support-description": "市级科技计划支持（矩阵）",
            "support-amount": "50",
        },
        SupportRecord,
        lambda o: SupportRecord.objects.filter(description="市级科技计划支持（矩阵）").exists(),
    ),
    "support:remove": Post(
        lambda o: {},
        SupportRecord,
        lambda o: not SupportRecord.objects.filter(pk=o["support_record"].pk).exists(),
    ),
    "guides:publish": Post(
        lambda o: {},
        Guide,
        lambda o: _fresh(o["guide"]).published_on is not None,
    ),
    "guides:withdraw": Post(
        lambda o: (
            Guide.objects.filter(pk=o["guide"].pk).update(
                published_on=timezone.localdate() - timedelta(days=10)
            ),
            {},
        )[1],
        Guide,
        lambda o: _fresh(o["guide"]).withdrawn_on is not None,
    ),
    "intents:answer": Post(
        lambda o: (
            Intent.objects.filter(pk=o["intent"].pk).update(submitted_at=timezone.now()),
            {"answer": "encourage", "note": "鼓励组建。"},
        )[1],
        Intent,
        lambda o: _fresh(o["intent"]).answer == "encourage",
    ),
    "coordination:assign": Post(
        lambda o: {
            "assign-department": _active_department().pk,
            "assign-due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        CoordinationItem,
        lambda o: _fresh(o["coordination_item"]).department_id == _active_department().pk,
    ),
    "coordination:progress": Post(
        lambda o: (_item_in_progress(o), {"progress-note": "已召开协调会。"})[1],
        CoordinationProgress,
        lambda o: CoordinationProgress.objects.filter(
            item=o["coordination_item"], note="已召开协调会。"
        ).exists(),
    ),
    "coordination:answer": Post(
        lambda o: (_item_in_progress(o), {"answer-reply": "用地已落实。"})[1],
        CoordinationItem,
        lambda o: _fresh(o["coordination_item"]).status == "answered",
    ),
    "members:revoke_invitation": Post(
        lambda o: {},
        UnitInvitation,
        lambda o: (
            not UnitInvitation.objects.filter(
                pk=o["invitation"].pk, revoked_at__isnull=True
            ).exists()
        ),
    ),
    "members:remove_colleague": Post(
        lambda o: {},
        get_user_model(),
        lambda o: not _fresh(o["colleague"]).is_active,
    ),
    "reporting:remove_attachment": Post(
        lambda o: {},
        ReportAttachment,
        lambda o: not ReportAttachment.objects.filter(pk=o["report_attachment"].pk).exists(),
    ),
    "applications:transition": Post(
        lambda o: {"county_recommend-comment": "材料齐全，同意推荐。"},
        Application,
        lambda o: _fresh(o["application"]).state == "city_intake",
    ),
    "members:registration_decide": Post(
        lambda o: {"action": "verify", "checked": "on"},
        UnitRegistration,
        lambda o: (
            _fresh(o["registration"]).state == UnitRegistration.State.VERIFIED
            and _fresh(o["registration"].organization).name.endswith("（更名）")
        ),
    ),
    "experts:registration_decide": Post(
        lambda o: {"action": "verify", "checked": "on"},
        ExpertProfile,
        lambda o: _fresh(o["expert_registration"]).status == ExpertProfile.Status.ACTIVE,
    ),
    "experts:profile_confirm": Post(
        _profile_last_updated_last_year,
        ExpertProfile,
        lambda o: _own_expert_profile().last_updated_on == timezone.localdate(),
    ),
    "experts:draw": Post(
        _app_draw,
        ExpertAssignment,
        lambda o: _assigned(o["application"], method="draw", name="矩阵抽取专家"),
    ),
    "experts:assign": Post(
        _app_assign,
        ExpertAssignment,
        lambda o: _assigned(o["application"], method="manual", name="矩阵指派专家"),
    ),
    "experts:assessment_draw": Post(
        _assessment_draw,
        ExpertAssignment,
        lambda o: _assigned(o["assessment"], method="draw", name="矩阵抽取专家"),
    ),
    "experts:assessment_assign": Post(
        _assessment_assign,
        ExpertAssignment,
        lambda o: _assigned(o["assessment"], method="manual", name="矩阵指派专家"),
    ),
    "assessments:transition": Post(
        _assessment_with_experts,
        Assessment,
        lambda o: _fresh(o["assessment"]).state == "expert_review",
    ),
    "assessments:round_open": Post(
        _round_ready_to_open,
        Round,
        lambda o: (
            _round(o).status == Round.Status.OPEN
            and _fresh(o["assessment"]).state == "self_assessment"
        ),
    ),
    "assessments:round_close": Post(
        _round_past_closing,
        Round,
        lambda o: _round(o).status == Round.Status.CLOSED and _round(o).closed_at is not None,
    ),
    "assessments:scope_add": Post(
        _consortium_out_of_scope,
        Assessment,
        lambda o: Assessment.objects.filter(
            round_id=o["assessment"].round_id, consortium__number__startswith="LYCXLHT-T-"
        ).exists(),
    ),
    "assessments:scope_remove": Post(
        _issued,
        Assessment,
        lambda o: not Assessment.objects.filter(pk=o["assessment"].pk).exists(),
    ),
    "assessments:proposal_decide": Post(
        _disqualify_proposal,
        DisqualificationProposal,
        lambda o: (
            _fresh(o["proposal"]).status == DisqualificationProposal.Status.DISQUALIFIED
            and _fresh(o["consortium"]).status == Consortium.Status.DISQUALIFIED
        ),
    ),
}

# "+" URLs not driven here (each still answers its matrix cell for every other role). The
# completeness test below holds this set to exactly the URLs without a builder, so it can
# only shrink; every "+" cell is driven now.
NOT_YET_DRIVEN: set[str] = set()

# The tables whose rows "nothing changed" compares: the portal's own and its users.
_SNAPSHOT_APPS = ("applications", "members", "reviews", "reporting")


def _snapshot_models():
    models = [m for label in _SNAPSHOT_APPS for m in apps.get_app_config(label).get_models()]
    return [*models, get_user_model()]


def _rows(model):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
    return {row[0]: row for row in model._default_manager.order_by("pk").values_list(*fields)}


def _snapshot(models):
    with zeal_ignore():
        return {model._meta.label: _rows(model) for model in models}


def _changed(before, after):
    return sorted(label for label in before if before[label] != after[label])


def allowed_cells():
    """(URL name, role, owner) of every "+" cell of the matrix, and the owners whose cell
    for that role is "." (not seen: the same POST there must be 404)."""
    cells = []
    for name, row in MATRIX.items():
        _, by_role = _cells(row)
        owners = OWNERS if name in URL_ARGUMENTS else (None,)
        for role in ROLES:
            codes = dict(zip(owners, by_role[role], strict=True))
            hidden = [owner for owner, code in codes.items() if code == "."]
            cells += [(name, role, owner, hidden) for owner, code in codes.items() if code == "+"]
    return cells


# For the README's summary: "+" cells posted with valid data, and of how many.
ALLOWED_POSTS_EXERCISED = sum(1 for name, *_ in allowed_cells() if name in VALID_POSTS)
ALLOWED_POSTS = len(allowed_cells())


def test_every_allowed_post_has_valid_data():
    names = {name for name, *_ in allowed_cells()}
    assert sorted(names - set(VALID_POSTS) - NOT_YET_DRIVEN) == [], "add these to VALID_POSTS"
    assert sorted(NOT_YET_DRIVEN & set(VALID_POSTS)) == [], "driven now: drop from NOT_YET_DRIVEN"
    assert sorted(set(VALID_POSTS) - names) == [], "not a '+' cell any more"


@arranging
def _prepare(post, objects):
    return post.prepare(objects)


def _url(name, objects):
    """The URL of the action on these objects (a URL without arguments acts on the signed-in
    user's own record, e.g. the expert's profile)."""
    arguments = URL_ARGUMENTS.get(name)
    return reverse(name, kwargs=arguments(objects)) if arguments else reverse(name)


@pytest.mark.usefixtures("worker_answers")
def test_every_allowed_post_acts_on_its_own_object_only(
    client, alice, bob, charlie, dora, erin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    users, objects = build_world(alice, bob, charlie, dora, erin)
    everything = _snapshot_models()
    wrong, posted = [], 0
    cells = [c for c in allowed_cells() if c[0] in VALID_POSTS]
    for role in ROLES:
        with zeal_ignore():
            client.logout()
            if users[role]:
                _login(client, users[role])
        for name, cell_role, owner, hidden in cells:
            if cell_role != role:
                continue
            post = VALID_POSTS[name]
            # A URL without arguments has one cell (owner None): the role's own record.
            own = objects[owner] if owner else {}
            # Allowed: it works on the role's own object.
            with transaction.atomic():
                data = _prepare(post, own)
                before = _snapshot([post.model])
                url = _url(name, own)
                response = client.post(url, data)
                after = _snapshot([post.model])
                with zeal_ignore():
                    done = post.done(own)
                if response.status_code >= 400 or not done or before == after:
                    wrong.append(
                        f"POST {url} as {role} ({owner}): {response.status_code}, "
                        f"changed {_changed(before, after)}, effect {'seen' if done else 'not seen'}"
                    )
                transaction.set_rollback(True)
            posted += 1
            # Not seen: the same valid POST against another unit's object is 404, and
            # nothing changes anywhere.
            for other in hidden:
                with transaction.atomic():
                    data = _prepare(post, objects[other])
                    before = _snapshot(everything)
                    url = _url(name, objects[other])
                    response = client.post(url, data)
                    after = _snapshot(everything)
                    if response.status_code != 404 or before != after:
                        wrong.append(
                            f"POST {url} as {role} ({other}'s): {response.status_code}, "
                            f"changed {_changed(before, after)}"
                        )
                    transaction.set_rollback(True)
    assert wrong == [], "\n".join(wrong)
    assert posted == len(cells) == ALLOWED_POSTS_EXERCISED
