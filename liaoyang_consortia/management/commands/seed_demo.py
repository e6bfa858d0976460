from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from applications.demo import seed_applications, seed_chain
from applications.demo_consortia import seed_consortia
from applications.guides.demo import seed_guides, seed_intents
from liaoyang_consortia import demo
from members.accounts.demo import seed_registrations
from members.integrity.demo import seed_integrity_records
from members.roles import Role
from reporting.assessments.demo import seed_assessed_consortia, seed_assessments
from reporting.coordination.demo import seed_coordination
from reporting.demo import seed_reports
from reporting.support.demo import seed_support
from reviews.experts.demo import seed_library


class Command(BaseCommand):
    help = "创建或刷新演示账号与演示数据（可重复运行，结果相同）。"

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        usernames = demo.seed_users(password=password)
        users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
        seed_applications(users)
        seed_chain(users)
        # Before the consortia's rosters and reports: it names one more consortium.
        seed_assessed_consortia(users)
        seed_consortia(users)
        seed_reports(users)
        seed_assessments(users)
        seed_support(users)
        seed_coordination(users)
        seed_guides(users)
        seed_intents(users)
        seed_library(users)
        seed_integrity_records(users)
        registrants = seed_registrations(users, password=password)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {password}）："))
        for username in usernames:
            display, role, *_ = demo.USERS[username]
            self.stdout.write(f"  {username:<14} {Role(role).label}（{display}）")
        self.stdout.write("  自助注册的单位（以邮箱登录）：")
        for username in registrants:
            self.stdout.write(f"  {username:<22} 注册用户（单位注册待核验或已退回）")
