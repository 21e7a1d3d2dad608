from django import forms

from .models import Department, DepartmentKind, Role


class LoginForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=128)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput,
        help_text="至少 12 位，包含大写字母、小写字母、数字、符号中的至少三类，不能与账号或姓名相似。",
    )
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class UserEditForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=64)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    is_active = forms.BooleanField(label="启用", required=False)


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label="账号",
        max_length=150,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={"invalid": "账号只能包含字母、数字和 _ . @ -"},
    )
    full_name = forms.CharField(label="姓名", max_length=64)
    department = forms.ModelChoiceField(label="所在部门", queryset=Department.objects.none())
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class UserFilterForm(forms.Form):
    q = forms.CharField(label="账号/姓名", required=False)
    department = forms.ModelChoiceField(
        label="部门", queryset=Department.objects.none(), required=False
    )
    role = forms.ChoiceField(label="角色", choices=[("", "全部"), *Role.choices], required=False)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class DepartmentCreateForm(forms.Form):
    name = forms.CharField(label="部门名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=32, required=False)
    kind = forms.ChoiceField(label="部门类别", choices=DepartmentKind.choices)
