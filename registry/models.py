"""Models of the registry app (检查对象名录库 and 分类标签库).

The tag library is shared: entities carry tags (industry, business type, risk topics) and
inspectors carry tags as their specialties, so a task can filter targets by tag and match
inspectors whose specialties cover them.
"""

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
