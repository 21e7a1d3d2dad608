"""月报表: the monthly report form of seed 003 (县有关部门"双随机、一公开"监管工作月报表).

What the form asks that is not in the records — the month's meetings, documents and trainings —
is entered by the department as `ReportEntry` rows (a working draft until submitted). Everything
else is computed from the records (reports/selectors.py, each figure with its 口径).

Submitting freezes a `ReportRevision`: the whole report (entered and computed) as canonical JSON
with its SHA-256. A revision is never changed or deleted; a re-submission is a new revision that
links to the previous one and gives a reason.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class EntryKind(models.TextChoices):
    MEETING = "meeting", "会议"
    DOCUMENT = "document", "文件"
    TRAINING = "training", "培训"


class ReportEntry(models.Model):
    """One meeting held, document issued or training organised by a department in a month."""

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="填报单位",
        on_delete=models.PROTECT,
        related_name="report_entries",
    )
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    kind = models.CharField("类别", max_length=16, choices=EntryKind.choices)
    title = models.CharField("名称", max_length=300)
    held_on = models.DateField("日期")
    doc_number = models.CharField("文号", max_length=100, blank=True)
    attendees = models.PositiveIntegerField("培训人员数量", null=True, blank=True)
    content = models.TextField("培训内容", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "月报表填报事项"
        verbose_name_plural = "月报表填报事项"
        ordering = ["department_id", "year", "month", "kind", "held_on", "id"]
        indexes = [
            models.Index(fields=["department", "year", "month"], name="reportentry_month"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


class ImmutableRevision(Exception):
    """Raised on any attempt to change or delete a submitted revision."""


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ReportRevision(models.Model):
    """A submitted month's report, frozen: `data_json` is the canonical JSON of the whole form
    and `sha256` its digest. Revision n+1 points to revision n and says why it was submitted."""

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="填报单位",
        on_delete=models.PROTECT,
        related_name="report_revisions",
    )
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    number = models.PositiveSmallIntegerField("版本号")
    previous = models.OneToOneField(
        "self",
        verbose_name="上一版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revision",
    )
    reason = models.TextField("重新报送原因", blank=True)
    data_json = models.TextField("报表内容（规范 JSON）")
    sha256 = models.CharField("SHA-256", max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间")

    class Meta:
        verbose_name = "月报表报送版本"
        verbose_name_plural = "月报表报送版本"
        ordering = ["department_id", "-year", "-month", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "month", "number"], name="reportrev_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="reportrev_month_range"
            ),
            models.CheckConstraint(
                condition=Q(number=1, previous__isnull=True)
                | Q(number__gt=1, previous__isnull=False),
                name="reportrev_previous_iff_later",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year}年{self.month}月月报表（第 {self.number} 版）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRevision("已报送的月报表不能修改，请重新报送（形成新版本）。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRevision("已报送的月报表不能删除。")

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data_json)
        return value

    def verify(self) -> bool:
        """True when the stored JSON still has the digest recorded at submission."""
        return hashlib.sha256(self.data_json.encode("utf-8")).hexdigest() == self.sha256
