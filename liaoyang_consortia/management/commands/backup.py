import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from liaoyang_consortia import backup


def media_root() -> Path | None:
    """The local uploads folder, or None when uploads live in object storage (the bucket's
    own versioning or replication keeps them; README "Backup and restore")."""
    if getattr(settings, "UPLOAD_STORAGE", "local") != "local":
        return None
    return Path(settings.MEDIA_ROOT)


class Command(BaseCommand):
    help = (
        "备份数据库与上传文件：在 BACKUP_DIR（默认 ./backups）下写一个带时间的文件夹，"
        "含数据库转储、media.tar 与 manifest.json（每张表的行数、每个文件的 SHA-256、迁移、版本）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=os.environ.get("BACKUP_DIR", "backups"), help="备份所在目录"
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=int(os.environ.get("BACKUP_KEEP", "0") or 0),
            help="只保留最新的 N 份备份（默认 0：全部保留）",
        )

    def handle(self, *args, **options):
        root = media_root()
        try:
            folder = backup.backup(
                database=backup.Database(connections["default"]),
                media_root=root,
                backup_dir=Path(options["dir"]),
                base_dir=Path(settings.BASE_DIR),
            )
            removed = backup.prune(Path(options["dir"]), keep=options["keep"])
        except (backup.BackupError, DatabaseError) as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(folder)
        if root is None:
            self.stdout.write("上传文件在对象存储中（UPLOAD_STORAGE=s3），本备份只含数据库。")
        for path in removed:
            self.stdout.write(f"已删除旧备份 {path}（BACKUP_KEEP={options['keep']}）")
        self.stdout.write(f"备份内容：{backup.summary(manifest)}")
        # Last line: the folder alone, for scripts (and the tests) to pick up.
        self.stdout.write(self.style.SUCCESS(str(folder.resolve())))
