"""Inspection results (检查结果): one `SheetResult` per 一企一表 sheet, one `ItemResult` per
department item, evidence files, the review → publication workflow, corrections after
publication (更正, old and new shown side by side) and follow-up handling (后续处置).

"谁检查、谁录入、谁公开": each department's inspectors enter their own items; the lead department
of a joint task reviews and publishes the sheet; corrections are reviewed by the department that
owns the corrected item. A published result is never edited: every service refuses it, and a
later change is a `ResultCorrection` of its own.

Result categories are data (`ResultCategorySet`): the current SAMR code set and the 2014–2016
legacy set are seeded by migration; a region chooses its set (`RegionResultSetting`, falling back
to the nearest region above, then the default set). A sheet keeps the set it was entered with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CategoryKind(models.TextChoices):
    PASS = "pass", "未发现问题"
    PROBLEM = "problem", "发现问题"
    UNREACHABLE = "unreachable", "住所无法联系"
    UNCOOPERATIVE = "uncooperative", "不予配合情节严重"
    NO_ACTIVITY = "no_activity", "未开展相关经营活动/已停业"
    TERMINATED = "terminated", "注销/吊销/撤销/迁出"


class ResultCategorySet(models.Model):
    """A code set of 检查结果 categories (current SAMR set, legacy 公示信息抽查 set, …)."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    source = models.CharField("来源", max_length=300, blank=True)
    is_default = models.BooleanField("默认", default=False)

    class Meta:
        verbose_name = "检查结果代码集"
        verbose_name_plural = "检查结果代码集"
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="resultset_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ResultCategory(models.Model):
    category_set = models.ForeignKey(
        ResultCategorySet, on_delete=models.CASCADE, related_name="categories"
    )
    code = models.CharField("代码", max_length=16)
    label = models.CharField("名称", max_length=100)
    parent_code = models.CharField("上级代码", max_length=16, blank=True)
    kind = models.CharField("性质", max_length=16, choices=CategoryKind.choices)
    position = models.PositiveSmallIntegerField("排序")

    class Meta:
        verbose_name = "检查结果类别"
        verbose_name_plural = "检查结果类别"
        ordering = ["category_set_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["category_set", "code"], name="resultcat_code_in_set")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_problem(self) -> bool:
        return self.kind in {CategoryKind.PROBLEM, CategoryKind.UNCOOPERATIVE}


class RegionResultSetting(models.Model):
    """Which category set a region (and the regions below it, unless they set their own) uses."""

    region = models.OneToOneField(
        "regions.Region", verbose_name="区划", on_delete=models.CASCADE, related_name="+"
    )
    category_set = models.ForeignKey(
        ResultCategorySet, verbose_name="检查结果代码集", on_delete=models.PROTECT
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "区划检查结果代码集设置"
        verbose_name_plural = "区划检查结果代码集设置"

    def __str__(self) -> str:
        return f"{self.region_id} → {self.category_set}"


class SheetState(models.TextChoices):
    DRAFT = "draft", "未录入"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "审核退回"
    APPROVED = "approved", "审核通过，待公示"
    PUBLISHED = "published", "已公示"


EDITABLE_STATES = (SheetState.DRAFT, SheetState.RETURNED)


class Outcome(models.TextChoices):
    INSPECTED = "inspected", "已实施检查"
    UNREACHABLE = "unreachable", "通过登记的住所（经营场所）无法联系"
    UNCOOPERATIVE = "uncooperative", "不予配合检查情节严重"


class NoticeMethod(models.TextChoices):
    PHONE = "phone", "电话"
    SMS = "sms", "短信"
    WRITTEN = "written", "书面"
    ON_SITE = "on_site", "现场"
    NONE = "none", "未告知"


class SignatureStatus(models.TextChoices):
    PENDING = "", "未记录"
    SIGNED = "signed", "检查对象已签字（盖章）"
    REFUSED = "refused", "检查对象拒绝签字"


class SheetResult(models.Model):
    """The result of one 一企一表 sheet and where it is in entry → review → publication."""

    assignment = models.OneToOneField(
        "planning.Assignment",
        verbose_name="一企一表",
        on_delete=models.PROTECT,
        related_name="result",
    )
    category_set = models.ForeignKey(
        ResultCategorySet, verbose_name="检查结果代码集", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        "状态", max_length=16, choices=SheetState.choices, default=SheetState.DRAFT
    )
    outcome = models.CharField(
        "检查情况", max_length=16, choices=Outcome.choices, default=Outcome.INSPECTED
    )
    outcome_note = models.TextField(
        "无法检查的情况说明",
        blank=True,
        help_text="住所无法联系或不予配合的经过、取得的证据（山东规定第十六条）",
    )
    outcome_on = models.DateField("认定日期", null=True, blank=True)
    # 告知 (seed 004 第十四条)
    notified_at = models.DateTimeField("告知时间", null=True, blank=True)
    notice_method = models.CharField(
        "告知方式", max_length=16, choices=NoticeMethod.choices, blank=True
    )
    notice_not_reason = models.CharField("未告知原因", max_length=300, blank=True)
    # 签字或拒签记录 (seed 002 §六(二)2, 004 第十五条)
    signature_status = models.CharField(
        "签字情况", max_length=16, choices=SignatureStatus.choices, blank=True
    )
    signer_name = models.CharField("签字人", max_length=64, blank=True)
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    refusal_recorded_by = models.ForeignKey(
        "inspectors.Inspector",
        verbose_name="拒签记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refusal_witness = models.CharField("见证人", max_length=100, blank=True)
    refusal_reason = models.CharField("拒签理由", max_length=300, blank=True)
    # Transitions (the full history is in SheetEvent)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    first_submitted_on = models.DateField("首次提交日期", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    completed_on = models.DateField("检查完成日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        ordering = ["assignment_id"]
        indexes = [
            models.Index(fields=["state"], name="sheetresult_state"),
            # the public result notices, newest first
            models.Index(fields=["state", "published_at"], name="sheetresult_state_published"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment.sheet_number} {self.get_state_display()}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def is_special(self) -> bool:
        return self.outcome != Outcome.INSPECTED


class SheetEventKind(models.TextChoices):
    OUTCOME = "outcome", "记录检查情况"
    NOTICE = "notice", "记录告知"
    SIGNATURE = "signature", "记录签字/拒签"
    ITEM = "item", "录入检查事项结果"
    EVIDENCE = "evidence", "上传证据"
    SUBMITTED = "submitted", "提交审核"
    RETURNED = "returned", "审核退回"
    APPROVED = "approved", "审核通过"
    PUBLISHED = "published", "公示"
    CORRECTION = "correction", "更正"
    FOLLOWUP = "followup", "后续处置"


class SheetEvent(models.Model):
    """The sheet's history as shown in the page (the audit log holds the full snapshots)."""

    sheet = models.ForeignKey(SheetResult, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事件", max_length=16, choices=SheetEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "检查结果记录"
        verbose_name_plural = "检查结果记录"
        ordering = ["sheet_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Measure(models.TextChoices):
    RECORD = "record", "现场笔录"
    STOP = "stop", "责令停止"
    RECTIFY_URGE = "urge", "督促整改"
    CORRECT = "correct", "责令改正"
    OTHER = "other", "其他"


class Method(models.TextChoices):
    ON_SITE = "on_site", "实地检查"
    WRITTEN = "written", "书面检查"
    OTHER_DEPT = "other_dept", "行政部门检查结果或专业意见"
    TESTING = "testing", "检验检测"
    ONLINE = "online", "网络监测"
    PROFESSIONAL = "professional", "委托专业机构辅助"


class ItemResult(models.Model):
    """One department's result for one of its items on one sheet (`item` is empty when the
    department set no items for the task: one result for the department's part then)."""

    sheet = models.ForeignKey(SheetResult, on_delete=models.CASCADE, related_name="items")
    part = models.ForeignKey(
        "planning.TaskDepartment",
        verbose_name="检查部门",
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.InspectionItem",
        verbose_name="检查事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    categories = models.ManyToManyField(ResultCategory, verbose_name="检查结果", related_name="+")
    problems = models.TextField("发现问题情况", blank=True)
    basis_article = models.ForeignKey(
        "catalog.Article",
        verbose_name="违反条款",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    basis_regulation = models.ForeignKey(
        "catalog.Regulation",
        verbose_name="违反法规",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    basis_text = models.CharField("法律依据（文字）", max_length=500, blank=True)
    measures = models.JSONField("现场处置措施", default=list, blank=True)
    measures_note = models.CharField("其他措施说明", max_length=300, blank=True)
    methods = models.JSONField("核查方式", default=list)
    inspected_on = models.DateField("检查日期")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "检查事项结果"
        verbose_name_plural = "检查事项结果"
        ordering = ["sheet_id", "part_id", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "part", "item"], name="itemresult_unique_item"
            ),
            models.UniqueConstraint(
                fields=["sheet", "part"],
                condition=Q(item__isnull=True),
                name="itemresult_unique_part_without_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} {self.item or self.part.department}"

    @property
    def item_label(self) -> str:
        return self.item.name if self.item else "本部门抽查事项"

    @property
    def has_problem(self) -> bool:
        return any(c.is_problem for c in self.categories.all())

    def measure_labels(self) -> list[str]:
        return [Measure(m).label for m in self.measures]

    def method_labels(self) -> list[str]:
        return [Method(m).label for m in self.methods]


class Evidence(models.Model):
    """An uploaded file (photo, PDF, recording, video) with its SHA-256; the type is the one
    read from the content, not from the file name."""

    sheet = models.ForeignKey(SheetResult, on_delete=models.PROTECT, related_name="evidence")
    item_result = models.ForeignKey(
        ItemResult, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    followup = models.ForeignKey(
        "FollowUp", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name="上传部门", on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField("文件名", max_length=255)
    kind = models.CharField("类型", max_length=8)
    content_type = models.CharField("MIME 类型", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    path = models.CharField("存储路径", max_length=255)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "证据材料"
        verbose_name_plural = "证据材料"
        ordering = ["sheet_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.kind in {"jpg", "png"}


class CorrectionState(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    REJECTED = "rejected", "不予更正"
    PUBLISHED = "published", "已更正公示"


class ResultCorrection(models.Model):
    """更正 of a published item result: the old values stay; the corrected values are shown
    beside them once the correction itself is reviewed and published."""

    sheet = models.ForeignKey(SheetResult, on_delete=models.PROTECT, related_name="corrections")
    item_result = models.ForeignKey(
        ItemResult, on_delete=models.PROTECT, related_name="corrections"
    )
    state = models.CharField(
        "状态", max_length=16, choices=CorrectionState.choices, default=CorrectionState.SUBMITTED
    )
    reason = models.TextField("更正原因")
    categories = models.ManyToManyField(
        ResultCategory, verbose_name="更正后的检查结果", related_name="+"
    )
    problems = models.TextField("更正后的发现问题情况", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("提出时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "检查结果更正"
        verbose_name_plural = "检查结果更正"
        ordering = ["sheet_id", "created_at", "id"]
        indexes = [models.Index(fields=["state", "reviewed_at"], name="correction_state_reviewed")]

    def __str__(self) -> str:
        return f"更正 {self.item_result}"


class FollowUpKind(models.TextChoices):
    TRANSFER = "transfer", "移送主管部门"
    CASE = "case", "立案查处"
    JUDICIAL = "judicial", "移送司法机关"
    RECTIFY = "rectify", "责令整改跟踪"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "未完结"
    CLOSED = "closed", "已完结"


class FollowUp(models.Model):
    """后续处置 of a problem found (seed 004 第十九条)."""

    sheet = models.ForeignKey(SheetResult, on_delete=models.PROTECT, related_name="followups")
    item_result = models.ForeignKey(ItemResult, on_delete=models.PROTECT, related_name="followups")
    department = models.ForeignKey(
        "accounts.Department", verbose_name="负责部门", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("处置方式", max_length=16, choices=FollowUpKind.choices)
    description = models.TextField("处置要求")
    due_on = models.DateField("办结期限")
    status = models.CharField(
        "状态", max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("登记时间")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closing_note = models.TextField("办结情况", blank=True)

    class Meta:
        verbose_name = "后续处置"
        verbose_name_plural = "后续处置"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="followup_status_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_result}"


class FollowUpNote(models.Model):
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField("进展情况")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "处置进展"
        verbose_name_plural = "处置进展"
        ordering = ["followup_id", "at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class CreditProposalKind(models.TextChoices):
    FLAG = "flag", "列入名录/名单"
    GRADE = "grade", "调整信用风险等级"


class CreditProposalState(models.TextChoices):
    PROPOSED = "proposed", "待审核"
    APPLIED = "applied", "已采纳"
    REJECTED = "rejected", "不予采纳"
    WITHDRAWN = "withdrawn", "已撤回（结果已更正）"


class CreditProposal(models.Model):
    """信用反馈 (seed 004 第二十条): a published result that failed, or an entity that could not
    be reached or refused to cooperate, proposes a listing or a worse grade. Nothing changes in
    the registry until a holder of `entity.manage` for the entity's region adopts it (through
    the registry's own services)."""

    sheet = models.ForeignKey(SheetResult, on_delete=models.PROTECT, related_name="proposals")
    entity = models.ForeignKey(
        "registry.Entity", verbose_name="检查对象", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("建议", max_length=8, choices=CreditProposalKind.choices)
    flag_kind = models.CharField("列入", max_length=16, blank=True)
    level = models.ForeignKey(
        "registry.GradeLevel",
        verbose_name="建议等级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_level = models.ForeignKey(
        "registry.GradeLevel",
        verbose_name="原等级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("依据")
    state = models.CharField(
        "状态",
        max_length=16,
        choices=CreditProposalState.choices,
        default=CreditProposalState.PROPOSED,
    )
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "信用反馈建议"
        verbose_name_plural = "信用反馈建议"
        ordering = ["state", "proposed_at", "id"]

    def __str__(self) -> str:
        return f"{self.entity} {self.get_kind_display()}"

    @property
    def label(self) -> str:
        if self.kind == CreditProposalKind.FLAG:
            from registry.models import FlagKind

            return f"列入{FlagKind(self.flag_kind).label}"
        old = self.from_level.code if self.from_level else "—"
        return f"信用风险等级 {old} → {self.level.code if self.level else '—'}"
