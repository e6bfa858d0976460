"""The Measures' stated term (article 27): the 2023 version's source document and end, the
warning from 90 days before it and after it with no successor, where it is shown, and that
the portal keeps working on the expired version."""

from datetime import date

import pytest

from members import rules
from members.models import PolicyVersion
from members.roles import Role
from members.selectors import policy_validity_warning
from tests.factories import make_user

pytestmark = pytest.mark.django_db
NAME = "《辽阳市创新联合体建设管理办法》"
END = date(2026, 5, 22)


def warn(today, *, successor=False, end=END):
    return rules.validity_warning(name=NAME, stated_end=end, has_successor=successor, today=today)


def test_it_warns_from_90_days_before_the_stated_end():
    assert warn(date(2026, 2, 20)) is None  # 91 days before
    assert "还有90天到期" in warn(date(2026, 2, 21))
    assert "还有0天到期" in warn(END)


def test_it_warns_after_the_end_while_no_successor_is_recorded_and_keeps_working():
    text = warn(date(2026, 5, 23))
    assert "已于2026年5月22日届满" in text and "继续运行" in text
    assert warn(date(2026, 5, 23), successor=True) is None
    assert warn(date(2026, 5, 23), end=None) is None


def test_the_2023_version_records_its_document_and_its_end_three_years_on():
    version = PolicyVersion.in_force(date(2026, 12, 1))
    assert version.source_title == "辽阳市创新联合体建设管理办法"
    assert version.source_issued_on == date(2023, 5, 23)
    assert version.stated_end == END


def test_the_selector_warns_today_and_stops_once_a_successor_is_entered():
    assert "届满" in policy_validity_warning(date(2026, 12, 1))
    PolicyVersion.objects.create(name="2027年修订版", effective_from=date(2027, 1, 1))
    assert policy_validity_warning(date(2026, 12, 1)) is None


def test_the_home_page_names_the_version_in_force(client):
    page = client.get("/").content.decode()
    assert "现行依据：《辽阳市创新联合体建设管理办法》" in page
    assert "文件规定有效期至2026年5月22日" in page


def test_city_staff_see_the_warning_on_their_work_list_and_applicants_do_not(client, alice):
    charlie = make_user("charlie", Role.CITY_STAFF)
    client.force_login(charlie)
    assert 'data-testid="policy-warning"' in client.get("/applications/").content.decode()
    client.force_login(alice)
    assert 'data-testid="policy-warning"' not in client.get("/applications/").content.decode()


def test_admins_see_it_on_the_admin_index(client, erin):
    client.force_login(erin)
    page = client.get("/admin/").content.decode()
    assert 'data-testid="policy-warning"' in page and "届满" in page
