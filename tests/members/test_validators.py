"""统一社会信用代码 (GB 32100-2015) — DESIGN.md §2. Pure checks run without a database."""

import pytest
from django.core.exceptions import ValidationError

from members.models import UsccWhitelist
from members.validators import (
    normalize_uscc,
    suggest_kind,
    uscc_check_character,
    uscc_error,
    validate_uscc,
)
from tests.factories import valid_uscc

# Codes published on real business licences, so the algorithm is checked against the
# world, not only against itself.
REAL_CODES = ["91350100M000100Y43", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_accepts_real_codes(code):
    assert uscc_error(code) is None
    validate_uscc(code)


def test_it_computes_the_check_character_with_weights_3_pow_i_mod_31():
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert uscc_check_character("91110000802100433") == "B"


@pytest.mark.parametrize(
    "typed",
    [
        "91350100m000100y43",
        "  91350100M000100Y43 ",
        "9135 0100 M000 100Y 43",
        "９１３５０１００Ｍ０００１００Ｙ４３",
    ],
)
def test_it_reads_blanks_lower_case_and_full_width_as_the_code(typed):
    assert normalize_uscc(typed) == "91350100M000100Y43"
    validate_uscc(typed)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "请填写统一社会信用代码"),
        ("91350100M000100Y4", "应为18位，当前为17位"),
        ("91350100M000100Y433", "应为18位，当前为19位"),
        ("91350100I000100Y43", "不允许的字符：I"),
        ("91350100O00S100Y43", "不允许的字符：O、S"),
        ("91350100M000100Y44", "校验位不正确"),
        ("91110000802100433A", "校验位不正确"),
    ],
)
def test_it_refuses_broken_codes_with_a_clear_chinese_message(code, message):
    assert message in uscc_error(code)


@pytest.mark.django_db
def test_it_raises_validation_error_for_a_wrong_check_character():
    with pytest.raises(ValidationError) as err:
        validate_uscc("91350100M000100Y44")
    assert err.value.code == "invalid_uscc"
    assert "校验位不正确" in err.value.messages[0]


@pytest.mark.django_db
def test_it_lets_an_admin_whitelist_a_pilot_code_that_fails_its_checksum():
    UsccWhitelist.objects.create(code="91350100m000100y44", reason="早期试点代码")
    validate_uscc("91350100M000100Y44")
    # The whitelist covers only checksum failures, never a malformed code.
    with pytest.raises(ValidationError):
        validate_uscc("91350100M000100Y4")


def test_it_generates_valid_codes_for_the_tests():
    assert uscc_error(valid_uscc()) is None
    assert uscc_error(valid_uscc("12210000")) is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("91350100M000100Y43", "enterprise"),
        ("12210000000000001X", "institute"),
        ("52210000000000001X", "service"),
        ("Y1210000000000001X", None),
    ],
)
def test_it_suggests_a_unit_kind_from_positions_1_and_2(code, kind):
    assert suggest_kind(code) == kind
