from django import forms

from accounts.models import Department
from registry.models import Tag

from .models import ExclusionReason, PlanKind, TaskKind, WitnessRole
from .services import VOID_REASONS

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATE_ERR = {"invalid": "日期格式应为 YYYY-MM-DD"}


class PercentField(forms.DecimalField):
    """A ratio typed as a percentage (e.g. 3 or 2.5), kept as basis points."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=100, decimal_places=2, **kwargs)

    def clean(self, value):
        number = super().clean(value)
        return None if number is None else int(number * 100)


class PlanCreateForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="计划类型", choices=PlanKind.choices)
    title = forms.CharField(label="计划名称", max_length=200)
    body = forms.CharField(
        label="工作目标与要求", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )


class PlanVersionForm(forms.Form):
    title = forms.CharField(label="计划名称", max_length=200)
    body = forms.CharField(
        label="工作目标与要求", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    reason = forms.CharField(
        label="调整原因", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="调整原因", widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结论", choices=[("approve", "通过并公示"), ("return", "退回修改")]
    )
    note = forms.CharField(
        label="审核意见", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class BatchForm(forms.Form):
    name = forms.CharField(label="批次名称", max_length=200)
    target_scope = forms.CharField(label="抽查对象范围", widget=forms.Textarea(attrs={"rows": 2}))
    ratio = PercentField(label="抽查比例（%）", required=False)
    count = forms.IntegerField(label="或抽查数量（户）", min_value=1, required=False)
    window_start = forms.DateField(label="开始日期", widget=DATE, error_messages=DATE_ERR)
    window_end = forms.DateField(label="结束日期", widget=DATE, error_messages=DATE_ERR)
    is_joint = forms.BooleanField(label="部门联合抽查", required=False)
    participants = forms.ModelMultipleChoiceField(
        label="参与部门",
        required=False,
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    result_deadline_workdays = forms.IntegerField(
        label="结果公示时限（工作日）", initial=20, min_value=1, max_value=60
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["participants"].queryset = departments  # type: ignore[attr-defined]


class TaskCreateForm(forms.Form):
    name = forms.CharField(label="任务名称", max_length=200)
    kind = forms.ChoiceField(label="任务类型", choices=TaskKind.choices)
    lead_department = forms.ModelChoiceField(label="牵头部门", queryset=Department.objects.none())
    participants = forms.ModelMultipleChoiceField(
        label="参与部门（联合抽查）",
        required=False,
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    window_start = forms.DateField(label="检查开始日期", widget=DATE, error_messages=DATE_ERR)
    window_end = forms.DateField(label="检查结束日期", widget=DATE, error_messages=DATE_ERR)
    inspectors_per_group = forms.IntegerField(
        label="每个部门每组人数", initial=2, min_value=1, max_value=10
    )
    result_deadline_workdays = forms.IntegerField(
        label="结果公示时限（工作日）",
        initial=20,
        min_value=1,
        max_value=60,
        help_text="一般为 20 个工作日；方案另有规定的（如 5 个工作日）按方案填写",
    )
    notes = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, leads=None, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if leads is not None:
            self.fields["lead_department"].queryset = leads  # type: ignore[attr-defined]
        if participants is not None:
            self.fields["participants"].queryset = participants  # type: ignore[attr-defined]


class TaskSettingsForm(forms.Form):
    name = forms.CharField(label="任务名称", max_length=200)
    window_start = forms.DateField(label="检查开始日期", widget=DATE, error_messages=DATE_ERR)
    window_end = forms.DateField(label="检查结束日期", widget=DATE, error_messages=DATE_ERR)
    result_deadline_workdays = forms.IntegerField(
        label="结果公示时限（工作日）", min_value=1, max_value=60
    )
    filter_region_codes = forms.MultipleChoiceField(
        label="限定乡镇", required=False, widget=forms.CheckboxSelectMultiple
    )
    filter_entity_types = forms.MultipleChoiceField(
        label="主体类型", required=False, widget=forms.CheckboxSelectMultiple
    )
    filter_industries = forms.MultipleChoiceField(
        label="行业门类", required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    filter_tags = forms.ModelMultipleChoiceField(
        label="标签",
        required=False,
        queryset=Tag.objects.filter(is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    filter_registered_before = forms.DateField(
        label="登记日期早于", required=False, widget=DATE, error_messages=DATE_ERR
    )
    stratify_flagged = forms.BooleanField(
        label="重点对象单独成层",
        required=False,
        help_text="经营异常、严重违法失信、重点关注、黑名单或近一年投诉 3 次以上的对象单独成层",
    )
    yearly_cap = forms.IntegerField(label="同一对象年度抽查上限（次）", min_value=1, max_value=12)
    max_load = forms.IntegerField(label="每名检查人员最多承担（户）", min_value=1, max_value=500)
    group_count = forms.IntegerField(label="检查组数（0 为自动）", min_value=0, max_value=500)
    notes = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, townships=(), entity_types=(), industries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filter_region_codes"].choices = townships  # type: ignore[attr-defined]
        self.fields["filter_entity_types"].choices = entity_types  # type: ignore[attr-defined]
        self.fields["filter_industries"].choices = industries  # type: ignore[attr-defined]


class TaskDepartmentForm(forms.Form):
    department = forms.ModelChoiceField(label="部门", queryset=Department.objects.none())
    inspectors_per_group = forms.IntegerField(
        label="每组人数", min_value=1, max_value=10, initial=2
    )
    items: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="抽查事项", required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )
    specialties = forms.ModelMultipleChoiceField(
        label="专长要求（可不选）",
        required=False,
        queryset=Tag.objects.filter(is_active=True, category__applies_to_inspectors=True),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def __init__(self, *args, departments=None, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["items"].queryset = items  # type: ignore[attr-defined]


class InspectorExclusionForm(forms.Form):
    inspector: forms.ModelChoiceField = forms.ModelChoiceField(label="检查人员", queryset=None)
    reason = forms.ChoiceField(label="原因", choices=ExclusionReason.choices)
    detail = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]


class EntityExclusionForm(forms.Form):
    entity_key = forms.CharField(label="统一社会信用代码/注册号", max_length=32)
    reason = forms.ChoiceField(label="原因", choices=ExclusionReason.choices)
    detail = forms.CharField(label="说明", max_length=200)


class CommitForm(forms.Form):
    """The witnesses present, decided before the commitment (they are committed by name)."""

    as_of = forms.DateField(
        label="基准日期（等级、名录以该日为准）", widget=DATE, error_messages=DATE_ERR
    )

    def __init__(self, *args, rows=4, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(rows):
            self.fields[f"name_{i}"] = forms.CharField(
                label=f"见证人 {i + 1} 姓名", max_length=64, required=i < 2
            )
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label="身份", choices=WitnessRole.choices, required=i < 2
            )
            self.fields[f"org_{i}"] = forms.CharField(label="单位", max_length=100, required=False)
        self.rows = rows


class DigitsForm(forms.Form):
    witness = forms.IntegerField(widget=forms.HiddenInput)
    digits = forms.CharField(
        label="随机数字", max_length=64, help_text="由见证人本人掷骰子或随机写下的数字，至少 6 位"
    )


class VoidForm(forms.Form):
    reason = forms.ChoiceField(label="作废原因", choices=list(VOID_REASONS.items()))
    detail = forms.CharField(label="具体说明", widget=forms.Textarea(attrs={"rows": 3}))


class ReplaceInspectorForm(forms.Form):
    inspector: forms.ModelChoiceField = forms.ModelChoiceField(
        label="被替换的检查人员", queryset=None
    )
    reason = forms.ChoiceField(label="原因", choices=[])
    detail = forms.CharField(label="具体情况", max_length=200)

    def __init__(self, *args, inspectors=None, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]
        self.fields["reason"].choices = reasons  # type: ignore[attr-defined]


class ReplaceTargetForm(forms.Form):
    assignment: forms.ModelChoiceField = forms.ModelChoiceField(
        label="被替换的检查对象", queryset=None
    )
    reason = forms.ChoiceField(label="原因", choices=[])
    detail = forms.CharField(label="具体情况", max_length=200)

    def __init__(self, *args, assignments=None, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments  # type: ignore[attr-defined]
        self.fields["reason"].choices = reasons  # type: ignore[attr-defined]
