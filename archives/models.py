"""立卷归档: one row per generated archive of an inspection task.

The zip itself lives under MEDIA_ROOT/archives/<task number>/; the row keeps who generated it and
when, its size, the zip's own SHA-256 (shown on the page, so a copy kept elsewhere can be checked
later), the SHA-256 of the MANIFEST.sha256 inside it, and what it contains (counts). Rows are
only created by `archives.services.archive_generate`, which appends an audit entry in the same
transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Archive(models.Model):
    task = models.ForeignKey(
        "planning.InspectionTask",
        verbose_name="抽查任务",
        on_delete=models.PROTECT,
        related_name="archives",
    )
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField("生成时间")
    path = models.CharField("存储路径", max_length=255, help_text="相对 MEDIA_ROOT")
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("压缩包 SHA-256", max_length=64)
    manifest_sha256 = models.CharField("MANIFEST.sha256 的 SHA-256", max_length=64)
    is_closed = models.BooleanField("已结案", default=False)
    personal_data = models.BooleanField(
        "含个人信息",
        default=False,
        help_text="一企一表中的法定代表人（负责人）与电话未经遮蔽（生成人有权查看）",
    )
    counts = models.JSONField("内容统计", default=dict)

    class Meta:
        verbose_name = "归档卷宗"
        verbose_name_plural = "归档卷宗"
        ordering = ["-generated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task.number} 归档 {self.generated_at:%Y-%m-%d %H:%M}"

    @property
    def filename(self) -> str:
        from django.utils import timezone

        stamp = timezone.localtime(self.generated_at).strftime("%Y%m%d%H%M%S")
        return f"{self.task.number}-立卷归档-{stamp}.zip"
