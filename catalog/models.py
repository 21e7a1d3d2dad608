"""Models of the catalog app: 随机抽查事项清单, 部门联合抽查事项清单 and the 法律法规库.

A list (`ItemList`) belongs to a department, to a region (a provincial list such as Hainan's,
managed by that region's leading-group office) or, for the joint list, to the leading-group
office. Its content lives in versions (`ListVersion`): a list is adjusted by publishing a new
version; published versions are public documents and are never edited in place — the services
refuse it. Each version holds its own copy of the categories, items and legal bases, so an old
version stays readable exactly as it was published. Items keep a stable `code` across versions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ListKind(models.TextChoices):
    DEPARTMENT = "department", "部门抽查事项清单"
    REGION = "region", "本级区划抽查事项清单"
    JOINT = "joint", "部门联合抽查事项清单"


class ItemList(models.Model):
    """One 抽查事项清单 (its identity; its content is in versions)."""

    code = models.CharField("清单编码", max_length=40, unique=True)
    name = models.CharField("清单名称", max_length=200)
    kind = models.CharField("清单类别", max_length=16, choices=ListKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="item_lists",
        help_text="区划清单为空（由本级双随机办管理）",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽查事项清单"
        verbose_name_plural = "抽查事项清单"
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="region", department__isnull=True)
                | (~Q(kind="region") & Q(department__isnull=False)),
                name="itemlist_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_label(self) -> str:
        return self.department.name if self.department else f"{self.region.name}（本级）"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "现行版本"
    SUPERSEDED = "superseded", "已被替代"


class ListVersion(models.Model):
    """A version of a list. Drafts are edited; publishing freezes it and supersedes the
    previous published version."""

    item_list = models.ForeignKey(
        ItemList, verbose_name="清单", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("版本标题", max_length=300)
    status = models.CharField(
        "状态", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name="基于版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    superseded_at = models.DateTimeField("替代时间", null=True, blank=True)
    reason = models.TextField("调整说明", blank=True)

    class Meta:
        verbose_name = "清单版本"
        verbose_name_plural = "清单版本"
        ordering = ["item_list_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item_list", "number"], name="listversion_number"),
            models.UniqueConstraint(
                fields=["item_list"],
                condition=Q(status="draft"),
                name="listversion_one_draft",
            ),
            models.UniqueConstraint(
                fields=["item_list"],
                condition=Q(status="published"),
                name="listversion_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_list.name} 第{self.number}版（{self.get_status_display()}）"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Category(models.Model):
    """抽查项目/抽查类别 of a version, with its published number (序号) and department."""

    version = models.ForeignKey(
        ListVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="categories"
    )
    number = models.PositiveIntegerField("序号")
    name = models.CharField("抽查类别", max_length=300)
    department_name = models.CharField("编制单位名称", max_length=100, blank=True)

    class Meta:
        verbose_name = "抽查类别"
        verbose_name_plural = "抽查类别"
        ordering = ["version_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="category_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class ItemKind(models.TextChoices):
    KEY = "key", "重点检查事项"
    GENERAL = "general", "一般检查事项"


class InspectionMethod(models.Model):
    """检查方式 (现场检查, 书面检查, 网络检查, 专业机构核查, 抽样检测, …)."""

    name = models.CharField("检查方式", max_length=50, unique=True)

    class Meta:
        verbose_name = "检查方式"
        verbose_name_plural = "检查方式"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InspectionItem(models.Model):
    """抽查事项 in one version of a list. `code` is stable across versions (upsert key)."""

    version = models.ForeignKey(
        ListVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="items"
    )
    category = models.ForeignKey(
        Category, verbose_name="抽查类别", on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField("事项编码", max_length=64)
    position = models.PositiveIntegerField("排序")
    name = models.TextField("抽查事项")
    target = models.TextField("检查对象", blank=True)
    kind = models.CharField("事项类别", max_length=16, choices=ItemKind.choices)
    methods = models.ManyToManyField(InspectionMethod, verbose_name="检查方式", blank=True)
    methods_text = models.CharField("检查方式（原文）", max_length=300, blank=True)
    subject = models.TextField("检查主体", blank=True)
    basis_text = models.TextField("检查依据（原文）", blank=True)
    content = models.TextField("检查内容", blank=True)
    standards = models.TextField("检查标准/要点", blank=True)
    ratio = models.CharField("抽查比例", max_length=200, blank=True)
    frequency = models.CharField("抽查频次", max_length=200, blank=True)
    level = models.CharField("实施层级", max_length=200, blank=True)
    remark = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "抽查事项"
        verbose_name_plural = "抽查事项"
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="item_code_in_version")
        ]

    def __str__(self) -> str:
        return self.name


class JointItem(models.Model):
    """An item of the 部门联合抽查事项清单 (in one version of the joint list)."""

    version = models.ForeignKey(
        ListVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="joint_items"
    )
    code = models.CharField("事项编码", max_length=64)
    position = models.PositiveIntegerField("排序")
    field = models.CharField("抽查领域", max_length=200)
    name = models.CharField("抽查事项", max_length=500)
    target = models.TextField("检查对象", blank=True)
    initiator_name = models.CharField("发起部门", max_length=200)
    initiator = models.ForeignKey(
        "accounts.Department",
        verbose_name="发起部门（本平台）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cooperator_names = models.TextField("配合部门", blank=True)
    cooperators = models.ManyToManyField(
        "accounts.Department", verbose_name="配合部门（本平台）", blank=True, related_name="+"
    )
    level = models.CharField("抽查层级", max_length=200, blank=True)
    basis_text = models.TextField("检查依据（原文）", blank=True)
    content = models.TextField("检查内容", blank=True)
    remark = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "联合抽查事项"
        verbose_name_plural = "联合抽查事项"
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="jointitem_code_in_version")
        ]

    def __str__(self) -> str:
        return self.name

    def cooperator_list(self) -> list[str]:
        return [n for n in self.cooperator_names.split("、") if n]


class RegulationLevel(models.TextChoices):
    LAW = "law", "法律"
    ADMIN_REGULATION = "admin_regulation", "行政法规"
    DEPARTMENT_RULE = "department_rule", "部门规章"
    LOCAL_REGULATION = "local_regulation", "地方性法规"
    LOCAL_RULE = "local_rule", "地方政府规章"
    NORMATIVE = "normative", "规范性文件"


class RegulationStatus(models.TextChoices):
    IN_FORCE = "in_force", "现行有效"
    AMENDED = "amended", "已修改"
    REPEALED = "repealed", "已废止"
    NOT_YET = "not_yet", "尚未生效"


class Regulation(models.Model):
    """A law, regulation, rule or normative document in the 法律法规库.

    `short_title` (the title without a leading 中华人民共和国) is the natural key, so
    《消防法》 and 《中华人民共和国消防法》 are the same record.
    """

    title = models.CharField("名称", max_length=300)
    short_title = models.CharField("简称（唯一）", max_length=300, unique=True)
    issuer = models.CharField("制定机关", max_length=200, blank=True)
    doc_number = models.CharField("文号", max_length=200, blank=True)
    level = models.CharField("效力层级", max_length=20, choices=RegulationLevel.choices, blank=True)
    effective_date = models.DateField("施行日期", null=True, blank=True)
    status = models.CharField("时效性", max_length=16, choices=RegulationStatus.choices, blank=True)
    auto_created = models.BooleanField(
        "由检查依据自动创建", default=False, help_text="导入事项时按名称自动建立，尚未补充条文"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "法律法规"
        verbose_name_plural = "法律法规"
        ordering = ["short_title"]

    def __str__(self) -> str:
        return f"《{self.title}》"


class Article(models.Model):
    """One 条 of a regulation. Referenced as `ref` = "<regulation id>:<number>"."""

    regulation = models.ForeignKey(
        Regulation, verbose_name="法律法规", on_delete=models.CASCADE, related_name="articles"
    )
    number = models.PositiveIntegerField("条号")
    text = models.TextField("条文")

    class Meta:
        verbose_name = "条文"
        verbose_name_plural = "条文"
        ordering = ["regulation_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["regulation", "number"], name="article_number")
        ]

    def __str__(self) -> str:
        return f"{self.regulation}{self.label}"

    @property
    def label(self) -> str:
        from .legal import int_to_cn

        return f"第{int_to_cn(self.number)}条"

    @property
    def ref(self) -> str:
        return f"{self.regulation_id}:{self.number}"


class LegalBasis(models.Model):
    """One 检查依据 of an item, in order: the raw text, and the regulation and articles it
    cites when they could be parsed (《中小学教材管理办法》第三十六条 → that regulation, [36])."""

    item = models.ForeignKey(
        InspectionItem,
        verbose_name="抽查事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bases",
    )
    joint_item = models.ForeignKey(
        JointItem,
        verbose_name="联合抽查事项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bases",
    )
    position = models.PositiveIntegerField("顺序")
    text = models.TextField("依据原文")
    regulation = models.ForeignKey(
        Regulation,
        verbose_name="法律法规",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bases",
    )
    article_ref = models.CharField("条款", max_length=300, blank=True)
    article_numbers = models.JSONField("条号", default=list, blank=True)

    class Meta:
        verbose_name = "检查依据"
        verbose_name_plural = "检查依据"
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, joint_item__isnull=True)
                | Q(item__isnull=True, joint_item__isnull=False),
                name="legalbasis_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.text
