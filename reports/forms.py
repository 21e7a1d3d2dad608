"""Forms of the 月报表 pages (they only parse input; the services validate and decide)."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import EntryKind
from .services import DATE_LABEL, TITLE_LABEL

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EntryForm(forms.Form):
    """One meeting, document or training; fields not asked for the kind are removed."""

    title = forms.CharField(required=False, max_length=300)
    doc_number = forms.CharField(label="文号", required=False, max_length=100)
    held_on = forms.DateField(required=False, widget=DATE)
    # A text field so that "-3" reaches the service and gets its own message.
    attendees = forms.CharField(
        label="培训人员数量",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    content = forms.CharField(
        label="培训内容", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{kind}_%s")
        super().__init__(*args, **kwargs)
        self.kind = EntryKind(kind)
        self.fields["title"].label = TITLE_LABEL[self.kind]
        self.fields["held_on"].label = DATE_LABEL[self.kind]
        if self.kind != EntryKind.DOCUMENT:
            del self.fields["doc_number"]
        if self.kind != EntryKind.TRAINING:
            del self.fields["attendees"]
            del self.fields["content"]


class SubmitForm(forms.Form):
    contact_name = forms.CharField(label="联系人", required=False, max_length=32)
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    contact_mobile = forms.CharField(label="手机", required=False, max_length=20)
    reason = forms.CharField(
        label="重新报送原因",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="本月已报送过时必填：说明本次报送更正或补充了什么",
    )

    def __init__(self, *args: Any, resubmission: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_submit_%s")
        super().__init__(*args, **kwargs)
        if not resubmission:
            del self.fields["reason"]
