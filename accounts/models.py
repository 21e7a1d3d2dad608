from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class DepartmentKind(models.TextChoices):
    MARKET = "market", "市场监管"
    CULTURE_TOURISM = "culture_tourism", "文化和旅游"
    PUBLIC_SECURITY = "public_security", "公安"
    HEALTH = "health", "卫生健康"
    FIRE = "fire", "消防救援"
    PROPAGANDA = "propaganda", "宣传/新闻出版/电影"
    ECOLOGY = "ecology", "生态环境"
    EDUCATION = "education", "教育"
    HOUSING = "housing", "住房和城乡建设"
    TRANSPORT = "transport", "交通运输"
    AGRICULTURE = "agriculture", "农业农村"
    NATURAL_RESOURCES = "natural_resources", "自然资源"
    EMERGENCY = "emergency", "应急管理"
    COMMERCE = "commerce", "商务"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障"
    TAX = "tax", "税务"
    JUSTICE = "justice", "司法行政"
    DISCIPLINE = "discipline", "纪检监察"
    LEADING_OFFICE = "leading_office", "双随机领导小组办公室"
    OTHER = "other", "其他"


class Department(models.Model):
    """A government body (机关/部门) in a region; a region has at most one leading-group office."""

    name = models.CharField("部门名称", max_length=100)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("部门类别", max_length=32, choices=DepartmentKind.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属行政区划",
        on_delete=models.PROTECT,
        related_name="departments",
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="department_unique_name_in_region"
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(kind="leading_office"),
                name="department_one_leading_office_per_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REGION_ADMIN = "region_admin", "系统管理员（本级）"
    DEPT_ADMIN = "dept_admin", "系统管理员（本部门）"
    ORGANIZER = "organizer", "抽查组织人员"
    REVIEWER = "reviewer", "部门审核人"
    INSPECTOR = "inspector", "执法检查人员"
    JOINT_OFFICE = "joint_office", "联合抽查办公室"
    SUPERVISOR = "supervisor", "监督/审计"


class User(AbstractUser):
    """A platform account. It belongs to exactly one department; its roles are RoleGrants.

    Personal fields (phone, ID number) are shown only to administrators of the user's scope.
    """

    full_name = models.CharField("姓名", max_length=64)
    department = models.ForeignKey(
        Department,
        verbose_name="所在部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField("手机号", max_length=20, blank=True)
    must_change_password = models.BooleanField("首次登录须改密码", default=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_grants.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def role_labels(self) -> list[str]:
        return [Role(code).label for code in Role.values if code in self.role_codes]


class RoleGrant(models.Model):
    """A role a user holds in their department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授予"
        verbose_name_plural = "角色授予"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class LoginAttempt(models.Model):
    """Every login attempt, kept for throttling and for the security record."""

    username = models.CharField("账号", max_length=150, db_index=True)
    ip_address = models.CharField("IP 地址", max_length=45, db_index=True)
    succeeded = models.BooleanField("成功")
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "登录记录"
        verbose_name_plural = "登录记录"

    def __str__(self) -> str:
        return f"{self.username}@{self.ip_address}"
