import re
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import AGREEMENT_CLAUSES, Agreement
from applications.pdf import render_application_pdf
from tests.factories import make_complete_application

pytestmark = pytest.mark.django_db

MAX_BYTES = 1.5 * 1024 * 1024


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # The factory stores attachment files: keep them out of the project folder.
    settings.MEDIA_ROOT = tmp_path / "media"


def _write(pdf: bytes, tmp_path, name="form.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _pages(path) -> int:
    return int(_info(path)["Pages"])


def test_it_renders_the_application_form_in_chinese(tmp_path):
    application = make_complete_application()
    member = application.memberships.exclude(role="lead").select_related("organization")[0]

    text = _text(_write(render_application_pdf(application), tmp_path))

    assert "辽阳市创新联合体组建申请表" in text
    assert "辽阳市精细化工创新联合体" in text
    assert "辽阳华晟精细化工有限公司" in text
    assert member.organization.uscc in text
    assert "杨振华" in text
    assert "辽阳市科学技术局制" in text
    assert re.search(r"第\s*2\s*页\s*/\s*共\s*\d+\s*页", text)
    for _code, label in AGREEMENT_CLAUSES:
        assert str(label) in text
    # The money figures with thousands separators, the ratio with its percent sign.
    assert "52,000.00" in text
    assert "4.00%" in text


def test_it_renders_an_a4_pdf_under_one_and_a_half_megabytes(tmp_path):
    pdf = render_application_pdf(make_complete_application())
    path = _write(pdf, tmp_path)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) < MAX_BYTES
    match = re.match(r"([\d.]+) x ([\d.]+) pts", _info(path)["Page size"])
    width, height = float(match[1]), float(match[2])
    assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1


def test_it_embeds_only_subset_noto_cjk_fonts(tmp_path):
    path = _write(render_application_pdf(make_complete_application()), tmp_path)

    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    fonts = out.splitlines()[2:]
    assert fonts
    for line in fonts:
        name, *_rest = line.split()
        # "ABCDEF+Noto-Serif-CJK-SC ... emb sub uni": embedded, subset, with a Unicode map.
        assert re.fullmatch(r"[A-Z]{6}\+Noto-(Sans|Serif)-CJK-SC(-Bold)?", name), line
        assert re.search(r"\byes\s+yes\s+yes\b", line), line


def test_it_grows_by_pages_not_by_queries_with_forty_units(tmp_path):
    small = make_complete_application(units=8)
    large = make_complete_application(units=40)

    with CaptureQueriesContext(connection) as small_queries:
        small_pdf = render_application_pdf(small)
    with CaptureQueriesContext(connection) as large_queries:
        large_pdf = render_application_pdf(large)

    assert len(small_queries) == len(large_queries)
    assert len(large_queries) <= 5  # with the research-integrity pledges
    assert _pages(_write(large_pdf, tmp_path, "large.pdf")) > _pages(
        _write(small_pdf, tmp_path, "small.pdf")
    )
    assert len(large_pdf) < MAX_BYTES


def test_it_marks_an_empty_plan_field_as_not_filled_in(tmp_path):
    application = make_complete_application(roadmap="")

    text = _text(_write(render_application_pdf(application), tmp_path))

    assert "（未填写）" in text
    assert "三年内突破芳烃精深加工关键技术5项。" in text


def test_it_marks_clauses_missing_from_the_agreement(tmp_path):
    application = make_complete_application()
    Agreement.objects.filter(application=application).update(clauses={"duration": "第一条"})

    text = _text(_write(render_application_pdf(application), tmp_path))

    assert "第一条" in text
    assert text.count("未约定") == len(AGREEMENT_CLAUSES) - 1


def test_it_renders_without_an_agreement(tmp_path):
    application = make_complete_application()
    Agreement.objects.filter(application=application).delete()

    text = _text(_write(render_application_pdf(application), tmp_path))

    assert "尚未填写组建协议" in text
    assert text.count("未约定") == len(AGREEMENT_CLAUSES)


def test_it_escapes_what_applicants_type(tmp_path):
    application = make_complete_application(goals="<b>加粗</b> & <script>x</script>")

    text = _text(_write(render_application_pdf(application), tmp_path))

    assert "<b>加粗</b> & <script>x</script>" in text


# --- the members table (issue 11) ----------------------------------------------------------

# Organisation codes as real ones run (digits and capitals, some of the widest letters).
ORG_CODES = ["MA0Y7K3Q2", "MA0XW8MN4", "MB0WM6HK1", "MA0QW9MW3", "MA1GH8MX0", "MA0MWMK85"]
LONG_TASK = (
    "负责高选择性加氢催化剂的小试、中试放大与工艺包编制，牵头连续流微通道反应装置的"
    "设计制造，并在本单位生产线上完成示范应用与成果转化。"
)


def _members_application():
    from applications.models import Membership
    from members.validators import uscc_check_character

    application = make_complete_application(units=9)
    members = Membership.objects.filter(application=application).select_related("organization")
    for n, membership in enumerate(members):
        first17 = f"912110{n % 90 + 10:02d}{ORG_CODES[n % len(ORG_CODES)]}"
        org = membership.organization
        org.uscc = first17 + uscc_check_character(first17)
        org.name = f"辽阳市白塔区第{n + 1}智能制造装备与新材料科技股份有限公司"
        org.save(update_fields=["uscc", "name"])
        membership.task_share = LONG_TASK
        membership.save(update_fields=["task_share"])
    return application


def _cells(document):
    """(cell box, its text, its line boxes) for every cell of the members table."""
    from weasyprint.formatting_structure import boxes

    for page in document.pages:
        for table in page._page_box.descendants():
            if not (isinstance(table, boxes.TableBox) and "members" in table.element.get("class")):
                continue
            for cell in table.descendants():
                if isinstance(cell, boxes.TableCellBox):
                    texts = [b for b in cell.descendants() if isinstance(b, boxes.TextBox)]
                    lines = [b for b in cell.descendants() if isinstance(b, boxes.LineBox)]
                    yield cell, "".join(t.text for t in texts), texts, lines


def test_it_keeps_each_credit_code_on_one_line_inside_its_cell(tmp_path):
    import weasyprint
    from django.conf import settings

    from applications.pdf import render_application_html

    application = _members_application()
    codes = set(application.memberships.values_list("organization__uscc", flat=True))
    assert len(codes) == 9
    document = weasyprint.HTML(
        string=render_application_html(application), base_url=str(settings.BASE_DIR)
    ).render()

    found, task_lines, widths = set(), [], {}
    for cell, text, texts, lines in _cells(document):
        if text in codes:
            found.add(text)
            (piece,) = texts  # one piece …
            assert len(lines) == 1, f"{text} wraps to {len(lines)} lines"  # … on one line
            right = cell.content_box_x() + cell.width
            assert piece.position_x + piece.width <= right + 0.01, f"{text} overflows its cell"
        if text == LONG_TASK:
            task_lines.append(len(lines))
            widths["task"] = cell.width
        if "（已盖章）" in text:
            widths["seal"] = cell.width
    assert found == codes
    # 承担任务 has the room the seal column gave up: the widest column, a 62-character task
    # in six lines (eleven before).
    assert len(task_lines) == 9 and max(task_lines) <= 6, task_lines
    assert widths["task"] > 1.5 * widths["seal"]

    # And the text a reader copies out of the PDF has each code whole.
    pdf = document.write_pdf()
    text = _text(_write(pdf, tmp_path))
    assert all(code in text for code in codes)
