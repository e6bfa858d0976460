"""Backup and restore (issue 15, DESIGN.md §17): a folder with the database, the uploads and a
manifest that says what a correct restore must give back.

    liaoyang-20261202T041500Z/
      database.dump      pg_dump --format=custom (PostgreSQL), or
      database.sqlite3   sqlite3's backup API (the zero-setup demo)
      media.tar          the uploads under MEDIA_ROOT, paths relative to it
      manifest.json      counts and digests per table, SHA-256 per upload, migrations, version,
                         and the SHA-256 of the two archives themselves

The comparison of two manifests is pure (`compare`, `verify_archives`); the rest reads and
writes the database and the files. Messages are for the operator who runs the restore: they
name the table or file, what the backup says and what was found."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tomllib
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FORMAT = 1
PREFIX = "liaoyang-"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something the operator must fix; the message says what (and that nothing changed, if
    nothing did)."""


# --- Pure: what differs between two manifests -----------------------------------------------


def compare(expected: dict, actual: dict) -> list[str]:
    """Every difference between the manifest of a backup and that of a restored copy, one line
    each, in a stable order: tables, migrations, files. Empty means equal."""
    problems: list[str] = []
    want, got = expected.get("tables", {}), actual.get("tables", {})
    for table in sorted(want.keys() | got.keys()):
        if table not in got:
            problems.append(f"表 {table}：备份中有（{want[table]['rows']} 行），恢复后没有这张表")
        elif table not in want:
            problems.append(f"表 {table}：备份中没有，恢复后多出这张表（{got[table]['rows']} 行）")
        elif want[table]["rows"] != got[table]["rows"]:
            problems.append(
                f"表 {table}：应有 {want[table]['rows']} 行，实有 {got[table]['rows']} 行"
            )
        elif want[table].get("digest") != got[table].get("digest"):
            problems.append(f"表 {table}：行数相同（{want[table]['rows']} 行），但行的内容不同")

    want_migrations = {tuple(m) for m in expected.get("migrations", [])}
    got_migrations = {tuple(m) for m in actual.get("migrations", [])}
    for app, name in sorted(want_migrations - got_migrations):
        problems.append(f"迁移 {app}.{name}：备份中已应用，恢复后没有")
    for app, name in sorted(got_migrations - want_migrations):
        problems.append(f"迁移 {app}.{name}：备份中没有，恢复后多出")

    want_files = expected.get("media", {}).get("files", {})
    got_files = actual.get("media", {}).get("files", {})
    for path in sorted(want_files.keys() | got_files.keys()):
        if path not in got_files:
            problems.append(f"文件 {path}：恢复后缺失")
        elif path not in want_files:
            problems.append(f"文件 {path}：备份中没有，恢复后多出")
        elif want_files[path]["sha256"] != got_files[path]["sha256"]:
            problems.append(
                f"文件 {path}：内容与备份不同（SHA-256 应为 {want_files[path]['sha256'][:16]}…，"
                f"实为 {got_files[path]['sha256'][:16]}…；"
                f"{want_files[path]['bytes']} → {got_files[path]['bytes']} 字节）"
            )
    return problems


def verify_archives(manifest: dict, found: dict[str, tuple[str, int] | None]) -> list[str]:
    """The archives of a backup against the hashes its manifest recorded, before anything is
    restored: `found` maps each archive's file name to (sha256, bytes), or None if missing."""
    problems = []
    for part in ("database", "media"):
        entry = manifest.get(part, {})
        name = entry.get("file")
        if not name:
            continue
        if found.get(name) is None:
            problems.append(f"{name}：文件不存在")
            continue
        sha256, size = found[name]
        if sha256 != entry["sha256"] or size != entry["bytes"]:
            problems.append(
                f"{name}：与清单不符，备份已损坏（清单记录 {entry['bytes']} 字节、"
                f"SHA-256 {entry['sha256'][:16]}…；实际 {size} 字节、SHA-256 {sha256[:16]}…）"
            )
    return problems


def summary(manifest: dict) -> str:
    tables = manifest["tables"]
    files = manifest.get("media", {}).get("files", {})
    return (
        f"{len(tables)} 张表、{sum(t['rows'] for t in tables.values())} 行、"
        f"{len(manifest['migrations'])} 个迁移、{len(files)} 个上传文件"
        f"（{sum(f['bytes'] for f in files.values())} 字节）"
    )


def folders_to_prune(names: list[str], *, keep: int) -> list[str]:
    """The backup folders beyond the `keep` newest (names sort by their UTC timestamp)."""
    dated = sorted(n for n in names if n.startswith(PREFIX))
    return dated[:-keep] if keep > 0 else []


# --- Files ----------------------------------------------------------------------------------


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


class _HashingReader:
    """Hashes what tarfile reads, so the manifest describes exactly the bytes in the tar."""

    def __init__(self, f):
        self.f, self.digest = f, hashlib.sha256()

    def read(self, n=-1):
        block = self.f.read(n)
        self.digest.update(block)
        return block


def media_files(root: Path) -> list[Path]:
    """Every regular file under root (symbolic links are not uploads and are left out)."""
    if not root.is_dir():
        return []
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


def media_manifest(root: Path) -> dict[str, dict]:
    return {
        p.relative_to(root).as_posix(): dict(zip(("sha256", "bytes"), sha256_of(p), strict=True))
        for p in media_files(root)
    }


def write_media_tar(root: Path, tar_path: Path) -> dict[str, dict]:
    files = {}
    # PAX: the uploads' names are Chinese; PAX keeps them as UTF-8 whatever the length.
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in media_files(root):
            rel = path.relative_to(root).as_posix()
            with path.open("rb") as f:
                stat = os.fstat(f.fileno())
                info = tarfile.TarInfo(rel)
                info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
                reader = _HashingReader(f)
                tar.addfile(info, reader)
            files[rel] = {"sha256": reader.digest.hexdigest(), "bytes": info.size}
    return files


def _safe_members(tar: tarfile.TarFile, root: Path) -> list[tuple[tarfile.TarInfo, Path]]:
    """Every member with the path it goes to, or BackupError before anything is written:
    only plain files and folders, no absolute paths, no `..`, nothing that lands outside root
    (this Python's tarfile may predate extraction filters, so the checks are spelled out)."""
    members = []
    for member in tar.getmembers():
        parts = PurePosixPath(member.name).parts
        if (
            member.name.startswith(("/", "\\"))
            or ".." in parts
            or not parts
            or not (member.isfile() or member.isdir())
        ):
            raise BackupError(f"{MEDIA_TAR}：不安全的成员 {member.name!r}，未解包任何文件")
        target = root.joinpath(*parts)
        if not target.resolve().is_relative_to(root.resolve()):
            raise BackupError(f"{MEDIA_TAR}：成员 {member.name!r} 指向上传目录之外，未解包")
        members.append((member, target))
    return members


def extract_media(tar_path: Path, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    # Run as root (docker compose run), files take the media folder's owner, so the web
    # process that owns the volume can still replace and delete them.
    owner = (root.stat().st_uid, root.stat().st_gid) if os.geteuid() == 0 else None
    with tarfile.open(tar_path) as tar:
        for member, target in _safe_members(tar, root):
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, target.open("xb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            if owner:
                os.chown(target, *owner)
        if owner:
            for folder, dirs, _files in os.walk(root):
                for d in dirs:
                    os.chown(Path(folder, d), *owner)


def empty_folder(root: Path) -> None:
    """Everything inside root, not root itself: it is often a mount point."""
    if not root.is_dir():
        return
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


# --- The database ---------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: from PG_BIN if set (a folder, e.g. /usr/lib/postgresql/16/bin),
    otherwise from PATH."""
    folder = os.environ.get("PG_BIN")
    path = str(Path(folder, name)) if folder else shutil.which(name)
    if not path or not Path(path).is_file():
        raise BackupError(
            f"找不到 {name}：安装 postgresql-client（与服务器同一主版本），"
            "或用 PG_BIN 指定其所在目录"
        )
    return path


def pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the Django database: the password goes by environment, never
    on a command line that `ps` shows."""
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS", {})
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[var] = str(options[key])
    return env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    # The command is built here from fixed arguments and the found binary, never from input.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} 失败（退出码 {result.returncode}）：{result.stderr.strip()}"
        )


def _pg_tables(cursor, introspection) -> dict[str, dict]:
    tables = {}
    for table in sorted(introspection.table_names(cursor)):
        quoted = '"' + table.replace('"', '""') + '"'
        # One md5 per row, sorted, then one md5 of those: the content of every row, in no
        # particular physical order, in 32 bytes per row of memory whatever the row's width.
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "  # noqa: S608
            f'FROM (SELECT md5(t::text) COLLATE "C" AS h FROM {quoted} t) rows'
        )
        rows, digest = cursor.fetchone()
        tables[table] = {"rows": rows, "digest": digest}
    return tables


def _sqlite_tables(db: sqlite3.Connection) -> dict[str, dict]:
    names = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    tables = {}
    for table in sorted(names):
        quoted = '"' + table.replace('"', '""') + '"'
        hashes = sorted(
            hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
            for row in db.execute(f"SELECT * FROM {quoted}")  # noqa: S608
        )
        digest = hashlib.md5("".join(hashes).encode(), usedforsecurity=False).hexdigest()
        tables[table] = {"rows": len(hashes), "digest": digest}
    return tables


def _migrations(tables: dict, fetch) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    return [
        list(row) for row in fetch("SELECT app, name FROM django_migrations ORDER BY app, name")
    ]


@dataclass
class Database:
    """The Django database a backup reads or a restore writes (settings.DATABASES entry)."""

    connection: object  # django.db.backends.base.base.BaseDatabaseWrapper

    @property
    def vendor(self) -> str:
        return self.connection.vendor

    @property
    def settings_dict(self) -> dict:
        return self.connection.settings_dict

    def check_vendor(self) -> None:
        if self.vendor not in DUMP:
            raise BackupError(f"不支持的数据库：{self.vendor}（只支持 PostgreSQL 与 SQLite）")

    # What is there now -----------------------------------------------------------------

    def table_names(self) -> list[str]:
        if self.vendor == "sqlite":
            path = Path(self.settings_dict["NAME"])
            if not path.exists():
                return []
            with closing(sqlite3.connect(path)) as db:
                return [
                    n
                    for (n,) in db.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                        " AND name NOT LIKE 'sqlite_%'"
                    )
                ]
        with self.connection.cursor() as cursor:
            return self.connection.introspection.table_names(cursor)

    def describe(self) -> dict:
        """Counts, digests and migrations of the database as it is now."""
        if self.vendor == "sqlite":
            with closing(sqlite3.connect(self.settings_dict["NAME"])) as db:
                return self._describe_sqlite(db)
        with self.connection.cursor() as cursor:
            tables = _pg_tables(cursor, self.connection.introspection)

            def fetch(sql):
                cursor.execute(sql)
                return cursor.fetchall()

            return {"tables": tables, "migrations": _migrations(tables, fetch)}

    @staticmethod
    def _describe_sqlite(db: sqlite3.Connection) -> dict:
        tables = _sqlite_tables(db)
        return {
            "tables": tables,
            "migrations": _migrations(tables, lambda sql: db.execute(sql).fetchall()),
        }

    # Backup --------------------------------------------------------------------------------

    def dump(self, path: Path) -> dict:
        """Write the dump and describe exactly what it holds."""
        if self.vendor == "sqlite":
            self.connection.close()
            with (
                closing(sqlite3.connect(self.settings_dict["NAME"])) as src,
                closing(sqlite3.connect(path)) as dst,
            ):
                src.backup(dst)
            # The counts come from the copy, so they match it even while the demo is in use.
            with closing(sqlite3.connect(path)) as db:
                described = self._describe_sqlite(db)
            return {**described, "server_version": sqlite3.sqlite_version}

        from django.db import transaction

        pg_dump = pg_tool("pg_dump")
        # pg_dump reads the snapshot this transaction exports, and the counts are taken in
        # the same transaction: the manifest describes the dump even while the site writes.
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                ],
                env=pg_env(self.settings_dict),
            )
            tables = _pg_tables(cursor, self.connection.introspection)

            def fetch(sql):
                cursor.execute(sql)
                return cursor.fetchall()

            migrations = _migrations(tables, fetch)
        return {"tables": tables, "migrations": migrations, "server_version": server_version}

    # Restore -------------------------------------------------------------------------------

    def check_tools(self) -> None:
        if self.vendor == "postgresql":
            pg_tool("pg_restore")

    def clear(self) -> None:
        """--force: what is there goes, so the restore starts from an empty database."""
        if self.vendor == "sqlite":
            self.connection.close()
            return  # the backup API replaces the whole file's content
        with self.connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")

    def load(self, path: Path) -> None:
        if self.vendor == "sqlite":
            self.connection.close()
            with (
                closing(sqlite3.connect(path)) as src,
                closing(sqlite3.connect(self.settings_dict["NAME"])) as dst,
            ):
                src.backup(dst)
            return
        self.connection.close()
        env = pg_env(self.settings_dict)
        _run(
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                # All or nothing: a restore that fails halfway leaves the database empty.
                "--single-transaction",
                f"--dbname={env['PGDATABASE']}",
                str(path),
            ],
            env=env,
        )


# --- The two operations ---------------------------------------------------------------------


def app_version(base_dir: Path) -> dict:
    version = None
    try:
        with (base_dir / "pyproject.toml").open("rb") as f:
            version = tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        from importlib import metadata

        with suppress(metadata.PackageNotFoundError):
            version = metadata.version("liaoyang-consortia")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=base_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None  # the image has no .git
    return {"version": version, "commit": commit}


def backup(
    *, database: Database, media_root: Path | None, backup_dir: Path, base_dir: Path, now=None
) -> Path:
    """Write one backup folder under backup_dir and return it. media_root None: the uploads
    are not in a local folder (object storage) and are not part of the backup."""
    database.check_vendor()
    now = now or datetime.now(UTC)
    name = PREFIX + now.strftime("%Y%m%dT%H%M%SZ")
    backup_dir.mkdir(parents=True, exist_ok=True)
    final = backup_dir / name
    n = 1
    while final.exists():
        n += 1
        final = backup_dir / f"{name}-{n}"
    # Written under another name and renamed when complete: a folder named liaoyang-… is
    # always a whole backup, never one a crash or a full disk cut short.
    partial = backup_dir / f".{final.name}.partial"
    partial.mkdir()
    try:
        dump_name = DUMP[database.vendor]
        described = database.dump(partial / dump_name)
        dump_sha, dump_bytes = sha256_of(partial / dump_name)
        manifest = {
            "format": FORMAT,
            "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "app": app_version(base_dir),
            "database": {
                "vendor": database.vendor,
                "server_version": described["server_version"],
                "file": dump_name,
                "sha256": dump_sha,
                "bytes": dump_bytes,
            },
            "tables": described["tables"],
            "migrations": described["migrations"],
        }
        if media_root is not None:
            files = write_media_tar(media_root, partial / MEDIA_TAR)
            tar_sha, tar_bytes = sha256_of(partial / MEDIA_TAR)
            manifest["media"] = {
                "file": MEDIA_TAR,
                "sha256": tar_sha,
                "bytes": tar_bytes,
                "root": str(media_root),
                "files": files,
            }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def prune(backup_dir: Path, *, keep: int) -> list[Path]:
    names = [p.name for p in backup_dir.iterdir() if (p / MANIFEST).is_file()]
    removed = [backup_dir / n for n in folders_to_prune(names, keep=keep)]
    for path in removed:
        shutil.rmtree(path)
    return removed


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{folder}：没有 {MANIFEST}，不是一个备份文件夹") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST}：无法解析（{exc}），备份已损坏") from exc
    if manifest.get("format") != FORMAT or "database" not in manifest:
        raise BackupError(f"{MANIFEST}：不认识的清单格式 {manifest.get('format')!r}")
    return manifest


def restore(
    *, folder: Path, database: Database, media_root: Path | None, force: bool, report=print
) -> list[str]:
    """Check, then restore, then check again. Returns the differences from the manifest
    (empty: the restore is exact). Raises BackupError, with nothing changed, when the backup
    is damaged or the target is not empty (without force)."""
    database.check_vendor()
    manifest = read_manifest(folder)
    vendor = manifest["database"]["vendor"]
    if vendor != database.vendor:
        raise BackupError(
            f"备份来自 {vendor} 数据库，目标是 {database.vendor}：不能跨数据库恢复，未做任何改动"
        )
    has_media = "media" in manifest
    if has_media and media_root is None:
        raise BackupError("备份含上传文件，但本站的上传文件不在本地目录（UPLOAD_STORAGE=s3）")

    names = [manifest["database"]["file"]] + ([MEDIA_TAR] if has_media else [])
    found = {n: sha256_of(folder / n) if (folder / n).is_file() else None for n in names}
    if problems := verify_archives(manifest, found):
        raise BackupError("备份已损坏，未做任何改动：\n  " + "\n  ".join(problems))
    if has_media:
        with tarfile.open(folder / MEDIA_TAR) as tar:
            _safe_members(tar, media_root)
    database.check_tools()

    tables = database.table_names()
    files = media_files(media_root) if has_media else []
    if (tables or files) and not force:
        lines = []
        if tables:
            lines.append(f"目标数据库不是空的（已有 {len(tables)} 张表，例如 {sorted(tables)[0]}）")
        if files:
            lines.append(f"上传目录 {media_root} 不是空的（已有 {len(files)} 个文件）")
        raise BackupError(
            "拒绝恢复，未做任何改动：\n  "
            + "\n  ".join(lines)
            + "\n  确认要覆盖时加 --force（make restore FROM=… ARGS=--force）"
        )
    if tables:
        report(f"--force：清空目标数据库（{len(tables)} 张表）")
        database.clear()
    if files:
        report(f"--force：清空上传目录 {media_root}（{len(files)} 个文件）")
        empty_folder(media_root)

    report(f"恢复数据库：{manifest['database']['file']}")
    database.load(folder / manifest["database"]["file"])
    if has_media:
        report(f"恢复上传文件：{MEDIA_TAR} → {media_root}")
        extract_media(folder / MEDIA_TAR, media_root)

    actual = database.describe()
    if has_media:
        actual["media"] = {"files": media_manifest(media_root)}
    return compare(manifest, actual)
