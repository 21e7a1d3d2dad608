from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    """One line of the hash-chained audit log (行为日志, 全程留痕).

    Rows are only ever appended by `audit.services.entry_append`, inside the transaction of the
    write they describe. `entry_hash` covers every column below except `id` (see
    `audit.chain.entry_hash`), and `prev_hash` is the previous row's `entry_hash`, so editing,
    deleting or reordering rows breaks the chain, which `manage.py audit_verify` reports.
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField("操作账号", max_length=150, blank=True)
    actor_name = models.CharField("操作人姓名", max_length=64, blank=True)
    role = models.CharField("角色", max_length=32, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField("区划代码", max_length=12, blank=True, db_index=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    reason = models.TextField("原因/说明", blank=True)
    ip_address = models.CharField("IP 地址", max_length=45, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    before_digest = models.CharField("变更前摘要", max_length=64)
    after_digest = models.CharField("变更后摘要", max_length=64)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    entry_hash = models.CharField("本条哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "行为日志"
        verbose_name_plural = "行为日志"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """The chain head: a single row locked by every append so appends are serialised.

    It also lets `audit_verify` notice when the newest entries were deleted.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "日志链头"
        verbose_name_plural = "日志链头"

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
