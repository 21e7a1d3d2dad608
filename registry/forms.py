from django import forms
from django.utils import timezone

from accounts.models import Department
from regions.models import Region

from .models import (
    INDUSTRY_SECTIONS,
    ComplaintSource,
    EntityStatus,
    EntityType,
    FlagKind,
    GradeLevel,
    Tag,
    TagCategory,
)

INDUSTRY_CHOICES = [("", "全部")] + [(c, f"{c} {n}") for c, n in INDUSTRY_SECTIONS.items()]


class EntityFilterForm(forms.Form):
    q = forms.CharField(label="名称 / 信用代码", required=False, max_length=60)
    region = forms.ChoiceField(label="区域", required=False)
    industry = forms.ChoiceField(label="行业门类", required=False, choices=INDUSTRY_CHOICES)
    status = forms.ChoiceField(
        label="登记状态", required=False, choices=[("", "全部"), *EntityStatus.choices]
    )
    entity_type = forms.ChoiceField(
        label="主体类型", required=False, choices=[("", "全部"), *EntityType.choices]
    )
    level = forms.ModelChoiceField(
        label="信用等级", required=False, queryset=GradeLevel.objects.none(), empty_label="全部"
    )
    flag = forms.ChoiceField(
        label="名单", required=False, choices=[("", "全部"), *FlagKind.choices]
    )
    tag = forms.ModelChoiceField(
        label="标签", required=False, queryset=Tag.objects.none(), empty_label="全部"
    )

    def __init__(self, *args, regions=(), scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "全部")] + [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]
        if scheme is not None:
            self.fields["level"].queryset = GradeLevel.objects.filter(scheme=scheme)  # type: ignore[attr-defined]
        self.fields["tag"].queryset = Tag.objects.filter(  # type: ignore[attr-defined]
            is_active=True, category__applies_to_entities=True
        ).select_related("category")


class EntityForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    reg_no = forms.CharField(label="注册号", max_length=15, required=False)
    name = forms.CharField(label="名称", max_length=200)
    entity_type = forms.ChoiceField(label="主体类型", choices=EntityType.choices)
    industry_code = forms.ChoiceField(label="行业门类", choices=INDUSTRY_CHOICES, required=False)
    industry_detail = forms.CharField(label="行业（细类）", max_length=100, required=False)
    representative = forms.CharField(label="法定代表人（经营者）", max_length=64, required=False)
    id_number = forms.CharField(label="证件号码", max_length=18, required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    address = forms.CharField(label="住所（经营场所）", max_length=255, required=False)
    region = forms.ModelChoiceField(label="所属区域", queryset=Region.objects.none())
    registered_on = forms.DateField(label="成立日期", required=False)
    status = forms.ChoiceField(label="登记状态", choices=EntityStatus.choices)
    departments = forms.ModelMultipleChoiceField(
        label="监管部门",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, regions=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        if departments is not None:
            self.fields["departments"].queryset = departments  # type: ignore[attr-defined]


def _today():
    return timezone.localdate()


class GradeForm(forms.Form):
    level = forms.ModelChoiceField(label="信用风险等级", queryset=GradeLevel.objects.none())
    valid_from = forms.DateField(label="生效日期", initial=_today)
    reason = forms.CharField(label="依据 / 说明", max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = GradeLevel.objects.select_related("scheme").order_by(  # type: ignore[attr-defined]
            "-scheme__is_default", "scheme__code", "rank"
        )
        self.fields["level"].label_from_instance = lambda lv: f"{lv.scheme.name}：{lv}"  # type: ignore[attr-defined]


class FlagSetForm(forms.Form):
    kind = forms.ChoiceField(
        label="名单", choices=[c for c in FlagKind.choices if c[0] != FlagKind.BLACKLIST]
    )
    valid_from = forms.DateField(label="列入日期", initial=_today)
    reason = forms.CharField(label="列入原因", max_length=255)
    recording_unit = forms.CharField(label="作出决定机关", max_length=100)
    document = forms.CharField(label="文书号 / 来源文件", max_length=100, required=False)


class FlagClearForm(forms.Form):
    kind = forms.ChoiceField(
        label="名单", choices=[c for c in FlagKind.choices if c[0] != FlagKind.BLACKLIST]
    )
    valid_to = forms.DateField(label="移出日期", initial=_today)
    reason = forms.CharField(label="移出原因", max_length=255)


class BlacklistAddForm(forms.Form):
    valid_from = forms.DateField(label="拉黑日期", initial=_today)
    reason = forms.CharField(label="拉黑原因", max_length=255)
    penalty = forms.CharField(label="处罚 / 惩戒措施", max_length=255)
    recording_unit = forms.CharField(label="作出决定机关", max_length=100)
    document = forms.CharField(label="文书号", max_length=100, required=False)


class BlacklistRemoveForm(forms.Form):
    valid_to = forms.DateField(label="移出日期", initial=_today)
    reason = forms.CharField(label="移出原因", max_length=255)
    new_grade = forms.ModelChoiceField(
        label="新的信用风险等级", queryset=GradeLevel.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_grade"].queryset = GradeLevel.objects.select_related("scheme")  # type: ignore[attr-defined]
        self.fields["new_grade"].label_from_instance = lambda lv: f"{lv.scheme.name}：{lv}"  # type: ignore[attr-defined]


class ComplaintForm(forms.Form):
    received_on = forms.DateField(label="受理日期", initial=_today)
    source = forms.ChoiceField(label="来源", choices=ComplaintSource.choices)
    summary = forms.CharField(label="摘要", max_length=255, required=False)


class EntityTagsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        label="标签",
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = Tag.objects.filter(  # type: ignore[attr-defined]
            is_active=True, category__applies_to_entities=True
        )


class TagCategoryForm(forms.Form):
    code = forms.SlugField(label="编码", max_length=32)
    name = forms.CharField(label="名称", max_length=64)
    applies_to_entities = forms.BooleanField(label="用于检查对象", required=False, initial=True)
    applies_to_inspectors = forms.BooleanField(label="用于检查人员（专长）", required=False)


class TagForm(forms.Form):
    category = forms.ModelChoiceField(label="分类", queryset=TagCategory.objects.all())
    code = forms.CharField(label="编码", max_length=32)
    name = forms.CharField(label="名称", max_length=64)
    description = forms.CharField(label="说明", max_length=255, required=False)


class SchemeForm(forms.Form):
    code = forms.SlugField(label="编码", max_length=32)
    name = forms.CharField(label="名称", max_length=100)
    authority = forms.CharField(label="依据 / 来源", max_length=200, required=False)
    levels = forms.CharField(
        label="等级（由低风险到高风险，每行一个：代码 含义）",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="例如：\nA 信用风险低\nB 信用风险一般\nC 信用风险高",
    )

    def clean_levels(self):
        levels = []
        for line in self.cleaned_data["levels"].splitlines():
            parts = line.strip().split(maxsplit=1)
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(f"“{line.strip()}”应为“代码 含义”")
            levels.append((parts[0], parts[1]))
        return levels
