from django.db import models


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, "省级"
    CITY = 2, "市级"
    COUNTY = 3, "县级"
    TOWNSHIP = 4, "乡级"


CODE_LENGTH_BY_LEVEL = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
}


class Region(models.Model):
    """An administrative division (行政区划), keyed by its hierarchical code.

    Codes are strings in short form (`13`, `1308`, `130827`, `130827100`); each starts with its
    parent's code, so "this region and everything below it" is `code__startswith=code`.
    """

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.PositiveSmallIntegerField("级别", choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def gb2260_code(self) -> str:
        """The six-digit GB/T 2260 code (province/city/county); townships keep their 9 digits."""
        if self.level == RegionLevel.TOWNSHIP:
            return self.code
        return self.code.ljust(6, "0")

    def is_within(self, ancestor_code: str) -> bool:
        return self.code.startswith(ancestor_code)

    def full_name(self) -> str:
        names = []
        node: Region | None = self
        while node is not None:
            if node.name not in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}:
                names.append(node.name)
            node = node.parent
        return "".join(reversed(names))
