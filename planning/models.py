"""Annual plans (年度随机抽查工作计划), inspection tasks (抽查任务), draws (随机抽取) and the
resulting assignments (一企一表).

Published plan versions and committed draws are never edited: a plan is adjusted by publishing
a new version with a reason; a draw is voided with a reason and a new draw links back to it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PlanKind(models.TextChoices):
    DEPARTMENT = "department", "部门年度抽查计划"
    JOINT = "joint", "部门联合抽查计划"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "待审核"
    PUBLISHED = "published", "已公示"
    SUPERSEDED = "superseded", "已调整（旧版本）"


class AnnualPlan(models.Model):
    """One department's (or, for joint plans, one leading-group office's) plan for a year."""

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="编制部门",
        on_delete=models.PROTECT,
        related_name="plans",
    )
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("计划类型", max_length=16, choices=PlanKind.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度抽查计划"
        verbose_name_plural = "年度抽查计划"
        ordering = ["-year", "department_id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "kind"], name="plan_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.department}{self.get_kind_display()}"

    def published_version(self) -> "PlanVersion | None":
        return self.versions.filter(status=PlanStatus.PUBLISHED).first()


class PlanVersion(models.Model):
    """A version of a plan. Only drafts change; publishing supersedes the previous version."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name="计划", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    title = models.CharField("计划名称", max_length=200)
    body = models.TextField("工作目标与要求", blank=True)
    reason = models.TextField("调整原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("编制时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("公示时间", null=True, blank=True)

    class Meta:
        verbose_name = "计划版本"
        verbose_name_plural = "计划版本"
        ordering = ["plan_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="published"), name="planversion_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第 {self.number} 版）"


class PlanBatch(models.Model):
    """A batch (抽查批次) of a plan version: what, whom, how many, when, joint or not."""

    version = models.ForeignKey(
        PlanVersion, verbose_name="计划版本", on_delete=models.CASCADE, related_name="batches"
    )
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("批次名称", max_length=200)
    target_scope = models.TextField("抽查对象范围")
    items = models.ManyToManyField(
        "catalog.InspectionItem", verbose_name="抽查事项", blank=True, related_name="+"
    )
    joint_items = models.ManyToManyField(
        "catalog.JointItem", verbose_name="联合抽查事项", blank=True, related_name="+"
    )
    ratio_bp = models.PositiveIntegerField("抽查比例（万分比）", null=True, blank=True)
    count = models.PositiveIntegerField("抽查数量", null=True, blank=True)
    window_start = models.DateField("开始日期")
    window_end = models.DateField("结束日期")
    is_joint = models.BooleanField("部门联合", default=False)
    participants = models.ManyToManyField(
        "accounts.Department", verbose_name="参与部门", blank=True, related_name="+"
    )
    result_deadline_workdays = models.PositiveSmallIntegerField(
        "结果公示时限（工作日）", default=20
    )

    class Meta:
        verbose_name = "抽查批次"
        verbose_name_plural = "抽查批次"
        ordering = ["version_id", "position"]

    def __str__(self) -> str:
        return self.name

    @property
    def ratio_label(self) -> str:
        if self.ratio_bp is not None:
            return f"{self.ratio_bp / 100:g}%"
        return f"{self.count} 户" if self.count is not None else "—"


class TaskKind(models.TextChoices):
    SINGLE = "single", "单部门抽查"
    JOINT = "joint", "部门联合抽查"


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    COMMITTED = "committed", "已冻结承诺，待抽取"
    DRAWN = "drawn", "已抽取"
    DISPATCHED = "dispatched", "已派发"
    CLOSED = "closed", "已结束"


class InspectionTask(models.Model):
    """An inspection task (抽查任务): who draws what from which candidates, and how."""

    number = models.CharField("任务编号", max_length=64, unique=True)
    name = models.CharField("任务名称", max_length=200)
    kind = models.CharField("任务类型", max_length=16, choices=TaskKind.choices)
    batch = models.ForeignKey(
        PlanBatch,
        verbose_name="计划批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    lead_department = models.ForeignKey(
        "accounts.Department",
        verbose_name="牵头部门",
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="抽查区域", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=TaskStatus.choices, default=TaskStatus.DRAFT
    )
    window_start = models.DateField("检查开始日期")
    window_end = models.DateField("检查结束日期")
    result_deadline_workdays = models.PositiveSmallIntegerField(
        "结果公示时限（工作日）",
        default=20,
        help_text="检查结果自检查完成之日起多少个工作日内公示（默认 20，方案另有规定的如 5）",
    )
    grading_scheme = models.ForeignKey(
        "registry.GradingScheme",
        verbose_name="信用风险分类",
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Target filters, decided before the freeze and recorded verbatim in the commitment.
    filter_region_codes = models.JSONField("区域（乡镇）", default=list, blank=True)
    filter_entity_types = models.JSONField("主体类型", default=list, blank=True)
    filter_industries = models.JSONField("行业门类", default=list, blank=True)
    filter_tags = models.ManyToManyField(
        "registry.Tag", verbose_name="标签", blank=True, related_name="+"
    )
    filter_registered_before = models.DateField("登记日期早于", null=True, blank=True)
    filter_statuses = models.JSONField("登记状态", default=list, blank=True)
    stratify_flagged = models.BooleanField(
        "重点对象单独成层",
        default=False,
        help_text="经营异常、严重违法失信、重点关注或投诉较多的对象单独成层，可设更高比例",
    )
    yearly_cap = models.PositiveSmallIntegerField("同一对象年度抽查上限", default=2)
    max_load = models.PositiveSmallIntegerField("每名检查人员最多承担户数", default=20)
    group_count = models.PositiveSmallIntegerField("检查组数（0 为自动）", default=0)
    notes = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽查任务"
        verbose_name_plural = "抽查任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_editable(self) -> bool:
        return self.status == TaskStatus.DRAFT


class TaskDepartment(models.Model):
    """A department taking part in a task, with its own items and inspectors per group."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="departments")
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="部门",
        on_delete=models.PROTECT,
        related_name="task_parts",
    )
    is_lead = models.BooleanField("牵头部门", default=False)
    items = models.ManyToManyField(
        "catalog.InspectionItem", verbose_name="抽查事项", blank=True, related_name="+"
    )
    joint_items = models.ManyToManyField(
        "catalog.JointItem", verbose_name="联合抽查事项", blank=True, related_name="+"
    )
    inspectors_per_group = models.PositiveSmallIntegerField("每组人数", default=2)
    specialties = models.ManyToManyField(
        "registry.Tag", verbose_name="专长要求", blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField("派发确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "参与部门"
        verbose_name_plural = "参与部门"
        ordering = ["task_id", "-is_lead", "department_id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="taskdept_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.task.number} {self.department}"


class StratumRule(models.Model):
    """Ratio or count for one stratum: a credit-risk grade, optionally for flagged entities."""

    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="strata")
    grade = models.CharField("信用风险等级", max_length=16)
    flagged = models.BooleanField("重点对象层", default=False)
    ratio_bp = models.PositiveIntegerField("抽查比例（万分比）", null=True, blank=True)
    count = models.PositiveIntegerField("抽查数量", null=True, blank=True)

    class Meta:
        verbose_name = "分层抽取规则"
        verbose_name_plural = "分层抽取规则"
        ordering = ["task_id", "grade", "flagged"]
        constraints = [
            models.UniqueConstraint(fields=["task", "grade", "flagged"], name="stratum_unique"),
            models.CheckConstraint(
                condition=(
                    Q(ratio_bp__isnull=False, count__isnull=True)
                    | Q(ratio_bp__isnull=True, count__isnull=False)
                ),
                name="stratum_ratio_xor_count",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        return f"{self.grade}:flagged" if self.flagged else self.grade

    @property
    def rule_label(self) -> str:
        return f"{self.ratio_bp / 100:g}%" if self.ratio_bp is not None else f"{self.count} 户"


class ExclusionReason(models.TextChoices):
    LEAVE = "leave", "休假/请假"
    TRAINING = "training", "培训学习"
    SECONDED = "seconded", "借调/外派"
    ILLNESS = "illness", "病假"
    CONFLICT = "conflict", "利害关系回避"
    OTHER_DUTY = "other_duty", "其他公务"
    UNDER_INVESTIGATION = "under_investigation", "正在立案调查"
    RECENTLY_INSPECTED = "recently_inspected", "近期已检查"
    OTHER = "other", "其他"


class InspectorExclusion(models.Model):
    """An inspector recorded as unavailable for this task before the freeze, with a reason."""

    task = models.ForeignKey(
        InspectionTask, on_delete=models.CASCADE, related_name="inspector_exclusions"
    )
    inspector = models.ForeignKey(
        "inspectors.Inspector", verbose_name="检查人员", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=32, choices=ExclusionReason.choices)
    detail = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "检查人员排除"
        verbose_name_plural = "检查人员排除"
        constraints = [
            models.UniqueConstraint(fields=["task", "inspector"], name="inspexcl_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.get_reason_display()}"


class EntityExclusion(models.Model):
    """An entity removed from the candidates before the freeze, with a reason."""

    task = models.ForeignKey(
        InspectionTask, on_delete=models.CASCADE, related_name="entity_exclusions"
    )
    entity = models.ForeignKey(
        "registry.Entity", verbose_name="检查对象", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=32, choices=ExclusionReason.choices)
    detail = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "检查对象排除"
        verbose_name_plural = "检查对象排除"
        constraints = [
            models.UniqueConstraint(fields=["task", "entity"], name="entexcl_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.get_reason_display()}"


class DrawStatus(models.TextChoices):
    COMMITTED = "committed", "已承诺，待抽取"
    DRAWN = "drawn", "已抽取"
    FAILED = "failed", "抽取失败（约束无法满足）"
    VOIDED = "voided", "已作废"


class Draw(models.Model):
    """One draw of a task: the commitment, the ceremony, the certificate.

    The server nonce stays secret (never shown) until the draw reveals it. A voided draw stays
    visible; the draw that replaces it points to it with `supersedes`.
    """

    task = models.ForeignKey(
        InspectionTask, verbose_name="任务", on_delete=models.PROTECT, related_name="draws"
    )
    sequence = models.PositiveSmallIntegerField("第几次抽取")
    draw_id = models.CharField("抽取编号", max_length=128, unique=True)
    status = models.CharField("状态", max_length=16, choices=DrawStatus.choices)
    as_of_date = models.DateField("基准日期")
    frozen_at = models.DateTimeField("冻结时间")
    committed_at = models.DateTimeField("承诺时间")
    manifest_json = models.TextField("承诺清单（规范 JSON）")
    manifest_sha256 = models.CharField("承诺摘要", max_length=64, unique=True)
    audit_head_seq = models.PositiveBigIntegerField("承诺时日志链头序号")
    audit_head_hash = models.CharField("承诺时日志链头哈希", max_length=64)
    server_nonce = models.CharField("服务器随机数（抽取前保密）", max_length=64)
    server_nonce_sha256 = models.CharField("服务器随机数摘要", max_length=64)
    witness_parties = models.JSONField("见证方", default=list)
    files_dir = models.CharField("规范文件目录", max_length=255)
    seed = models.CharField("随机种子", max_length=64, blank=True)
    certificate_json = models.TextField("抽取证书", blank=True)
    certificate_sha256 = models.CharField("证书摘要", max_length=64, blank=True)
    failure = models.JSONField("失败原因", null=True, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="抽取操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承诺操作人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name="取代的抽取",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    void_reason = models.CharField("作废原因", max_length=32, blank=True)
    void_detail = models.TextField("作废说明", blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "随机抽取"
        verbose_name_plural = "随机抽取"
        ordering = ["task_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["task", "sequence"], name="draw_unique_sequence"),
            # At most one live (not voided, not failed) draw per task.
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status__in=["committed", "drawn"]),
                name="draw_one_live_per_task",
            ),
        ]

    def __str__(self) -> str:
        return self.draw_id


class WitnessRole(models.TextChoices):
    NOTARY = "notary", "公证人"
    SUPERVISOR = "supervisor", "监督人"
    WITNESS = "witness", "见证人"
    PUBLIC = "public", "群众/企业代表"


class DrawWitness(models.Model):
    """A person present at the ceremony; those named as parties enter entropy digits."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="witnesses")
    name = models.CharField("姓名", max_length=64)
    role = models.CharField("身份", max_length=16, choices=WitnessRole.choices)
    organization = models.CharField("单位", max_length=100, blank=True)
    digits = models.CharField("随机数字（掷骰）", max_length=64, blank=True)
    digits_entered_at = models.DateTimeField("录入时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "见证人"
        verbose_name_plural = "见证人"
        ordering = ["draw_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "name"], name="witness_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class InspectionGroup(models.Model):
    """A drawn inspection group (检查组); the leader comes from the lead department."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField("组号", max_length=16)
    leader = models.ForeignKey(
        "inspectors.Inspector", verbose_name="组长", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "检查组"
        verbose_name_plural = "检查组"
        ordering = ["draw_id", "code"]
        constraints = [models.UniqueConstraint(fields=["draw", "code"], name="group_unique_code")]

    def __str__(self) -> str:
        return self.code


class GroupMember(models.Model):
    group = models.ForeignKey(InspectionGroup, on_delete=models.CASCADE, related_name="members")
    inspector = models.ForeignKey(
        "inspectors.Inspector",
        verbose_name="检查人员",
        on_delete=models.PROTECT,
        related_name="group_memberships",
    )
    position = models.PositiveSmallIntegerField("序号")
    is_leader = models.BooleanField("组长", default=False)
    active = models.BooleanField("在组", default=True)

    class Meta:
        verbose_name = "检查组成员"
        verbose_name_plural = "检查组成员"
        ordering = ["group_id", "position"]

    def __str__(self) -> str:
        return f"{self.group} {self.inspector}"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "已分配"
    REPLACED = "replaced", "已替换"
    VOIDED = "voided", "随抽取作废"


class Assignment(models.Model):
    """一企一表: one selected entity with its group, for one draw."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="assignments")
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="assignments")
    entity = models.ForeignKey(
        "registry.Entity",
        verbose_name="检查对象",
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    entity_key = models.CharField("统一社会信用代码/注册号", max_length=32)
    stratum = models.CharField("层", max_length=40)
    group = models.ForeignKey(
        InspectionGroup, verbose_name="检查组", on_delete=models.PROTECT, related_name="assignments"
    )
    sheet_number = models.CharField("表号", max_length=64)
    status = models.CharField(
        "状态", max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    from_reserve = models.BooleanField("来自备选", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "一企一表"
        verbose_name_plural = "一企一表"
        ordering = ["draw_id", "sheet_number"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "entity"], name="assignment_unique_entity"),
        ]
        indexes = [
            models.Index(fields=["entity", "status"], name="assignment_entity_status"),
            # a task's / a draw's sheets in sheet order (public result notices, documents)
            models.Index(fields=["task", "sheet_number"], name="assignment_task_sheet"),
            models.Index(fields=["draw", "sheet_number"], name="assignment_draw_sheet"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet_number} {self.entity}"
