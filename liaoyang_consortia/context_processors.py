from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.roles import Role, roles_of

CITY = {Role.CITY_STAFF, Role.ADMIN}

# One row per navigation entry: (label, url name, roles that see it; None: everyone, signed
# in or not). The menu never links to a page a role may not open.
NAV = [
    (
        _("工作台"),
        "applications:list",
        {Role.APPLICANT, Role.COUNTY_REVIEWER, Role.CITY_STAFF, Role.EXPERT, Role.ADMIN},
    ),
    (_("评审任务"), "experts:tasks", {Role.EXPERT}),
    (_("我的专家信息"), "experts:profile", {Role.EXPERT}),
    (_("单位核验"), "members:registration_queue", {Role.COUNTY_REVIEWER, Role.CITY_STAFF}),
    (_("我的联合体"), "consortia:list", {Role.APPLICANT}),
    (_("年度报告"), "reporting:list", {Role.APPLICANT, Role.CITY_STAFF, Role.ADMIN}),
    (
        _("考核评估"),
        "assessments:index",
        {Role.APPLICANT, Role.COUNTY_REVIEWER, Role.CITY_STAFF, Role.EXPERT, Role.ADMIN},
    ),
    (_("本单位"), "members:unit", {Role.APPLICANT}),
    (_("组建意向"), "intents:list", {Role.APPLICANT, Role.CITY_STAFF}),
    (_("专家库"), "experts:pool", CITY),
    (_("公示管理"), "notices:manage", CITY),
    (_("党组会议"), "decisions:meetings", CITY),
    (_("联合体监管"), "consortia:list", CITY),
    (_("协调事项"), "coordination:list", CITY),
    (_("统计"), "reporting_stats:index", CITY),
    (_("诚信记录"), "integrity:list", {Role.CITY_STAFF}),
    (_("布局指南"), "guides:list", None),
    (_("公示公告"), "notices:list", None),
    (_("创新联合体名录"), "decisions:directory", None),
    (_("系统管理"), "admin:index", {Role.ADMIN}),
]


def expert_works_from_tasks(roles) -> bool:
    """Whether the user's work list is their review tasks: an expert with no role that has
    a work list of its own (applicant, county, city, admin). The menu then has one entry
    for it, and /applications/ sends them to /reviews/experts/."""
    return bool(roles) and roles[0] == Role.EXPERT and Role.ADMIN not in roles


WORK_LIST_TITLES = {
    Role.APPLICANT: _("我的申报"),
    Role.COUNTY_REVIEWER: _("待本县区审核"),
    Role.CITY_STAFF: _("市局办理"),
    Role.EXPERT: _("我的评审任务"),
    Role.ADMIN: _("全部申报"),
}


def site(request):
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else []
    nav = []
    tasks_only = expert_works_from_tasks(roles)
    for label, url_name, allowed in NAV:
        if allowed is None or allowed & set(roles):
            if url_name == "applications:list":
                # The first entry is the user's work list, named for their first role.
                label = WORK_LIST_TITLES[roles[0]]
                url_name = "experts:tasks" if tasks_only else url_name
            elif url_name == "experts:tasks" and tasks_only:
                continue  # already the first entry
            nav.append({"label": label, "url": reverse(url_name)})
    unread = 0
    if user is not None and user.is_authenticated:
        from liaoyang_consortia.notifications import unread_count

        unread = unread_count(user)
    return {
        "unread_notifications": unread,
        "portal_name": _("辽阳市创新联合体管理平台"),
        "user_roles": roles,
        "user_role_labels": [role.label for role in roles],
        "nav_items": nav,
    }
