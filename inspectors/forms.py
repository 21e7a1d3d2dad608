from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Department, Role, User
from registry.models import Tag

from .models import (
    CertificateType,
    ConflictRelation,
    ExpertStatus,
    Gender,
    Inspector,
    InspectorStatus,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def specialty_tags() -> QuerySet[Tag]:
    return Tag.objects.filter(category__applies_to_inspectors=True, is_active=True).select_related(
        "category"
    )


class _Departments:
    def set_departments(self, departments: QuerySet[Department] | None) -> None:
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class InspectorFilterForm(_Departments, forms.Form):
    q = forms.CharField(label="姓名/执法证号", required=False)
    department = forms.ModelChoiceField(
        label="部门", queryset=Department.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *InspectorStatus.choices], required=False
    )
    specialty = forms.ModelChoiceField(
        label="专业特长", queryset=Tag.objects.none(), required=False
    )
    expiring = forms.BooleanField(label="30 天内证件到期", required=False)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_departments(departments)
        self.fields["specialty"].queryset = specialty_tags()  # type: ignore[attr-defined]


class InspectorForm(_Departments, forms.Form):
    department = forms.ModelChoiceField(label="所属部门", queryset=Department.objects.none())
    name = forms.CharField(label="姓名", max_length=64)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), *Gender.choices], required=False)
    post = forms.CharField(label="职务", max_length=64, required=False)
    certificate_no = forms.CharField(
        label="执法证号", max_length=64, help_text="如 13082720190012 或 冀执法字第0827001号"
    )
    certificate_type = forms.ChoiceField(
        label="证件类型", choices=CertificateType.choices, initial=CertificateType.ENFORCEMENT
    )
    law_field = forms.CharField(label="执法门类", max_length=64, required=False)
    certificate_authority = forms.CharField(label="发证机关", max_length=100, required=False)
    valid_from = forms.DateField(label="证件有效期起", required=False, widget=DATE)
    valid_to = forms.DateField(
        label="证件有效期至", required=False, widget=DATE, help_text="过期后不再参与抽取"
    )
    specialties = forms.ModelMultipleChoiceField(
        label="专业特长",
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    note = forms.CharField(label="备注", max_length=255, required=False)

    def __init__(self, *args, departments=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_departments(departments)
        self.fields["specialties"].queryset = specialty_tags()  # type: ignore[attr-defined]
        if editing:
            self.fields["is_active"] = forms.BooleanField(label="启用", required=False)
        else:
            self.fields["status"] = forms.ChoiceField(
                label="当前状态", choices=InspectorStatus.choices, initial=InspectorStatus.ON_DUTY
            )

    def clean(self):
        data = super().clean() or {}
        if (
            data.get("valid_from")
            and data.get("valid_to")
            and data["valid_to"] < data["valid_from"]
        ):
            self.add_error("valid_to", "有效期至不能早于有效期起")
        return data


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=InspectorStatus.choices)
    effective_from = forms.DateField(label="生效日期", widget=DATE)
    until = forms.DateField(
        label="截止日期",
        required=False,
        widget=DATE,
        help_text="休假、借调等有期限的状态可填写；到期后自动恢复原状态",
    )
    reason = forms.CharField(label="原因", max_length=255, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = timezone.localdate()


class CertificateRenewForm(forms.Form):
    certificate_no = forms.CharField(label="执法证号", max_length=64)
    certificate_type = forms.ChoiceField(label="证件类型", choices=CertificateType.choices)
    law_field = forms.CharField(label="执法门类", max_length=64, required=False)
    authority = forms.CharField(label="发证机关", max_length=100, required=False)
    valid_from = forms.DateField(label="有效期起", widget=DATE)
    valid_to = forms.DateField(label="有效期至", required=False, widget=DATE)
    reason = forms.CharField(label="说明", max_length=255, required=False, initial="换发")


class AccountLinkForm(forms.Form):
    user = forms.ModelChoiceField(
        label="登录账号",
        queryset=User.objects.none(),
        required=False,
        empty_label="（不关联）",
        help_text="本部门具有“执法检查人员”角色的账号",
    )

    def __init__(self, *args, department=None, inspector=None, **kwargs):
        super().__init__(*args, **kwargs)
        taken = Inspector.objects.filter(user__isnull=False)
        if inspector is not None:
            taken = taken.exclude(pk=inspector.pk)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                department=department, role_grants__role=Role.INSPECTOR, is_active=True
            )
            .exclude(pk__in=taken.values("user_id"))
            .order_by("username")
        )


class ConflictForm(forms.Form):
    entity_key = forms.CharField(
        label="统一社会信用代码/注册号",
        max_length=40,
        help_text="18 位统一社会信用代码或 15 位注册号",
    )
    entity_name = forms.CharField(label="检查对象名称", max_length=200, required=False)
    relation = forms.ChoiceField(label="回避事由", choices=ConflictRelation.choices)
    detail = forms.CharField(label="具体说明", max_length=255, required=False)
    valid_from = forms.DateField(label="起始日期", widget=DATE)
    valid_to = forms.DateField(
        label="截止日期", required=False, widget=DATE, help_text="不填为长期"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = timezone.localdate()


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=255)


class ExpertFilterForm(_Departments, forms.Form):
    q = forms.CharField(label="姓名/单位", required=False)
    department = forms.ModelChoiceField(
        label="管理部门", queryset=Department.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *ExpertStatus.choices], required=False
    )
    specialty = forms.ModelChoiceField(
        label="专业领域", queryset=Tag.objects.none(), required=False
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_departments(departments)
        self.fields["specialty"].queryset = specialty_tags()  # type: ignore[attr-defined]


class ExpertForm(_Departments, forms.Form):
    department = forms.ModelChoiceField(label="管理部门", queryset=Department.objects.none())
    name = forms.CharField(label="姓名", max_length=64)
    organisation = forms.CharField(label="工作单位", max_length=200)
    title = forms.CharField(label="职称/职务", max_length=64, required=False)
    qualification = forms.CharField(label="专业资格", max_length=200, required=False)
    certificate_no = forms.CharField(label="资格证书编号", max_length=64, required=False)
    specialties = forms.ModelMultipleChoiceField(
        label="专业领域",
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    status = forms.ChoiceField(label="状态", choices=ExpertStatus.choices)
    note = forms.CharField(label="备注", max_length=255, required=False)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_departments(departments)
        self.fields["specialties"].queryset = specialty_tags()  # type: ignore[attr-defined]
