"""make backup / make restore (issue 15 points 2 and 3, liaoyang_consortia/backup.py): the
round trip on the suite's real PostgreSQL, the refusals, damaged backups, the SQLite demo, and
the pure comparison. The scripts run as the operator runs them, in a subprocess against the
test database: transactional tests, so pg_dump's own connection sees the committed rows."""

import hashlib
import importlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection
from zeal import zeal_ignore

from applications.models import Attachment
from liaoyang_consortia import backup
from tests.factories import make_complete_application

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DATA = (
    ("members.migrations.0002_reference_data", "forwards"),
    ("members.migrations.0004_default_policy_version", "forwards"),
    ("reviews.migrations.0002_default_score_sheet", "create_sheet"),
    ("reporting.migrations.0003_default_indicator_template", "seed"),
    ("reporting.migrations.0005_coordination_items", "seed_departments"),
)


# --- Helpers ------------------------------------------------------------------------------


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{name}"


def _run(script: str, *args, database_url: str, media_root: Path, backup_dir: Path | None = None):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        # This interpreter: the scripts' own venv.sh step is the suite's, already done.
        "APP_PYTHON": sys.executable,
    }
    env.pop("UPLOAD_STORAGE", None)
    if backup_dir is not None:
        env["BACKUP_DIR"] = str(backup_dir)
    return subprocess.run(
        [str(REPO / "scripts" / script), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _backup(media_root: Path, backup_dir: Path) -> Path:
    result = _run(
        "backup.sh",
        database_url=_url(connection.settings_dict["NAME"]),
        media_root=media_root,
        backup_dir=backup_dir,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert folder.parent == backup_dir and folder.name.startswith("liaoyang-")
    return folder


def _admin():
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"],
        port=s["PORT"],
        user=s["USER"],
        password=s["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def new_database():
    """Empty PostgreSQL databases made on demand, dropped at the end."""
    made = []

    def make():
        name = f"restore_{uuid.uuid4().hex[:12]}"
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    with _admin() as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rows(name: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and the md5 of all its rows' text, read independently of the
    code under test."""
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"], dbname=name
    ) as db:
        db.execute("SET TIME ZONE 'UTC'")
        tables = [
            t
            for (t,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            t: db.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), ''))"  # noqa: S608
                f' FROM "{t}" r'
            ).fetchone()
            for t in tables
        }


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _restore(folder: Path, database: str, media_root: Path, *extra):
    return _run("restore.sh", folder, *extra, database_url=_url(database), media_root=media_root)


@pytest.fixture(scope="module")
def small_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One backup, shared by the module's tests, of one complete application with its two
    uploaded files. Made once (each backup is a subprocess); committed outside any test,
    which is safe because pytest-django runs the transactional tests that use it after every
    other database test, and the first of them empties the database when it ends."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("small")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=root / "media"):
        # What migrating gives every database, as tests/conftest.py's _reference_data puts
        # back: a transactional test before may have flushed it.
        emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)
        for module, function in REFERENCE_DATA:
            getattr(importlib.import_module(module), function)(django_apps, None)
        make_complete_application()
        assert Attachment.objects.count() == 2
        return _backup(root / "media", root / "backups")


# --- The round trip -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_restores_the_seeded_demo_row_for_row_and_file_for_file(
    settings, tmp_path, new_database
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    # Arranging, as tests/factories.py does: the N+1 detector is for the code under test.
    with zeal_ignore():
        call_command("seed_demo", stdout=io.StringIO())
    source = connection.settings_dict["NAME"]
    uploads = _files(media)
    assert len(uploads) >= 10 and Attachment.objects.exists()

    folder = _backup(media, tmp_path / "backups")
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar",
    ]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["app"]["version"]
    assert manifest["tables"]["applications_attachment"]["rows"] == Attachment.objects.count()
    assert ["applications", "0001_initial"] in manifest["migrations"]
    assert {p: f["sha256"] for p, f in manifest["media"]["files"].items()} == uploads

    target, restored_media = new_database(), tmp_path / "restored-media"
    result = _restore(folder, target, restored_media)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "恢复完成，与清单一致" in result.stdout

    expected = _rows(source)
    assert len(expected) == len(manifest["tables"]) > 50
    assert sum(n for n, _ in expected.values()) > 500
    assert _rows(target) == expected
    assert _files(restored_media) == uploads


# --- Refusals and --force -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_database_that_is_not_empty_and_changes_nothing(small_backup, tmp_path):
    source = connection.settings_dict["NAME"]
    before = _rows(source)

    result = _restore(small_backup, source, tmp_path / "empty-media")

    assert result.returncode != 0
    assert "目标数据库不是空的" in result.stderr and "--force" in result.stderr
    assert _rows(source) == before
    assert not (tmp_path / "empty-media").exists() or not _files(tmp_path / "empty-media")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_uploads_folder_that_is_not_empty(small_backup, tmp_path, new_database):
    target, media = new_database(), tmp_path / "busy-media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "keep.pdf").write_bytes(b"someone's upload")

    result = _restore(small_backup, target, media)

    assert result.returncode != 0
    assert f"上传目录 {media} 不是空的（已有 1 个文件）" in result.stderr
    assert _rows(target) == {}
    assert _files(media) == {
        "attachments/keep.pdf": hashlib.sha256(b"someone's upload").hexdigest()
    }


@pytest.mark.django_db(transaction=True)
def test_force_replaces_what_is_there(small_backup, tmp_path, new_database):
    target, media = new_database(), tmp_path / "restored-media"
    assert _restore(small_backup, target, media).returncode == 0
    expected_rows, expected_files = _rows(target), _files(media)
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"], dbname=target
    ) as db:
        db.execute("CREATE TABLE left_over (id int)")
        db.execute("DELETE FROM applications_attachment")
    (media / "stray.txt").write_text("not in the backup")

    forced = _restore(small_backup, target, media, "--force")

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "--force：清空目标数据库" in forced.stdout
    assert _rows(target) == expected_rows
    assert _files(media) == expected_files


# --- Damaged backups ----------------------------------------------------------------------


def _copy(folder: Path, tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name / folder.name
    shutil.copytree(folder, copy)
    return copy


def _edit_manifest(folder: Path, change) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_it_detects_a_truncated_dump_before_touching_anything(small_backup, tmp_path, new_database):
    damaged = _copy(small_backup, tmp_path, "truncated")
    dump = damaged / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    target, media = new_database(), tmp_path / "restored-media"

    result = _restore(damaged, target, media)

    assert result.returncode != 0
    assert "备份已损坏，未做任何改动" in result.stderr
    assert "database.dump：与清单不符" in result.stderr
    assert "media.tar" not in result.stderr  # only what is damaged is named
    assert _rows(target) == {}
    assert not media.exists()


@pytest.mark.django_db(transaction=True)
def test_it_names_an_upload_whose_bytes_changed_inside_the_tar(
    small_backup, tmp_path, new_database
):
    damaged = _copy(small_backup, tmp_path, "changed-file")
    tar_path = damaged / "media.tar"
    with tarfile.open(tar_path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    changed = members[0][0].name
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for member, content in members:
            if member.name == changed:
                content = content.replace(b"%PDF", b"%PDX", 1)
            tar.addfile(member, io.BytesIO(content))
    # The tar's own hash is made to match, so only the per-file check can catch it.
    sha, size = backup.sha256_of(tar_path)
    _edit_manifest(damaged, lambda m: m["media"].update(sha256=sha, bytes=size))
    target, media = new_database(), tmp_path / "restored-media"

    result = _restore(damaged, target, media)

    assert result.returncode != 0
    assert "恢复后与清单不一致（1 处）" in result.stderr
    assert f"文件 {changed}：内容与备份不同" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_it_names_a_table_whose_count_differs_from_the_manifest(
    small_backup, tmp_path, new_database
):
    damaged = _copy(small_backup, tmp_path, "edited-count")
    _edit_manifest(damaged, lambda m: m["tables"]["applications_attachment"].update(rows=3))
    target, media = new_database(), tmp_path / "restored-media"

    result = _restore(damaged, target, media)

    assert result.returncode != 0
    assert "表 applications_attachment：应有 3 行，实有 2 行" in result.stderr


# --- The SQLite demo ----------------------------------------------------------------------


def test_the_demo_sqlite_database_backs_up_and_restores(tmp_path):
    demo = tmp_path / "demo.sqlite3"
    with sqlite3.connect(demo) as db:
        db.execute("CREATE TABLE django_migrations (id integer primary key, app, name, applied)")
        db.execute("INSERT INTO django_migrations (app, name) VALUES ('members', '0001_initial')")
        db.execute("CREATE TABLE members_county (id integer primary key, name text)")
        db.executemany("INSERT INTO members_county (name) VALUES (?)", [("白塔区",), ("灯塔市",)])
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "营业执照.pdf").write_bytes(b"%PDF-1.4 licence")

    made = _run(
        "backup.sh",
        database_url=f"sqlite:///{demo}",
        media_root=media,
        backup_dir=tmp_path / "backups",
    )
    assert made.returncode == 0, made.stdout + made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert (folder / "database.sqlite3").is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["members_county"]["rows"] == 2
    assert manifest["migrations"] == [["members", "0001_initial"]]

    restored, restored_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    result = _run(
        "restore.sh", folder, database_url=f"sqlite:///{restored}", media_root=restored_media
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(restored) as db:
        assert db.execute("SELECT name FROM members_county ORDER BY id").fetchall() == [
            ("白塔区",),
            ("灯塔市",),
        ]
    assert _files(restored_media) == _files(media)


# --- Pure -----------------------------------------------------------------------------------


def _manifest(**tables):
    return {
        "tables": {t: {"rows": n, "digest": d} for t, (n, d) in tables.items()},
        "migrations": [["members", "0001_initial"]],
        "media": {"files": {"a.pdf": {"sha256": "a" * 64, "bytes": 3}}},
    }


def test_compare_finds_nothing_between_equal_manifests():
    assert backup.compare(_manifest(t=(2, "x")), _manifest(t=(2, "x"))) == []


def test_compare_names_each_table_migration_and_file_that_differs():
    expected = _manifest(counties=(12, "x"), gone=(1, "g"), same_count=(5, "p"))
    actual = _manifest(counties=(11, "y"), extra=(4, "e"), same_count=(5, "q"))
    actual["migrations"] = [["members", "0002_more"]]
    actual["media"]["files"] = {
        "a.pdf": {"sha256": "b" * 64, "bytes": 4},
        "new.pdf": {"sha256": "c" * 64, "bytes": 1},
    }
    expected["media"]["files"]["lost.pdf"] = {"sha256": "d" * 64, "bytes": 9}

    assert backup.compare(expected, actual) == [
        "表 counties：应有 12 行，实有 11 行",
        "表 extra：备份中没有，恢复后多出这张表（4 行）",
        "表 gone：备份中有（1 行），恢复后没有这张表",
        "表 same_count：行数相同（5 行），但行的内容不同",
        "迁移 members.0001_initial：备份中已应用，恢复后没有",
        "迁移 members.0002_more：备份中没有，恢复后多出",
        f"文件 a.pdf：内容与备份不同（SHA-256 应为 {'a' * 16}…，实为 {'b' * 16}…；3 → 4 字节）",
        "文件 lost.pdf：恢复后缺失",
        "文件 new.pdf：备份中没有，恢复后多出",
    ]


def test_verify_archives_names_a_missing_or_changed_archive():
    manifest = {
        "database": {"file": "database.dump", "sha256": "a" * 64, "bytes": 10},
        "media": {"file": "media.tar", "sha256": "b" * 64, "bytes": 20},
    }
    assert (
        backup.verify_archives(
            manifest, {"database.dump": ("a" * 64, 10), "media.tar": ("b" * 64, 20)}
        )
        == []
    )
    assert backup.verify_archives(
        manifest, {"database.dump": ("c" * 64, 5), "media.tar": None}
    ) == [
        f"database.dump：与清单不符，备份已损坏（清单记录 10 字节、SHA-256 {'a' * 16}…；"
        f"实际 5 字节、SHA-256 {'c' * 16}…）",
        "media.tar：文件不存在",
    ]


def test_prune_keeps_the_newest_backups():
    names = ["liaoyang-20261203T021500Z", "liaoyang-20261201T021500Z", "other", ".x.partial"]
    names.append("liaoyang-20261202T021500Z")
    assert backup.folders_to_prune(names, keep=2) == ["liaoyang-20261201T021500Z"]
    assert backup.folders_to_prune(names, keep=0) == []


@pytest.mark.parametrize("name", ["../outside.pdf", "/etc/passwd", "a/../../b"])
def test_it_refuses_a_tar_member_outside_the_uploads_folder(tmp_path, name):
    tar_path = tmp_path / "media.tar"
    with tarfile.open(tar_path, "w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(backup.BackupError, match="不安全的成员"):
        backup.extract_media(tar_path, tmp_path / "media")
    assert not any((tmp_path / "media").iterdir())


def test_it_refuses_a_symbolic_link_in_the_tar(tmp_path):
    tar_path = tmp_path / "media.tar"
    with tarfile.open(tar_path, "w") as tar:
        info = tarfile.TarInfo("link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(backup.BackupError, match="不安全的成员 'link'"):
        backup.extract_media(tar_path, tmp_path / "media")
