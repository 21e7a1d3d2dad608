import uuid

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "已上传"
    VALIDATING = "validating", "校验中"
    INVALID = "invalid", "校验未通过"
    READY = "ready", "待确认导入"
    COMMITTING = "committing", "导入中"
    DONE = "done", "已导入"
    FAILED = "failed", "导入失败"
    CANCELLED = "cancelled", "已取消"


class ImportJob(models.Model):
    """One uploaded file on its way in: validated in full, shown as a preview, then committed
    all-or-nothing on confirmation (or refused with every bad row listed).

    The file is kept (with its SHA-256) so the import can be traced back to exactly what was
    uploaded; the audit entry of the commit names the job and the digest.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("导入类型", max_length=32)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    size = models.PositiveBigIntegerField("文件大小")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    valid_rows = models.PositiveIntegerField("有效行数", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误明细（前 1000 条）", default=list)
    preview = models.JSONField("预览（前 20 行）", default=list)
    report = models.JSONField("导入结果", default=dict)
    options = models.JSONField("导入选项", default=dict)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in {
            ImportStatus.UPLOADED,
            ImportStatus.VALIDATING,
            ImportStatus.COMMITTING,
        }


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "上班（调休补班）"


class CalendarYear(models.Model):
    """Whether a year's official holiday schedule (国务院办公厅放假安排) has been entered in full.

    For years the bundled chinesecalendar data covers (2004–2026) this is not needed. For later
    years, until an administrator marks the year complete, deadlines are computed provisionally
    (weekends only, plus whatever CalendarDay rows exist) and flagged as provisional.
    """

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    complete = models.BooleanField("放假安排已完整录入", default=False)
    source = models.CharField("依据（文件名称、文号）", max_length=255, blank=True)

    class Meta:
        verbose_name = "年度放假安排"
        verbose_name_plural = "年度放假安排"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An editable exception to the calendar: a holiday or a make-up working day (补班).

    Rows here take precedence over the bundled chinesecalendar data.
    """

    date = models.DateField("日期", primary_key=True)
    kind = models.CharField("类型", max_length=8, choices=CalendarDayKind.choices)
    name = models.CharField("名称", max_length=64, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
