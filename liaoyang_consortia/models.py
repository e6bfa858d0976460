from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredUpload(models.Model):
    """What every stored upload keeps beside its file (applications/uploads.py checks the
    content and gives the type, size and hash): an application's attachment, an annual
    report's, an assessment's evidence. Each subclass declares its `file` with its own
    folder and its owner."""

    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class Notification(models.Model):
    """One message to one user: the in-app list, and the outbox row its e-mail is sent
    from. Written in the same transaction as the change it reports (DESIGN.md §6), so a
    change is never without its message and a message never without its change."""

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，待重试")
        SKIPPED = "skipped", _("无邮箱，不发送")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("事件"), max_length=50)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_status = models.CharField(
        _("邮件状态"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When a worker took the row to send it (status "sending"); see notifications._send.
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "created_at"]),
        ]

    def __str__(self):
        return self.subject


# Audit events are kept at least this long (issue 6): the database refuses deleting younger
# rows on PostgreSQL (migration 0002), and no code path deletes or changes any row.
AUDIT_RETENTION_DAYS = 180


class AuditTrailError(Exception):
    """Raised on any attempt to change or delete an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    # Bulk paths bypass Model.save()/delete(): close them too, so the trail is append-only
    # whichever way the ORM is asked.
    def update(self, **kwargs):
        raise AuditTrailError("审计记录只能新增，不能修改。")

    def delete(self):
        raise AuditTrailError("审计记录只能新增，不能删除。")


class AuditEvent(models.Model):
    """One entry of the append-only audit trail: sign-ins, refusals, state changes."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出登录")
        DENIED = "denied", _("拒绝访问")
        TRANSITION = "transition", _("状态变更")
        CHANGE = "change", _("数据修改")
        REGISTRATION = "registration", _("单位注册")
        VERIFICATION = "verification", _("单位核验")
        PASSWORD_RESET = "password_reset", _("找回密码")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # PROTECT: a user with audit history is deactivated, never deleted (the trail keeps
    # pointing at who did what).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    path = models.CharField(_("路径"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailError("审计记录只能新增，不能修改。")
        # Forced INSERT: a new object given an existing id must not become an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailError("审计记录只能新增，不能删除。")


class DataVersion(models.Model):
    """A counter per cached view of the data, raised by PostgreSQL triggers (migration
    0004) in the same transaction as every write to the tables the view reads: a cache
    keyed by it can never serve a page older than the data, whatever wrote to the tables
    (a service, the admin, a queryset .update(), a script). liaoyang_consortia/dataversion.py
    """

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self):
        return f"{self.name}: {self.version}"


class JobRun(models.Model):
    """When a scheduled job last started and finished (the daily job: /healthz says it is
    stale after 26 hours). `first_seen_at` dates a new install, which is not stale before
    its first night."""

    name = models.CharField(_("任务"), max_length=40, primary_key=True)
    first_seen_at = models.DateTimeField(_("首次记录时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("最近开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("最近完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务运行记录")
        verbose_name_plural = _("定时任务运行记录")

    def __str__(self):
        return self.name
