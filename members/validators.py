"""统一社会信用代码 (unified social credit code, GB 32100-2015).

The code is 18 characters: registration authority (1), unit kind (2), administrative
division (3-8), organisation code (9-17), check character (18). The check character is
computed over the first 17 characters with the weights 3^(i-1) mod 31.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
_VALUES = {ch: i for i, ch in enumerate(USCC_CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(USCC_LENGTH - 1)]

# Positions 1-2 hint the kind of unit; the portal uses this to suggest, never to decide.
KIND_HINTS = {
    "91": "enterprise",
    "92": "enterprise",  # 个体工商户
    "93": "enterprise",  # 农民专业合作社
    "11": "institute",  # 机关
    "12": "institute",  # 事业单位 (most public universities and research institutes)
    "51": "service",  # 社会团体
    "52": "service",  # 民办非企业单位
    "53": "service",  # 基金会
}


def normalize_uscc(value) -> str:
    """Strip blanks and upper-case; full-width characters typed with a Chinese input
    method become their ASCII forms, so "９１２１…" is read as "9121…"."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(text.split()).upper()


def uscc_check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the charset)."""
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_error(value) -> str | None:
    """The Chinese message for what is wrong with a code, or None when it is valid.

    Pure: no database. The admin whitelist of pilot codes is applied by validate_uscc.
    """
    code = normalize_uscc(value)
    if not code:
        return _("请填写统一社会信用代码。")
    if len(code) != USCC_LENGTH:
        return _("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(code)}
    bad = sorted({ch for ch in code if ch not in _VALUES})
    if bad:
        return _("统一社会信用代码含有不允许的字符：%(chars)s（不使用字母 I、O、S、V、Z）。") % {
            "chars": "、".join(bad)
        }
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码校验位不正确，请核对后重新输入。")
    return None


def is_checksum_error(value) -> bool:
    code = normalize_uscc(value)
    return (
        len(code) == USCC_LENGTH
        and all(ch in _VALUES for ch in code)
        and code[17] != uscc_check_character(code[:17])
    )


def validate_uscc(value) -> None:
    """Raise ValidationError (in Chinese) unless value is a valid unified social credit code.

    Blanks and lower case are accepted and read as normalize_uscc reads them. A code that
    fails only its checksum passes when an admin has whitelisted it (a few early pilot
    codes were issued that way); that lookup happens only for such codes.
    """
    message = uscc_error(value)
    if message is None:
        return
    if is_checksum_error(value):
        from members.models import UsccWhitelist

        if UsccWhitelist.objects.filter(code=normalize_uscc(value)).exists():
            return
    raise ValidationError(message, code="invalid_uscc")


def suggest_kind(value) -> str | None:
    """A suggested Organization.kind from positions 1-2, or None."""
    return KIND_HINTS.get(normalize_uscc(value)[:2])


def division_code(value) -> str:
    """Positions 3-8: the GB/T 2260 division where the unit was registered."""
    return normalize_uscc(value)[2:8]


# A mainland mobile number: 11 digits, 1 then 3-9 (numbers are issued from 13x to 19x).
_MOBILE_DIGITS = 11


def normalize_mobile(value) -> str:
    """What people type around a number (blanks, dashes, +86, full-width digits) removed."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = "".join(ch for ch in text if ch not in " -")
    if text.startswith("+86"):
        text = text[3:]
    return text


def validate_mobile(value) -> None:
    number = normalize_mobile(value)
    if not (
        len(number) == _MOBILE_DIGITS
        and number.isascii()
        and number.isdigit()
        and number[0] == "1"
        and number[1] in "3456789"
    ):
        raise ValidationError(
            _("请输入11位中国大陆手机号码，例如 13912345678。"), code="invalid_mobile"
        )
