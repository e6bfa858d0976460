from datetime import date

from django.core.management.base import BaseCommand, CommandError

from liaoyang_consortia.daily import run_daily_jobs


class Command(BaseCommand):
    help = "按指定日期（默认今天）运行每日任务：公示期满处理、超时督办、通知补发等。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="运行日期，格式 YYYY-MM-DD")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD，例如 2027-03-01。") from exc
        for line in run_daily_jobs(today):
            self.stdout.write(line)
