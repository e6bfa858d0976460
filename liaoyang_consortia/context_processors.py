from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.roles import Role, roles_of

# One row per navigation entry: (label, url name, roles that see it). Later features add
# their pages here, so the menu never links to a page a role may not open.
NAV = [
    (
        _("工作台"),
        "applications:list",
        {Role.APPLICANT, Role.COUNTY_REVIEWER, Role.CITY_STAFF, Role.EXPERT, Role.ADMIN},
    ),
    (_("诚信记录"), "admin:members_integrityrecord_changelist", {Role.CITY_STAFF}),
    (_("本单位"), "members:unit", {Role.APPLICANT}),
    (_("系统管理"), "admin:index", {Role.ADMIN}),
]

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
    for label, url_name, allowed in NAV:
        if allowed & set(roles):
            title = WORK_LIST_TITLES[roles[0]] if url_name == "applications:list" else label
            nav.append({"label": title, "url": reverse(url_name)})
    return {
        "portal_name": _("辽阳市创新联合体管理平台"),
        "user_roles": roles,
        "user_role_labels": [role.label for role in roles],
        "nav_items": nav,
    }
