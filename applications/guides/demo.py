"""Demo guides and intents for seed_demo, through the services the pages call: the 2026
guide in force, the 2024 one withdrawn, and three intents — encouraged (not yet turned into
a draft), asked to improve, and waiting. Idempotent: found by title / by unit and name."""

from datetime import date

from applications.guides import services
from applications.guides.models import Guide, Intent
from members.models import IndustryField

GUIDE_2026 = "2026年辽阳市创新联合体布局指南"
GUIDE_2024 = "2024年辽阳市创新联合体组建工作指引"

BODY_2026 = """根据《辽阳市创新联合体建设管理办法》第四条，市科技局结合全市重点产业集群发展需要，发布本年度创新联合体总体布局要求。

一、布局方向。围绕芳烃及精细化工、铝合金精深加工、先进装备制造及汽车零部件三个重点产业集群，以及增材制造、新材料、医药健康、双碳等领域，支持龙头企业牵头组建创新联合体。

二、组建要求。牵头单位原则上为在辽阳市注册的企业，联合高校、科研院所、科技服务机构等不少于8家独立法人单位，签订组建协议，明确首席专家、目标任务和运行机制。

三、受理方式。组建申请常年受理，成熟一个、启动一个。有意组建的单位可先在平台登记组建意向，市科技局将在10个工作日内答复。"""

TARGETS_2026 = "到2026年底，全市新组建创新联合体3—5个，重点产业集群实现全覆盖；每个联合体至少攻克1项关键核心技术。"

INTENTS = [
    # (applicant, name core, field, partners, goals, answer, note)
    (
        "applicant_l",
        "高端铝箔",
        "铝合金精深加工",
        "辽沈有色金属研究院\n辽南科技大学\n灯塔市华铝复合材料有限公司\n鞍山市某某检测中心",
        "突破电池铝箔轧制和表面处理关键技术，建设中试线，形成行业标准1项。",
        "encourage",
        "方向符合布局指南，请尽快组织成员单位签订组建协议并提交申请。",
    ),
    (
        "applicant_m",
        "汽车轻量化部件",
        "先进装备制造及汽车零部件",
        "沈阳先进制造技术研究院\n灯塔市驰远汽车部件有限公司",
        "开发一体化压铸车身部件。",
        "improve",
        "拟合作单位仅2家，请补充高校和科技服务机构，并细化建设目标和关键技术。",
    ),
    (
        "applicant_n",
        "绿色溶剂",
        "芳烃及精细化工",
        "东北化工大学\n辽宁材料科学研究院\n辽阳宏泰精细化学品有限公司",
        "研发芳烃下游绿色溶剂的连续化生产工艺。",
        "",
        "",
    ),
]


def seed_guides(users) -> list[Guide]:
    city = users["city_staff"]
    made = []
    older = Guide.objects.filter(title=GUIDE_2024).first()
    if older is None:
        older = services.save_guide(
            actor=city,
            values={
                "title": GUIDE_2024,
                "document_number": "辽市科发〔2024〕12号",
                "body": "组建申请常年受理。本指引已由2026年布局指南替代。",
                "targets": "",
                "deadline": None,
            },
            industry_fields=IndustryField.objects.filter(is_cluster=True),
        )
        # Published and withdrawn on past days: set directly (the services stamp today).
        Guide.objects.filter(pk=older.pk).update(
            published_on=date(2024, 3, 1), withdrawn_on=date(2026, 2, 28)
        )
        made.append(older)
    guide = Guide.objects.filter(title=GUIDE_2026).first()
    if guide is None:
        guide = services.save_guide(
            actor=city,
            values={
                "title": GUIDE_2026,
                "document_number": "辽市科发〔2026〕5号",
                "body": BODY_2026,
                "targets": TARGETS_2026,
                "deadline": None,
            },
            industry_fields=IndustryField.objects.filter(is_active=True, in_scope=True),
        )
        Guide.objects.filter(pk=guide.pk).update(published_on=date(2026, 3, 1))
        made.append(guide)
    return made


def seed_intents(users) -> list[Intent]:
    city = users["city_staff"]
    guide = Guide.objects.get(title=GUIDE_2026)
    made = []
    for username, core, field, partners, goals, answer, note in INTENTS:
        user = users[username]
        if Intent.objects.filter(organization=user.profile.organization, name_core=core).exists():
            continue
        intent = services.register_intent(
            actor=user,
            values={
                "guide": guide,
                "industry_field": IndustryField.objects.get(name=field),
                "name_core": core,
                "partners": partners,
                "goals": goals,
                "contact_name": user.get_full_name() or user.username,
                "contact_phone": "0419-2100000",
                "contact_email": "",
            },
        )
        if answer:
            services.answer_intent(actor=city, intent=intent, answer=answer, note=note)
        made.append(intent)
    return made
