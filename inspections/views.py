"""Pages for entering, reviewing and publishing results, corrections and follow-ups. Views
parse input and call one selector or service; scope is decided there (404 for a sheet outside
scope, 403 for an action the user may not take)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.scope import Scope
from catalog.models import Article, Regulation
from core.http import AuthedRequest
from core.masking import mask_phone
from planning.models import Assignment, GroupMember, TaskDepartment
from registry.selectors import can_see_personal

from . import forms, selectors, services, uploads
from .models import (
    CorrectionState,
    Evidence,
    FollowUpStatus,
    ItemResult,
    ResultCorrection,
    SheetResult,
    SheetState,
)


def _message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _bind_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _sheet_url(assignment: Assignment, anchor: str = "") -> str:
    url = reverse("inspections:sheet_detail", args=[assignment.pk])
    return f"{url}#{anchor}" if anchor else url


# --- the inspector's workspace -----------------------------------------------------------------


def my_sheets(request: AuthedRequest) -> HttpResponse:
    rows = selectors.my_sheets(user=request.user)
    return render(
        request,
        "inspections/my_sheets.html",
        {"rows": rows, "today": timezone.localdate()},
    )


# --- the sheet page ----------------------------------------------------------------------------


def _regulations_for(part: TaskDepartment) -> Any:
    cited = part.items.values("bases__regulation")
    return Regulation.objects.filter(pk__in=cited).order_by("short_title")


def _item_form(row: selectors.ItemRow, sheet_set: Any, data: Any = None) -> forms.ItemResultForm:
    initial: dict[str, Any] = {"inspected_on": timezone.localdate(), "methods": ["on_site"]}
    r = row.result
    if r is not None:
        initial = {
            "categories": list(r.categories.all()),
            "problems": r.problems,
            "basis_regulation": r.basis_regulation,
            "basis_article": r.basis_article.number if r.basis_article else None,
            "basis_text": r.basis_text,
            "measures": r.measures,
            "measures_note": r.measures_note,
            "methods": r.methods,
            "inspected_on": r.inspected_on,
        }
    return forms.ItemResultForm(
        data,
        prefix=f"i{row.key}",
        initial=initial,
        categories=sheet_set.categories.all(),
        regulations=_regulations_for(row.part),
    )


def _sheet_page(
    request: AuthedRequest,
    assignment: Assignment,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    scope = Scope.of(user)
    sheet = selectors.result_of(assignment)
    category_set = selectors.category_set_of(assignment, sheet)
    member = (
        GroupMember.objects.filter(group=assignment.group, active=True, inspector__user=user)
        .select_related("inspector")
        .first()
    )
    editable = sheet is None or sheet.is_editable
    rows = selectors.item_rows(assignment, sheet, user)
    for row in rows:
        if editable and row.can_edit:
            row.form = bound.get(f"item:{row.key}") or _item_form(row, category_set)  # type: ignore[attr-defined]
        if sheet is not None and sheet.state == SheetState.PUBLISHED and row.result is not None:
            department = row.part.department
            can_review = scope.can("result.review", department)
            row.effective = services.effective_item(row.result)  # type: ignore[attr-defined]
            if (can_review or row.can_edit) and not any(
                c.state == CorrectionState.SUBMITTED for c in row.corrections
            ):
                row.correction_form = bound.get(  # type: ignore[attr-defined]
                    f"correct:{row.result.pk}"
                ) or forms.CorrectionForm(
                    prefix=f"c{row.result.pk}", categories=category_set.categories.all()
                )
            row.can_review_corrections = can_review  # type: ignore[attr-defined]
            if can_review and (
                any(c.is_problem for c in row.effective[0]) or row.effective[1]  # type: ignore[attr-defined]
            ):
                row.followup_form = bound.get(f"followup:{row.result.pk}") or forms.FollowUpForm(  # type: ignore[attr-defined]
                    prefix=f"f{row.result.pk}"
                )
    initial_notice = {}
    initial_outcome = {}
    initial_signature = {}
    if sheet is not None:
        initial_notice = {
            "method": sheet.notice_method,
            "notified_at": timezone.localtime(sheet.notified_at) if sheet.notified_at else None,
            "not_reason": sheet.notice_not_reason,
        }
        initial_outcome = {
            "outcome": sheet.outcome,
            "on": sheet.outcome_on,
            "note": sheet.outcome_note,
        }
        initial_signature = {
            "status": sheet.signature_status or None,
            "signer_name": sheet.signer_name,
            "signed_at": timezone.localtime(sheet.signed_at) if sheet.signed_at else None,
            "witness": sheet.refusal_witness,
            "reason": sheet.refusal_reason,
        }
    entity = assignment.entity
    phone = entity.phone if can_see_personal(user, entity) else mask_phone(entity.phone)
    lead = assignment.task.lead_department
    context = {
        "a": assignment,
        "task": assignment.task,
        "entity": entity,
        "entity_phone": phone,
        "sheet": sheet,
        "state_label": sheet.get_state_display() if sheet else SheetState.DRAFT.label,
        "category_set": category_set,
        "members": assignment.group.members.filter(active=True).select_related(
            "inspector", "inspector__department"
        ),
        "member": member,
        "is_leader": bool(member and member.is_leader),
        "editable": editable and member is not None,
        "rows": rows,
        "notice_form": bound.get("notice") or forms.NoticeForm(initial=initial_notice),
        "outcome_form": bound.get("outcome") or forms.OutcomeForm(initial=initial_outcome),
        "signature_form": bound.get("signature") or forms.SignatureForm(initial=initial_signature),
        "evidence_form": bound.get("evidence") or forms.EvidenceForm(),
        "evidence": list(
            sheet.evidence.filter(followup__isnull=True).select_related("item_result__item")
        )
        if sheet
        else [],
        "missing": services.missing_for_submit(sheet) if sheet and editable else [],
        "can_review": scope.can("result.review", lead),
        "review_form": bound.get("review") or forms.ReviewForm(),
        "history": selectors.entity_history(assignment),
        "events": selectors.history(sheet),
        "warnings": selectors.warnings_for(assignment, sheet),
        "categories": selectors.sheet_categories(sheet) if sheet else [],
        "followups": list(sheet.followups.select_related("department")) if sheet else [],
        "pending_corrections": [
            c for row in rows for c in row.corrections if c.state == CorrectionState.SUBMITTED
        ],
    }
    # A form whose panel is not shown (the sheet is no longer editable, the user may not act)
    # still explains why its POST was refused, at the top of the page.
    rendered = {id(context[k]) for k in ("review_form",) if sheet and sheet.state == "submitted"}
    if context["editable"]:
        rendered |= {id(context[k]) for k in ("notice_form", "outcome_form", "signature_form")}
        rendered.add(id(context["evidence_form"]))
    for row in rows:
        rendered |= {
            id(getattr(row, k, None)) for k in ("form", "correction_form", "followup_form")
        }
    context["top_errors"] = [
        message
        for form in bound.values()
        if id(form) not in rendered
        for message in form.non_field_errors()
    ]
    return render(request, "inspections/sheet_detail.html", context, status=status)


def sheet_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    return _sheet_page(request, assignment)


@require_POST
def sheet_item(request: AuthedRequest, pk: int, part_pk: int, item_pk: int) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    part = get_object_or_404(TaskDepartment, pk=part_pk, task_id=assignment.task_id)
    item = get_object_or_404(part.items, pk=item_pk) if item_pk else None
    sheet = selectors.result_of(assignment)
    category_set = selectors.category_set_of(assignment, sheet)
    row = selectors.ItemRow(part, item, None)
    form = _item_form(row, category_set, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        article = None
        if data["basis_regulation"] is not None and data["basis_article"]:
            article = Article.objects.filter(
                regulation=data["basis_regulation"], number=data["basis_article"]
            ).first()
            if article is None:
                form.add_error(
                    "basis_article", "法律法规库中没有该条文，请核对条号或在补充说明中填写"
                )
        if form.is_valid():
            try:
                services.item_result_save(
                    actor=request.user,
                    assignment=assignment,
                    part=part,
                    item=item,
                    categories=list(data["categories"]),
                    problems=data["problems"],
                    basis_article=article,
                    basis_regulation=data["basis_regulation"],
                    basis_text=data["basis_text"],
                    measures=data["measures"],
                    measures_note=data["measures_note"],
                    methods=data["methods"],
                    inspected_on=data["inspected_on"],
                )
            except ValidationError as exc:
                _bind_errors(form, exc)
            else:
                messages.success(request, f"已保存：{part.department.name} {row.label}")
                return redirect(_sheet_url(assignment, f"item-{row.key}"))
    return _sheet_page(request, assignment, bound={f"item:{row.key}": form}, status=400)


def _simple_post(
    request: AuthedRequest,
    pk: int,
    form_class: Any,
    key: str,
    call: Any,
    success: str,
) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(assignment, form.cleaned_data)
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(_sheet_url(assignment, key))
    return _sheet_page(request, assignment, bound={key: form}, status=400)


@require_POST
def sheet_notice(request: AuthedRequest, pk: int) -> HttpResponse:
    return _simple_post(
        request,
        pk,
        forms.NoticeForm,
        "notice",
        lambda a, d: services.sheet_notice_set(
            actor=request.user,
            assignment=a,
            method=d["method"],
            notified_at=d["notified_at"],
            not_reason=d["not_reason"],
        ),
        "已记录告知情况。",
    )


@require_POST
def sheet_outcome(request: AuthedRequest, pk: int) -> HttpResponse:
    return _simple_post(
        request,
        pk,
        forms.OutcomeForm,
        "outcome",
        lambda a, d: services.sheet_outcome_set(
            actor=request.user, assignment=a, outcome=d["outcome"], note=d["note"], on=d["on"]
        ),
        "已记录检查情况。",
    )


@require_POST
def sheet_signature(request: AuthedRequest, pk: int) -> HttpResponse:
    return _simple_post(
        request,
        pk,
        forms.SignatureForm,
        "signature",
        lambda a, d: services.sheet_signature_set(
            actor=request.user,
            assignment=a,
            status=d["status"],
            signer_name=d["signer_name"],
            signed_at=d["signed_at"],
            witness=d["witness"],
            reason=d["reason"],
        ),
        "已记录签字情况。",
    )


@require_POST
def sheet_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    form = forms.EvidenceForm(request.POST, request.FILES)
    item_result = None
    if request.POST.get("item_result"):
        item_result = get_object_or_404(
            ItemResult, pk=request.POST["item_result"], sheet__assignment=assignment
        )
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.evidence_add(
                actor=request.user,
                assignment=assignment,
                name=upload.name,
                size=upload.size,
                stream=upload,
                item_result=item_result,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, f"已上传：{upload.name}")
            return redirect(_sheet_url(assignment, "evidence"))
    return _sheet_page(request, assignment, bound={"evidence": form}, status=400)


@require_POST
def sheet_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    try:
        services.sheet_submit(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "已提交审核。")
    return redirect(_sheet_url(assignment))


@require_POST
def sheet_review(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    sheet = get_object_or_404(SheetResult, assignment=assignment)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.sheet_review(
                actor=request.user,
                sheet=sheet,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(
                request,
                "审核通过。" if form.cleaned_data["decision"] == "approve" else "已退回修改。",
            )
            return redirect(_sheet_url(assignment))
    return _sheet_page(request, assignment, bound={"review": form}, status=400)


@require_POST
def sheet_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = selectors.sheet_get_visible(user=request.user, pk=pk)
    sheet = get_object_or_404(SheetResult, assignment=assignment)
    try:
        services.sheet_publish(actor=request.user, sheet=sheet)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "检查结果已公示。")
    return redirect(_sheet_url(assignment))


def evidence_file(request: AuthedRequest, pk: int) -> FileResponse:
    evidence: Evidence = selectors.evidence_get_visible(user=request.user, pk=pk)
    response = FileResponse(
        uploads.absolute(evidence.path).open("rb"),
        content_type=evidence.content_type,
        as_attachment=not (evidence.is_image or evidence.kind == "pdf"),
        filename=evidence.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- corrections -------------------------------------------------------------------------------


def _visible_item_result(request: AuthedRequest, pk: int) -> ItemResult:
    return get_object_or_404(
        ItemResult.objects.select_related("sheet__assignment", "part__department"),
        pk=pk,
        sheet__assignment__in=selectors.sheets_visible(user=request.user),
    )


@require_POST
def correction_create(request: AuthedRequest, pk: int) -> HttpResponse:
    result = _visible_item_result(request, pk)
    assignment = result.sheet.assignment
    form = forms.CorrectionForm(
        request.POST, prefix=f"c{result.pk}", categories=result.sheet.category_set.categories.all()
    )
    if form.is_valid():
        try:
            services.correction_create(
                actor=request.user,
                item_result=result,
                reason=form.cleaned_data["reason"],
                categories=list(form.cleaned_data["categories"]),
                problems=form.cleaned_data["problems"],
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, "更正已提交，待本部门审核人审核后公示。")
            return redirect(_sheet_url(assignment, "published"))
    return _sheet_page(request, assignment, bound={f"correct:{result.pk}": form}, status=400)


@require_POST
def correction_review(request: AuthedRequest, pk: int) -> HttpResponse:
    correction = get_object_or_404(
        ResultCorrection.objects.select_related("sheet__assignment", "item_result__part"),
        pk=pk,
        sheet__assignment__in=selectors.sheets_visible(user=request.user),
    )
    approve = request.POST.get("decision") == "approve"
    try:
        services.correction_review(
            actor=request.user,
            correction=correction,
            approve=approve,
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "更正已公示。" if approve else "已决定不予更正。")
    return redirect(_sheet_url(correction.sheet.assignment, "published"))


# --- review queue ------------------------------------------------------------------------------


def review_queue(request: AuthedRequest) -> HttpResponse:
    if not Scope.of(request.user).has("result.review"):
        raise PermissionDenied("result.review")
    return render(
        request,
        "inspections/review_queue.html",
        {
            "sheets": selectors.review_queue(user=request.user),
            "corrections": selectors.corrections_pending(user=request.user),
        },
    )


# --- follow-ups --------------------------------------------------------------------------------


@require_POST
def followup_open(request: AuthedRequest, pk: int) -> HttpResponse:
    result = _visible_item_result(request, pk)
    assignment = result.sheet.assignment
    form = forms.FollowUpForm(request.POST, prefix=f"f{result.pk}")
    if form.is_valid():
        try:
            followup = services.followup_open(
                actor=request.user,
                item_result=result,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, "已登记后续处置。")
            return redirect("inspections:followup_detail", pk=followup.pk)
    return _sheet_page(request, assignment, bound={f"followup:{result.pk}": form}, status=400)


def followup_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    followups = selectors.followups_visible(user=request.user, status=status)
    return render(
        request,
        "inspections/followup_list.html",
        {"followups": followups, "status": status, "today": timezone.localdate()},
    )


def _followup_page(
    request: AuthedRequest, followup: Any, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    can_manage = Scope.of(request.user).can("result.review", followup.department)
    return render(
        request,
        "inspections/followup_detail.html",
        {
            "f": followup,
            "a": followup.sheet.assignment,
            "can_manage": can_manage and followup.status == FollowUpStatus.OPEN,
            "note_form": bound.get("note") or forms.FollowUpNoteForm(),
            "close_form": bound.get("close") or forms.FollowUpCloseForm(),
            "evidence_form": bound.get("evidence") or forms.EvidenceForm(),
            "evidence": list(followup.evidence.all()),
            "notes": list(followup.notes.select_related("author")),
            "today": timezone.localdate(),
        },
        status=status,
    )


def followup_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _followup_page(request, selectors.followup_get_visible(user=request.user, pk=pk))


@require_POST
def followup_update(request: AuthedRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_get_visible(user=request.user, pk=pk)
    form = forms.FollowUpNoteForm(request.POST)
    if form.is_valid():
        try:
            services.followup_update(
                actor=request.user,
                followup=followup,
                text=form.cleaned_data["text"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, "已记录处置进展。")
            return redirect("inspections:followup_detail", pk=followup.pk)
    return _followup_page(request, followup, {"note": form}, status=400)


@require_POST
def followup_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_get_visible(user=request.user, pk=pk)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.evidence_add(
                actor=request.user,
                assignment=followup.sheet.assignment,
                name=upload.name,
                size=upload.size,
                stream=upload,
                followup=followup,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, f"已上传：{upload.name}")
            return redirect("inspections:followup_detail", pk=followup.pk)
    return _followup_page(request, followup, {"evidence": form}, status=400)


@require_POST
def followup_close(request: AuthedRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_get_visible(user=request.user, pk=pk)
    form = forms.FollowUpCloseForm(request.POST)
    if form.is_valid():
        try:
            services.followup_close(
                actor=request.user, followup=followup, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, "后续处置已办结。")
            return redirect("inspections:followup_detail", pk=followup.pk)
    return _followup_page(request, followup, {"close": form}, status=400)


# --- credit feedback ---------------------------------------------------------------------------


def credit_list(request: AuthedRequest) -> HttpResponse:
    if not Scope.of(request.user).has("entity.manage"):
        raise PermissionDenied("entity.manage")
    state = request.GET.get("state", "proposed")
    return render(
        request,
        "inspections/credit_list.html",
        {
            "proposals": selectors.credit_proposals_visible(user=request.user, state=state),
            "state": state,
        },
    )


@require_POST
def credit_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(
        selectors.credit_proposals_visible(user=request.user, state=""), pk=pk
    )
    apply = request.POST.get("decision") == "apply"
    try:
        services.credit_proposal_decide(
            actor=request.user, proposal=proposal, apply=apply, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "已采纳，名录库已更新。" if apply else "已决定不予采纳。")
    return redirect("inspections:credit_list")


# --- 尽职照单免责 -------------------------------------------------------------------------------


def accountability(request: AuthedRequest, pk: int) -> HttpResponse:
    from planning.selectors import task_get_visible

    scope = Scope.of(request.user)
    if not (scope.is_platform_admin or scope.roles - {"inspector"}):
        raise PermissionDenied("task.view")
    task = task_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "inspections/accountability.html",
        {"task": task, "rows": selectors.accountability(task=task)},
    )


# --- result code sets --------------------------------------------------------------------------


def category_sets(request: AuthedRequest) -> HttpResponse:
    """The seeded code sets, which one the user's region uses, and (for the region's
    administrator) the choice."""
    from .models import ResultCategorySet

    department = request.user.department
    region = department.region if department else None
    current = services.category_set_for(region) if region else None
    can_choose = bool(
        region and Scope.of(request.user).role_for_region("department.manage", region.code)
    )
    if request.method == "POST":
        if region is None or not can_choose:
            raise PermissionDenied("department.manage")
        chosen = get_object_or_404(ResultCategorySet, pk=request.POST.get("category_set"))
        services.region_category_set_choose(actor=request.user, region=region, category_set=chosen)
        messages.success(request, f"{region.name}今后新录入的检查表使用：{chosen.name}")
        return redirect("inspections:category_sets")
    return render(
        request,
        "inspections/category_sets.html",
        {
            "sets": ResultCategorySet.objects.prefetch_related("categories"),
            "current": current,
            "region": region,
            "can_choose": can_choose,
        },
    )
