"""The lock file (DESIGN.md §17, issue 15 point 1): every install path takes requirements/*.txt,
which `make lock` exports from uv.lock; the suite fails, saying what to run, as soon as either
no longer matches pyproject.toml."""

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
FIX = "运行 make lock，再提交 pyproject.toml、uv.lock 与 requirements/（lock file out of date: run make lock）"
# Each exported file and the extras it holds, as scripts/lock.sh writes them.
EXPORTS = {"base": [], "test": ["test"], "bench": ["test", "bench"], "s3": ["s3"]}


def _uv(*args, cwd=ROOT):
    # Offline and with an empty cache of its own: the check must not depend on the network or
    # on what an earlier run downloaded.
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "UV_OFFLINE": "1", "UV_CACHE_DIR": cache}
        return subprocess.run(
            [str(UV), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
        )


def lock_problems(root: Path) -> list[str]:
    """What no longer matches in `root`; empty when uv.lock and the exports are current."""
    if not (root / "uv.lock").exists():
        return [f"没有 uv.lock。{FIX}"]
    checked = _uv("lock", "--check", cwd=root)
    if checked.returncode != 0:
        return [f"uv.lock 与 pyproject.toml 不一致。{FIX}\n{checked.stderr.strip()}"]
    problems = []
    for name, extras in EXPORTS.items():
        args = ["export", "--frozen", "--no-emit-project", "--no-dev", "--no-header"]
        args += ["--format", "requirements-txt"]
        for extra in extras:
            args += ["--extra", extra]
        expected = _uv(*args, cwd=root).stdout
        path = root / "requirements" / f"{name}.txt"
        if not path.exists() or path.read_text() != expected:
            problems.append(f"requirements/{name}.txt 不是由 uv.lock 导出的当前内容。{FIX}")
    return problems


def test_it_has_a_current_lock_and_exports():
    assert UV.exists(), "uv 应随测试工具安装（pyproject.toml 的 test 附加依赖）"
    assert lock_problems(ROOT) == []


def test_it_pins_every_package_with_hashes():
    for name in EXPORTS:
        text = (ROOT / "requirements" / f"{name}.txt").read_text()
        pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
        assert pins and len(pins) == len(entries)
        assert all("--hash=sha256:" in entry for entry in entries)
    locked = tomllib.loads((ROOT / "uv.lock").read_text())
    versions = {p["name"]: p.get("version") for p in locked["package"]}
    assert versions["django"].startswith("5.2.")


@pytest.fixture
def copy_of_project(tmp_path):
    for name in ("pyproject.toml", "uv.lock"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    (tmp_path / "requirements").mkdir()
    for name in EXPORTS:
        path = f"requirements/{name}.txt"
        (tmp_path / path).write_bytes((ROOT / path).read_bytes())
    return tmp_path


def test_it_fails_with_what_to_run_when_pyproject_changes(copy_of_project):
    pyproject = copy_of_project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"openpyxl>=3.1,<4",', '"openpyxl>=3.1,<4",\n    "six>=1.16",'
        )
    )
    problems = lock_problems(copy_of_project)
    assert len(problems) == 1
    assert "uv.lock 与 pyproject.toml 不一致" in problems[0] and "make lock" in problems[0]


def test_it_fails_when_an_export_is_edited_by_hand(copy_of_project):
    test_txt = copy_of_project / "requirements" / "test.txt"
    test_txt.write_text(re.sub(r"^django==\S+", "django==5.2.0", test_txt.read_text(), flags=re.M))
    assert lock_problems(copy_of_project) == [
        f"requirements/test.txt 不是由 uv.lock 导出的当前内容。{FIX}"
    ]


def test_every_install_path_uses_the_lock():
    venv = (ROOT / "scripts" / "venv.sh").read_text()
    assert "--require-hashes" in venv and "requirements/${extras}.txt" in venv
    assert "scripts/venv.sh bench" in (ROOT / "scripts" / "bench.sh").read_text()
    assert "scripts/venv.sh test" in (ROOT / "scripts" / "test.sh").read_text()
    assert re.search(r"^scripts/venv\.sh$", (ROOT / "scripts" / "run.sh").read_text(), re.M)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "ARG REQUIREMENTS=base" in dockerfile
    assert "pip install --no-cache-dir --no-deps" in dockerfile
