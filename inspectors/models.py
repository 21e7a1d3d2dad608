"""Models of the inspectors app (执法检查人员名录库 and 专家名录库).

An inspector belongs to one department. Their status (在岗/休假/借调/调离/退休) and their
law-enforcement certificate (执法证) are kept as dated histories, so "who could be drawn on day D"
is answered from the records of day D, not from today's values:

- ``InspectorStatusPeriod``: ``valid_from``..``valid_to`` inclusive; ``valid_to`` NULL = open.
  A period whose ``valid_to`` is the day before its ``valid_from`` was superseded on the day it
  started (kept for the history, never matches a date).
- ``InspectorCertificate``: one row per certificate held; the current one is copied onto the
  inspector (``certificate_no`` is the natural key, unique). ``valid_to`` NULL = no expiry given.

Conflicts of interest (回避) name the inspected entity by its natural key string (统一社会信用代码
or 15-digit 注册号), so they do not depend on the registry app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class InspectorStatus(models.TextChoices):
    ON_DUTY = "on_duty", "在岗"
    LEAVE = "leave", "休假"
    SECONDED = "seconded", "借调"
    TRANSFERRED = "transferred", "调离"
    RETIRED = "retired", "退休"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class CertificateType(models.TextChoices):
    ENFORCEMENT = "enforcement", "行政执法证"
    SUPERVISION = "supervision", "行政执法监督证"
    SECTOR = "sector", "行业执法证件"
    OTHER = "other", "其他"


class Inspector(models.Model):
    """执法检查人员: one person in a department's 执法检查人员名录库."""

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="所属部门",
        on_delete=models.PROTECT,
        related_name="inspectors",
    )
    name = models.CharField("姓名", max_length=64)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    post = models.CharField("职务", max_length=64, blank=True)
    certificate_no = models.CharField("执法证号", max_length=64, unique=True)
    certificate_type = models.CharField(
        "证件类型",
        max_length=16,
        choices=CertificateType.choices,
        default=CertificateType.ENFORCEMENT,
    )
    law_field = models.CharField("执法门类", max_length=64, blank=True)
    certificate_authority = models.CharField("发证机关", max_length=100, blank=True)
    valid_from = models.DateField("证件有效期起", null=True, blank=True)
    valid_to = models.DateField("证件有效期至", null=True, blank=True)
    specialties = models.ManyToManyField(
        "registry.Tag", verbose_name="专业特长", blank=True, related_name="inspectors"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector_profile",
    )
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员"
        ordering = ["department_id", "name", "certificate_no"]
        indexes = [models.Index(fields=["department", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="inspector_certificate_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_no}）"


class InspectorStatusPeriod(models.Model):
    """One stretch of an inspector's status, both ends inclusive; valid_to NULL = still open."""

    inspector = models.ForeignKey(
        Inspector, on_delete=models.CASCADE, related_name="status_periods"
    )
    status = models.CharField("状态", max_length=16, choices=InspectorStatus.choices)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True)
    reason = models.CharField("原因", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "人员状态记录"
        verbose_name_plural = "人员状态记录"
        ordering = ["inspector_id", "valid_from", "id"]
        indexes = [models.Index(fields=["inspector", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.valid_from}–{self.valid_to or ''}"

    @property
    def superseded(self) -> bool:
        return self.valid_to is not None and self.valid_to < self.valid_from


class InspectorCertificate(models.Model):
    """A certificate an inspector held or holds (the history behind Inspector.certificate_*)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="certificates")
    certificate_no = models.CharField("执法证号", max_length=64, db_index=True)
    certificate_type = models.CharField("证件类型", max_length=16, choices=CertificateType.choices)
    law_field = models.CharField("执法门类", max_length=64, blank=True)
    authority = models.CharField("发证机关", max_length=100, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True)
    is_current = models.BooleanField("当前证件", default=True)
    reason = models.CharField("说明", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "执法证记录"
        verbose_name_plural = "执法证记录"
        ordering = ["inspector_id", "-is_current", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspector"],
                condition=Q(is_current=True),
                name="inspector_one_current_certificate",
            )
        ]

    def __str__(self) -> str:
        return self.certificate_no


class ConflictRelation(models.TextChoices):
    KINSHIP = "kinship", "亲属关系"
    FORMER_EMPLOYMENT = "former_employment", "曾在该单位任职"
    ECONOMIC = "economic", "经济利益关系"
    OTHER = "other", "其他利害关系"


class ConflictOfInterest(models.Model):
    """A declared relationship between an inspector and an inspected entity (回避).

    The draw excludes the pair while the declaration is in force: not withdrawn, and the draw
    date within valid_from..valid_to (inclusive; valid_to NULL = open).
    """

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts")
    entity_key = models.CharField("统一社会信用代码/注册号", max_length=18, db_index=True)
    entity_name = models.CharField("检查对象名称", max_length=200, blank=True)
    relation = models.CharField("回避事由", max_length=32, choices=ConflictRelation.choices)
    detail = models.CharField("具体说明", max_length=255, blank=True)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField("登记时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdraw_reason = models.CharField("撤销原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"
        ordering = ["inspector_id", "-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="conflict_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_name or self.entity_key}（{self.get_relation_display()}）"


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", "在库"
    SUSPENDED = "suspended", "暂停"
    REMOVED = "removed", "退出"


class Expert(models.Model):
    """专家名录库: a third-party professional a department may call on for an inspection."""

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="管理部门",
        on_delete=models.PROTECT,
        related_name="experts",
    )
    name = models.CharField("姓名", max_length=64)
    organisation = models.CharField("工作单位", max_length=200)
    title = models.CharField("职称/职务", max_length=64, blank=True)
    qualification = models.CharField("专业资格", max_length=200, blank=True)
    certificate_no = models.CharField("资格证书编号", max_length=64, blank=True)
    specialties = models.ManyToManyField(
        "registry.Tag", verbose_name="专业领域", blank=True, related_name="experts"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE
    )
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "专家"
        verbose_name_plural = "专家"
        ordering = ["department_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name", "organisation"],
                name="expert_unique_in_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.organisation}）"
