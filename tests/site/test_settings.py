import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings_run(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('configured')"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "liaoyang_consortia.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _settings_run(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_without_a_secret_key_in_debug():
    result = _settings_run(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "configured" in result.stdout


def test_it_documents_every_environment_variable_in_env_example():
    read = set(
        re.findall(r'env\.\w+\("([A-Z_]+)"', (ROOT / "liaoyang_consortia/settings.py").read_text())
    )
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "settings read no variables?"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_it_is_chinese_in_shanghai_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_I18N and settings.USE_TZ
    assert "en" in dict(settings.LANGUAGES)
