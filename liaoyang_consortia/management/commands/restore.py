from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from liaoyang_consortia import backup
from liaoyang_consortia.management.commands.backup import media_root


class Command(BaseCommand):
    help = (
        "从备份文件夹恢复数据库与上传文件，并按 manifest.json 核对。"
        "目标数据库或上传目录不是空的时拒绝（--force 则先清空）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="备份文件夹，例如 backups/liaoyang-20261202T041500Z")
        parser.add_argument(
            "--force", action="store_true", help="目标不是空的也恢复：先清空数据库与上传目录"
        )

    def handle(self, *args, folder, force, **options):
        folder = Path(folder)
        try:
            problems = backup.restore(
                folder=folder,
                database=backup.Database(connections["default"]),
                media_root=media_root(),
                force=force,
                report=self.stdout.write,
            )
        except (backup.BackupError, DatabaseError) as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            raise CommandError(
                f"恢复后与清单不一致（{len(problems)} 处）：\n  " + "\n  ".join(problems)
            )
        manifest = backup.read_manifest(folder)
        self.stdout.write(self.style.SUCCESS(f"恢复完成，与清单一致：{backup.summary(manifest)}"))
