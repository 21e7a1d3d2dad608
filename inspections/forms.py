"""Forms of the results pages (they only parse input; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from catalog.models import Regulation

from .models import (
    FollowUpKind,
    Measure,
    Method,
    NoticeMethod,
    Outcome,
    ResultCategory,
    SignatureStatus,
)
from .uploads import ALLOWED_EXTENSIONS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class Form(forms.Form):
    """Several forms share one page: each class gets its own id namespace (id_<ns>_<field>)."""

    id_namespace = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_namespace:
            kwargs.setdefault("auto_id", f"id_{self.id_namespace}_%s")
        super().__init__(*args, **kwargs)


class CategoryField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class ItemResultForm(forms.Form):
    categories = CategoryField(
        label="检查结果",
        queryset=ResultCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        required=False,
    )
    problems = forms.CharField(
        label="发现问题情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    basis_regulation = forms.ModelChoiceField(
        label="违反的法律法规", queryset=Regulation.objects.none(), required=False
    )
    basis_article = forms.IntegerField(label="条号", required=False, min_value=1)
    basis_text = forms.CharField(label="法律依据（补充说明）", required=False, max_length=500)
    measures = forms.MultipleChoiceField(
        label="现场处置措施",
        choices=Measure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    measures_note = forms.CharField(label="其他措施说明", required=False, max_length=300)
    methods = forms.MultipleChoiceField(
        label="核查方式",
        choices=Method.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    inspected_on = forms.DateField(label="检查日期", widget=DATE)

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[ResultCategory],
        regulations: QuerySet[Regulation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = categories  # type: ignore[attr-defined]
        self.fields["basis_regulation"].queryset = regulations  # type: ignore[attr-defined]


class NoticeForm(Form):
    id_namespace = "notice"
    method = forms.ChoiceField(label="告知方式", choices=[("", "—")] + NoticeMethod.choices)
    notified_at = forms.DateTimeField(
        label="告知时间", required=False, widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    not_reason = forms.CharField(label="未告知原因", required=False, max_length=300)


class OutcomeForm(Form):
    id_namespace = "outcome"
    outcome = forms.ChoiceField(label="检查情况", choices=Outcome.choices)
    on = forms.DateField(label="认定日期", required=False, widget=DATE)
    note = forms.CharField(
        label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SignatureForm(Form):
    id_namespace = "signature"
    status = forms.ChoiceField(
        label="签字情况",
        choices=[
            (SignatureStatus.SIGNED.value, "已签字（盖章）"),
            (SignatureStatus.REFUSED.value, "拒绝签字"),
        ],
        widget=forms.RadioSelect(attrs={"class": "checkbox-list"}),
    )
    signer_name = forms.CharField(label="签字人", required=False, max_length=64)
    signed_at = forms.DateTimeField(
        label="签字时间", required=False, widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    witness = forms.CharField(label="拒签见证人", required=False, max_length=100)
    reason = forms.CharField(label="拒签情形", required=False, max_length=300)


class EvidenceForm(Form):
    id_namespace = "evidence"
    file = forms.FileField(
        label="证据文件",
        help_text="jpg、jpeg、png、pdf、mp3、m4a、mp4，单个不超过 20 MB",
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}
        ),
    )
    note = forms.CharField(label="说明", required=False, max_length=200)


class ReviewForm(Form):
    id_namespace = "review"
    decision = forms.ChoiceField(
        label="审核结论", choices=[("approve", "审核通过"), ("return", "退回修改")]
    )
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CorrectionForm(forms.Form):
    categories = CategoryField(
        label="更正后的检查结果",
        queryset=ResultCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        required=False,
    )
    problems = forms.CharField(
        label="更正后的发现问题情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label="更正原因", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, categories: QuerySet[ResultCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = categories  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label="处置方式", choices=FollowUpKind.choices)
    description = forms.CharField(label="处置要求", widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="办结期限", widget=DATE)


class FollowUpNoteForm(Form):
    id_namespace = "progress"
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="调整办结期限", required=False, widget=DATE)


class FollowUpCloseForm(Form):
    id_namespace = "close"
    note = forms.CharField(
        label="办结情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
