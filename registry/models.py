"""Models of the registry app (检查对象名录库 and 分类标签库).

The tag library is shared: entities carry tags (industry, business type, risk topics) and
inspectors carry tags as their specialties, so a task can filter targets by tag and match
inspectors whose specialties cover them.
"""

from django.core.exceptions import ValidationError
from django.db import models


class TagCategory(models.Model):
    """A group of tags (行业类别, 经营业态, 专业领域, …)."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64, unique=True)
    applies_to_entities = models.BooleanField("用于检查对象", default=True)
    applies_to_inspectors = models.BooleanField("用于检查人员（专长）", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "标签分类"
        verbose_name_plural = "标签分类"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """One tag in the 分类标签库; `code` is stable and used in imports and draw filters."""

    category = models.ForeignKey(
        TagCategory, verbose_name="分类", on_delete=models.PROTECT, related_name="tags"
    )
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    description = models.CharField("说明", max_length=255, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "标签"
        verbose_name_plural = "标签"
        ordering = ["category__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="tag_unique_name_in_category")
        ]

    def __str__(self) -> str:
        return self.name


# --- 检查对象名录库 ------------------------------------------------------------------------------

# GB/T 4754-2017 国民经济行业分类, the 20 门类 (sections). Entities carry the section letter; the
# registry's own finer class (e.g. "互联网上网服务") is kept as free text beside it.
INDUSTRY_SECTIONS: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


class EntityType(models.TextChoices):
    COMPANY = "company", "企业"
    INDIVIDUAL = "individual", "个体工商户"
    COOPERATIVE = "cooperative", "农民专业合作社"
    INSTITUTION = "institution", "事业单位"
    SOCIAL_ORG = "social_org", "社会组织"
    OTHER = "other", "其他"


class EntityStatus(models.TextChoices):
    ACTIVE = "active", "存续（在业）"
    SUSPENDED = "suspended", "停业（歇业）"
    CANCELLED = "cancelled", "注销"
    REVOKED = "revoked", "吊销"
    WITHDRAWN = "withdrawn", "撤销"
    MOVED_OUT = "moved_out", "迁出"


class Entity(models.Model):
    """One inspected object (检查对象): an enterprise, 个体工商户, cooperative, ….

    Natural key: the 统一社会信用代码 (USCC) when known, else the legacy 15-digit 注册号; each is
    unique when present, and at least one is present. Personal fields (`phone`, `id_number`, and
    `representative` of an 个体工商户) are shown in full only to holders of `entity.personal`.
    """

    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, default="")
    reg_no = models.CharField("注册号", max_length=15, blank=True, default="")
    name = models.CharField("名称", max_length=200)
    entity_type = models.CharField(
        "主体类型", max_length=16, choices=EntityType.choices, default=EntityType.COMPANY
    )
    industry_code = models.CharField(
        "行业门类",
        max_length=1,
        blank=True,
        default="",
        choices=[(code, f"{code} {name}") for code, name in INDUSTRY_SECTIONS.items()],
    )
    industry_detail = models.CharField("行业（细类）", max_length=100, blank=True, default="")
    representative = models.CharField("法定代表人（经营者）", max_length=64, blank=True, default="")
    id_number = models.CharField("证件号码", max_length=18, blank=True, default="")
    phone = models.CharField("联系电话", max_length=32, blank=True, default="")
    address = models.CharField("住所（经营场所）", max_length=255, blank=True, default="")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区域",
        on_delete=models.PROTECT,
        related_name="entities",
    )
    registered_on = models.DateField("成立日期", null=True, blank=True)
    status = models.CharField(
        "登记状态", max_length=16, choices=EntityStatus.choices, default=EntityStatus.ACTIVE
    )
    departments = models.ManyToManyField(
        "accounts.Department", verbose_name="监管部门", blank=True, related_name="entities"
    )
    tags = models.ManyToManyField(
        Tag, verbose_name="标签", blank=True, through="EntityTag", related_name="entities"
    )
    # Denormalised for the list filters: the level of the current grade (valid_to IS NULL) under
    # the default scheme. The dated history stays in EntityGrade (the draw reads grades as of a
    # date from there); services, the importer and demo data keep this column in step, and
    # services.current_grades_refresh() recomputes it from the history.
    current_level = models.ForeignKey(
        "GradeLevel",
        verbose_name="当前信用风险等级（默认方案）",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="entity_unique_uscc"
            ),
            models.UniqueConstraint(
                fields=["reg_no"], condition=~models.Q(reg_no=""), name="entity_unique_reg_no"
            ),
            models.CheckConstraint(
                condition=~models.Q(uscc="", reg_no=""), name="entity_has_a_key"
            ),
        ]
        indexes = [
            # region scope is a startswith on region_id; the FK index serves it. These serve the
            # list filters; name fragments use the FTS5 / pg_trgm index of migration 0003.
            models.Index(fields=["industry_code"], name="entity_industry_idx"),
            models.Index(fields=["status"], name="entity_status_idx"),
            models.Index(fields=["entity_type"], name="entity_type_idx"),
            models.Index(fields=["name"], name="entity_name_idx"),
            # plain indexes beside the partial unique ones: SQLite cannot prove that
            # uscc = '…' implies uscc <> '' and so never uses a partial index for lookups
            models.Index(fields=["uscc"], name="entity_uscc_idx"),
            models.Index(fields=["reg_no"], name="entity_reg_no_idx"),
            # grade filter alone (in id order), and with a township
            models.Index(fields=["current_level", "id"], name="entity_grade_idx"),
            models.Index(fields=["region", "current_level", "id"], name="entity_region_grade_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return self.uscc or self.reg_no

    def clean(self) -> None:
        from .identifiers import phone_error, reg_no_error, uscc_error

        errors: dict[str, str] = {}
        if not self.uscc and not self.reg_no:
            errors["uscc"] = "统一社会信用代码和注册号至少填写一项"
        if self.uscc and (message := uscc_error(self.uscc)):
            errors["uscc"] = message
        if self.reg_no and (message := reg_no_error(self.reg_no)):
            errors["reg_no"] = message
        if self.phone and (message := phone_error(self.phone)):
            errors["phone"] = message
        if errors:
            raise ValidationError(errors)

    @property
    def industry_label(self) -> str:
        section = INDUSTRY_SECTIONS.get(self.industry_code, "")
        parts = [f"{self.industry_code} {section}" if section else "", self.industry_detail]
        return " / ".join(p for p in parts if p)


class EntityTag(models.Model):
    """An entity carries a tag (since `tagged_at`); removals are kept in EntityChange."""

    # no single-column indexes: the unique (entity, tag) and the (tag, entity) index cover both
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="entity_tags", db_index=False
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.PROTECT, related_name="entity_tags", db_index=False
    )
    tagged_at = models.DateTimeField("标记时间", auto_now_add=True)

    class Meta:
        verbose_name = "检查对象标签"
        verbose_name_plural = "检查对象标签"
        constraints = [
            models.UniqueConstraint(fields=["entity", "tag"], name="entitytag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "entity"], name="entitytag_tag_entity_idx")]

    def __str__(self) -> str:
        return f"{self.entity_id}:{self.tag_id}"


# --- 信用风险分类 -----------------------------------------------------------------------------


class GradingScheme(models.Model):
    """A credit-risk grading scheme (河北 A–E 五级, 市场监管总局 A–D 四级, …)."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    authority = models.CharField("依据 / 来源", max_length=200, blank=True, default="")
    is_default = models.BooleanField("默认方案", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用风险分类方案"
        verbose_name_plural = "信用风险分类方案"
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="gradingscheme_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GradeLevel(models.Model):
    """One level of a scheme; `rank` orders them from low risk (1) to high risk."""

    scheme = models.ForeignKey(GradingScheme, on_delete=models.CASCADE, related_name="levels")
    code = models.CharField("等级", max_length=8)
    name = models.CharField("含义", max_length=64)
    rank = models.PositiveSmallIntegerField("风险序（1 为最低）")

    class Meta:
        verbose_name = "信用风险等级"
        verbose_name_plural = "信用风险等级"
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="gradelevel_unique_code"),
            models.UniqueConstraint(fields=["scheme", "rank"], name="gradelevel_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.code}（{self.name}）"


class EntityGrade(models.Model):
    """An entity's grade under one scheme over the half-open interval [valid_from, valid_to).

    `valid_to` is exclusive and NULL while the grade is current; intervals of one entity and
    scheme never overlap (grade_assign closes the current one on the new one's start date). A
    grade replaced on its own start day keeps valid_to == valid_from and so covers no day.
    """

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="grades")
    # (scheme, entity, valid_from) serves lookups by scheme
    scheme = models.ForeignKey(
        GradingScheme, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.ForeignKey(GradeLevel, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("截止日期（不含）", null=True, blank=True)
    reason = models.CharField("依据 / 说明", max_length=255, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_job = models.ForeignKey(
        "core.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用风险等级记录"
        verbose_name_plural = "信用风险等级记录"
        ordering = ["entity", "scheme", "valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "scheme"],
                condition=models.Q(valid_to__isnull=True),
                name="entitygrade_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="entitygrade_interval",
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "entity", "valid_from"], name="entitygrade_on_date_idx"),
            models.Index(
                fields=["level", "entity"],
                condition=models.Q(valid_to__isnull=True),
                name="entitygrade_current_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level_id} {self.valid_from}–{self.valid_to or ''}"


class FlagKind(models.TextChoices):
    ABNORMAL = "abnormal", "经营异常名录"
    SERIOUS = "serious", "严重违法失信名单"
    WATCH = "watch", "重点关注"
    BLACKLIST = "blacklist", "黑名单（拉黑）"


class EntityFlag(models.Model):
    """A listing of an entity (经营异常名录, 严重违法失信, 重点关注, 黑名单) over
    [valid_from, valid_to); valid_to is exclusive and NULL while the listing stands."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField("类别", max_length=16, choices=FlagKind.choices)
    valid_from = models.DateField("列入日期")
    valid_to = models.DateField("移出日期", null=True, blank=True)
    reason = models.CharField("列入原因", max_length=255)
    penalty = models.CharField("处罚 / 惩戒措施", max_length=255, blank=True, default="")
    recording_unit = models.CharField("作出决定机关", max_length=100)
    document = models.CharField("文书号 / 来源文件", max_length=100, blank=True, default="")
    clear_reason = models.CharField("移出原因", max_length=255, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "名单标记"
        verbose_name_plural = "名单标记"
        ordering = ["entity", "kind", "valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "kind"],
                condition=models.Q(valid_to__isnull=True),
                name="entityflag_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="entityflag_interval",
            ),
        ]
        indexes = [
            models.Index(fields=["entity", "kind", "valid_from"], name="entityflag_on_date_idx"),
            models.Index(
                fields=["kind", "entity"],
                condition=models.Q(valid_to__isnull=True),
                name="entityflag_current_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class ComplaintSource(models.TextChoices):
    HOTLINE_12315 = "12315", "12315 热线/平台"
    HOTLINE_12345 = "12345", "12345 政务服务热线"
    LETTER = "letter", "来信来访"
    REFERRAL = "referral", "部门移送"
    OTHER = "other", "其他"


class Complaint(models.Model):
    """One dated 投诉举报 about an entity. The complaint count of any period is the number of
    records received in it (see selectors.complaint_counts)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="complaints")
    received_on = models.DateField("受理日期")
    source = models.CharField("来源", max_length=16, choices=ComplaintSource.choices)
    summary = models.CharField("摘要", max_length=255, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "投诉举报"
        verbose_name_plural = "投诉举报"
        ordering = ["entity", "-received_on", "-id"]
        indexes = [models.Index(fields=["entity", "received_on"], name="complaint_entity_date_idx")]

    def __str__(self) -> str:
        return f"{self.received_on} {self.get_source_display()}"


class ChangeSource(models.TextChoices):
    IMPORT = "import", "批量导入"
    SERVICE = "service", "页面操作"
    DEMO = "demo", "演示数据"


class EntityChange(models.Model):
    """Per-entity history: one row per created/changed entity per import commit (written in
    bulk; the import's single audit entry names the job) and one per service call (linked to
    that call's audit entry by `audit_seq`)."""

    # (entity, at) serves lookups by entity
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    at = models.DateTimeField("时间")
    action = models.CharField("操作", max_length=32)
    source = models.CharField("来源", max_length=16, choices=ChangeSource.choices)
    fields = models.JSONField("变更字段", default=list)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_job = models.ForeignKey(
        "core.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    audit_seq = models.BigIntegerField("行为日志序号", null=True, blank=True)

    class Meta:
        verbose_name = "检查对象变更记录"
        verbose_name_plural = "检查对象变更记录"
        ordering = ["entity", "-at", "-id"]
        indexes = [models.Index(fields=["entity", "at"], name="entitychange_entity_idx")]

    def __str__(self) -> str:
        return f"{self.action}@{self.at}"
