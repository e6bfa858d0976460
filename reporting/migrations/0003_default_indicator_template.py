"""The default indicator template (考核评价指标), in force from 1 January 2026: a 100-point
sheet after articles 12-17, 22 and 23 of the Measures. Admins change it by copying it as
a new version (reporting.assessments.services.copy_template) and putting that in force."""

from datetime import date

from django.db import migrations

NAME = "辽阳市创新联合体考核评价指标"
VERSION = "2026版"

# (category, name, weight, method, source, evidence, guide)
INDICATORS = [
    (
        "joint_research",
        "关键核心技术协同攻关",
        20,
        "expert",
        "",
        "攻关任务清单、阶段成果、验收或测试报告",
        "按协议确定的年度攻关任务完成程度评分：全部完成且有突破的18-20分，基本完成的12-17分，部分完成的6-11分，进展滞后的0-5分。",
    ),
    (
        "joint_research",
        "承担市级及以上科技项目",
        10,
        "computed",
        "projects",
        "由平台根据市局确认的在研项目计算",
        "国家级项目每项计满分，省级每项计一半，市级每项计四分之一，以本项分值为限。",
    ),
    (
        "platform",
        "创新平台建设与开放共享",
        10,
        "expert",
        "",
        "平台认定文件、仪器设备共享记录",
        "新建或提升省级以上平台的8-10分，平台运行良好并对成员开放共享的5-7分，其余0-4分。",
    ),
    (
        "transfer",
        "科技成果转化与产业化",
        10,
        "expert",
        "",
        "转化合同、收入凭证、产业化项目说明",
        "按成果转化项数、金额及带动效益综合评分。",
    ),
    (
        "transfer",
        "新产品新技术新工艺",
        5,
        "expert",
        "",
        "新产品鉴定、查新报告、销售证明",
        "形成新产品新技术新工艺并实现应用的4-5分，处于中试阶段的2-3分。",
    ),
    (
        "ip_standards",
        "知识产权创造与运用",
        8,
        "expert",
        "",
        "专利授权证书、许可或转让合同",
        "按发明专利授权、许可转让等情况评分。",
    ),
    (
        "ip_standards",
        "标准制修订",
        5,
        "expert",
        "",
        "标准文本、发布公告",
        "主导制修订国家或行业标准的4-5分，团体或地方标准的2-3分。",
    ),
    (
        "regional",
        "产业链协同与区域合作",
        7,
        "expert",
        "",
        "合作协议、协同项目说明",
        "按带动本地产业链上下游企业、开展跨区域合作的成效评分。",
    ),
    (
        "finance",
        "研发投入与金融资本引入",
        7,
        "expert",
        "",
        "研发投入专项审计、融资或投资协议",
        "按成员单位研发投入增长及引入金融资本情况评分。",
    ),
    (
        "operation",
        "年度报告按期报送",
        5,
        "computed",
        "report_on_time",
        "由平台根据年度报告报送时间计算",
        "考核年度的年度报告于次年3月31日前报送的计满分，逾期或未报送的不得分。",
    ),
    (
        "operation",
        "成员变更按规定报备",
        3,
        "computed",
        "member_changes",
        "由平台根据成员变更报备记录计算",
        "无变更或变更均已按规定备案的计满分，每有一项被退回扣本项分值的一半。",
    ),
    (
        "operation",
        "协议履约与运行管理",
        10,
        "expert",
        "",
        "内部管理制度、理事会或联席会议纪要、经费管理台账",
        "按组建协议履约、议事决策、经费管理和利益分配机制运行情况评分；组织不力、未按协议履约的不超过4分（第二十四条）。",
    ),
]


def seed(apps, schema_editor):
    Template = apps.get_model("reporting", "IndicatorTemplate")
    Indicator = apps.get_model("reporting", "Indicator")
    ScoreSheet = apps.get_model("reviews", "ScoreSheet")
    Criterion = apps.get_model("reviews", "Criterion")
    if Template.objects.filter(name=NAME, version=VERSION).exists():
        return
    sheet = ScoreSheet.objects.create(name=f"{NAME}（{VERSION}）专家评分表", purpose="assessment")
    template = Template.objects.create(
        name=NAME,
        version=VERSION,
        note="依据《辽阳市创新联合体管理办法》第十二至十七条、第二十二至二十五条拟定。",
        in_force_from=date(2026, 1, 1),
        score_sheet=sheet,
    )
    criterion_order = 0
    for order, (category, name, weight, method, source, evidence, guide) in enumerate(
        INDICATORS, 1
    ):
        criterion = None
        if method == "expert":
            criterion_order += 1
            criterion = Criterion.objects.create(
                sheet=sheet, order=criterion_order, name=name, description=guide, max_points=weight
            )
        Indicator.objects.create(
            template=template,
            order=order,
            category=category,
            name=name,
            weight=weight,
            method=method,
            source=source,
            evidence=evidence,
            guide=guide,
            criterion=criterion,
        )


def unseed(apps, schema_editor):
    Template = apps.get_model("reporting", "IndicatorTemplate")
    for template in Template.objects.filter(name=NAME, version=VERSION):
        sheet = template.score_sheet
        template.indicators.all().delete()
        template.delete()
        if sheet is not None:
            sheet.criteria.all().delete()
            sheet.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_assessments"),
        ("reviews", "0004_assessments"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
