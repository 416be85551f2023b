"""Every change of stored state goes through here, inside one transaction, with its log entry."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import notifications, permissions, rules
from .interchange import record_fields
from .models import (
    Assessment,
    AssessmentEvent,
    Comment,
    Indicator,
    Organisation,
    Project,
    ReportingYear,
)
from .signing import canonical_snapshot, record_signature


class AssessmentError(Exception):
    """A change the rules do not allow; the message is for the user."""


def refresh_computed(assessment, evaluation=None):
    """Store the figures rules.evaluate() derives, so lists can sort and filter on them."""
    evaluation = evaluation or assessment.evaluate()
    assessment.execution_rate = evaluation.execution_rate
    assessment.total_score = evaluation.total_score
    assessment.grade = evaluation.grade
    assessment.error_count = len(evaluation.errors)
    assessment.warning_count = len(evaluation.warnings)
    return evaluation


def log_event(
    assessment,
    action,
    *,
    by=None,
    from_status="",
    to_status="",
    comment="",
    changes=None,
    snapshot=None,
):
    return AssessmentEvent.objects.create(
        assessment=assessment,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        changes=changes or {},
        snapshot=snapshot,
    )


def store_assessment(record, *, replace, by=None, source=""):
    """Create or replace one assessment from a validated interchange record.

    The caller holds the transaction; organisations, the year and the project are created
    when they do not exist yet.
    """
    unit, year, project = _resolve_places(record)
    existing = (
        Assessment.objects.select_for_update(of=("self",))
        .filter(project=project, year=year)
        .first()
    )
    if existing and not replace:
        raise AssessmentError(
            f"{year.year} 年度“{unit.name}”的项目“{project.name}”已存在；如需覆盖请使用 --replace。"
        )
    fields, indicators = record_fields(record)
    assessment = existing or Assessment(project=project, year=year)
    from_status = existing.status if existing else ""
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.updated_by = by
    if existing:
        assessment.version += 1
        assessment.indicators.all().delete()
    refresh_computed(assessment, rules.evaluate(assessment.rules_input(indicators)))
    assessment.save()
    for row in indicators:
        row.assessment = assessment
        row.set_parsed_values()
    assessment.indicators.model.objects.bulk_create(indicators)
    signed = assessment.status == Assessment.Status.SIGNED_OFF
    if existing:
        _void_signatures(assessment, by=by, reason="导入文件覆盖了内容")
    if signed:
        record_signature(assessment, by=by, comment="从文件导入")
    log_event(
        assessment,
        AssessmentEvent.Action.SIGN_OFF if signed else AssessmentEvent.Action.IMPORT,
        by=by,
        from_status=from_status,
        to_status=assessment.status,
        comment=f"从文件导入：{source}" if source else "从文件导入",
    )
    return assessment


def _void_signatures(assessment, *, by, reason):
    assessment.signatures.filter(voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_by=by, void_reason=reason
    )


def _resolve_places(record):
    department, _ = Organisation.objects.get_or_create(
        name=record["department"], defaults={"kind": Organisation.Kind.DEPARTMENT}
    )
    unit = Organisation.objects.filter(name=record["unit"]).first()
    if unit is None:
        unit = Organisation.objects.create(
            name=record["unit"], kind=Organisation.Kind.UNIT, parent=department
        )
    year, _ = ReportingYear.objects.get_or_create(
        year=record["year"], defaults={"rule_set": record["rule_set"]}
    )
    project, _ = Project.objects.get_or_create(unit=unit, name=record["project"])
    return unit, year, project


@transaction.atomic
def import_records(records, *, replace=False, by=None, source="", progress=None):
    """Store every record or none: any refusal rolls the whole file back."""
    stored = []
    for index, record in enumerate(records):
        try:
            stored.append(store_assessment(record, replace=replace, by=by, source=source))
        except AssessmentError as error:
            raise AssessmentError(f"assessments[{index}]：{error}") from None
        if progress:
            progress(index + 1, len(records))
    return stored


# ---------------------------------------------------------------------------
# Drafts: creating, copying and saving the wizard's steps


class EditConflict(AssessmentError):
    """The draft changed since the form was opened; nothing was saved."""


def _check_can_create(user, unit):
    allowed, reason = permissions.can_create_in(user, unit)
    if not allowed:
        raise AssessmentError(reason)


def _refuse_duplicate(project, year):
    if Assessment.objects.filter(project=project, year=year).exists():
        raise AssessmentError(f"项目“{project.name}”已有 {year.year} 年度的自评表。")


@transaction.atomic
def create_assessment(*, unit, year, by, project=None, project_name=""):
    """A new draft for an existing project of the unit, or for a project created with it."""
    _check_can_create(by, unit)
    if not year.is_open:
        raise AssessmentError(f"{year.year} 年度已关闭填报。")
    if project is None:
        project_name = project_name.strip()
        if not project_name:
            raise AssessmentError("请选择项目或填写新项目名称。")
        project, _ = Project.objects.get_or_create(unit=unit, name=project_name)
    elif project.unit_id != unit.pk:
        raise AssessmentError("只能为本单位的项目新建自评表。")
    _refuse_duplicate(project, year)
    assessment = Assessment(
        project=project,
        year=year,
        department_name=unit.parent.name,
        budget_weight=rules.get_rule_set(year.rule_set).budget_weight,
        updated_by=by,
    )
    refresh_computed(assessment, rules.evaluate(assessment.rules_input(indicators=[])))
    assessment.save()
    log_event(assessment, AssessmentEvent.Action.CREATE, by=by, to_status=assessment.status)
    return assessment


@transaction.atomic
def copy_assessment(source, *, year, by):
    """Next year's draft from this one: structure, goal, indicators, targets and weights.

    Funds, actuals, scores, grades, reasons and the outcome text start empty.
    """
    unit = source.project.unit
    _check_can_create(by, unit)
    if not year.is_open:
        raise AssessmentError(f"{year.year} 年度已关闭填报。")
    if year.year <= source.year.year:
        raise AssessmentError("只能复制到以后的年度。")
    _refuse_duplicate(source.project, year)
    assessment = Assessment(
        project=source.project,
        year=year,
        department_name=unit.parent.name,
        money_unit=source.money_unit,
        budget_weight=source.budget_weight,
        goal=source.goal,
        updated_by=by,
    )
    rows = [
        Indicator(
            position=row.position,
            level1=row.level1,
            level2=row.level2,
            name=row.name,
            target=row.target,
            weight=row.weight,
        )
        for row in source.indicators.all()
    ]
    refresh_computed(assessment, rules.evaluate(assessment.rules_input(indicators=rows)))
    assessment.save()
    for row in rows:
        row.assessment = assessment
        row.set_parsed_values()
    Indicator.objects.bulk_create(rows)
    log_event(
        assessment,
        AssessmentEvent.Action.CREATE,
        by=by,
        to_status=assessment.status,
        comment=f"复制自 {source.year.year} 年度",
    )
    return assessment


def _plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


ROW_FIELDS_TARGETS = ("level1", "level2", "name", "target", "weight")
ROW_FIELDS_ACTUALS = ("actual", "grade", "score", "reason")


def _same(old, new):
    """Unchanged, also where a text stored before texts were cleaned differs only in its
    line breaks: it stays as stored, so the signed content and the log do not change."""
    if old == new:
        return True
    return isinstance(old, str) and isinstance(new, str) and rules.clean_text(old) == new


@transaction.atomic
def save_draft(
    assessment_id, *, by, base_version, step, fields=None, rows=None, row_fields=(), resume_at=None
):
    """Save one wizard step: all of it or nothing.

    `fields` are assessment fields; `rows` are indicator rows as dicts. With row_fields of the
    targets step, `rows` is the whole list in its new order (rows left out are removed, rows
    without an id are added); otherwise each dict updates the row with its id. `resume_at` is
    the step the preparer goes on to, where she comes back after a break.
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__unit", "year", "updated_by")
        .get(pk=assessment_id)
    )
    allowed, reason = permissions.can_edit(by, assessment)
    if not allowed:
        raise AssessmentError(reason)
    if assessment.version != base_version:
        who = assessment.updated_by
        name = (who.get_full_name() or who.username) if who else "他人"
        when = timezone.localtime(assessment.updated_at).strftime("%Y-%m-%d %H:%M")
        raise EditConflict(
            f"保存失败：{name} 已于 {when} 修改了这张自评表，您看到的是修改前的内容。"
            "您的修改没有保存；请重新打开此步骤，核对后再填写。"
        )
    changes = {}
    for name, value in (fields or {}).items():
        old = getattr(assessment, name)
        if not _same(old, value):
            changes[_field_label(name)] = [_plain(old), _plain(value)]
            setattr(assessment, name, value)
    indicators = list(assessment.indicators.all())
    if rows is not None:
        if row_fields == ROW_FIELDS_TARGETS:
            indicators = _replace_rows(assessment, indicators, rows, changes)
        else:
            _update_rows(indicators, rows, row_fields, changes)
    assessment.version += 1
    assessment.updated_by = by
    assessment.last_step = resume_at or step
    refresh_computed(assessment, rules.evaluate(assessment.rules_input(indicators)))
    assessment.save()
    if changes:
        log_event(
            assessment,
            AssessmentEvent.Action.EDIT,
            by=by,
            from_status=assessment.status,
            to_status=assessment.status,
            comment=STEP_TITLES.get(step, step),
            changes=changes,
        )
    return assessment


STEP_TITLES = {
    "basic": "基本信息",
    "funds": "项目资金",
    "goal": "年度总体目标",
    "targets": "绩效指标与年度指标值",
    "actuals": "实际完成",
}


def _field_label(name):
    """The Chinese name of an assessment field, as the log shows it."""
    line, _, column = name.partition("_")
    if line in rules.FUND_LINE_LABELS and column in rules.FUND_COLUMN_LABELS:
        return f"{rules.FUND_LINE_LABELS[line]} · {rules.FUND_COLUMN_LABELS[column]}"
    return str(Assessment._meta.get_field(name).verbose_name)


def _row_label(row, name=None):
    label = f"指标“{row.name}”"
    if name:
        label += f" · {Indicator._meta.get_field(name).verbose_name}"
    return label


def _replace_rows(assessment, indicators, rows, changes):
    existing = {row.pk: row for row in indicators}
    kept, added = [], []
    for data in rows:
        row_id = data.get("id")
        if row_id:
            row = existing.pop(row_id, None)
            if row is None:
                raise EditConflict("保存失败：有指标行已被他人删除。请重新打开此步骤。")
            kept.append(row)
        else:
            row = Indicator(assessment=assessment)
            added.append(row)
        for name in ROW_FIELDS_TARGETS:
            old, new = getattr(row, name), data[name]
            if row.pk and _same(old, new):
                continue
            if row.pk:
                changes[_row_label(row, name)] = [_plain(old), _plain(new)]
            setattr(row, name, new)
        row.set_parsed_values()
    for row in existing.values():
        changes[_row_label(row)] = ["（删除）", None]
    for row in added:
        changes[_row_label(row)] = [None, "（新增）"]
    Indicator.objects.filter(pk__in=list(existing)).delete()
    ordered = [row for row in _in_new_order(rows, kept, added)]
    # Positions are unique per assessment: move the kept rows out of the way first.
    for row in kept:
        row.position += POSITION_OFFSET
    Indicator.objects.bulk_update(kept, ["position"])
    for position, row in enumerate(ordered, start=1):
        row.position = position
    Indicator.objects.bulk_update(kept, [*ROW_FIELDS_TARGETS, "position", *PARSED_FIELDS])
    Indicator.objects.bulk_create(added)
    return ordered


POSITION_OFFSET = 10_000
PARSED_FIELDS = [
    f"{prefix}_{part}"
    for prefix in ("target", "actual")
    for part in ("comparator", "number", "unit")
]


def _in_new_order(rows, kept, added):
    kept_iter, added_iter = iter(kept), iter(added)
    for data in rows:
        yield next(kept_iter) if data.get("id") else next(added_iter)


def _update_rows(indicators, rows, row_fields, changes):
    by_id = {row.pk: row for row in indicators}
    changed = []
    for data in rows:
        row = by_id.get(data["id"])
        if row is None:
            raise EditConflict("保存失败：指标行已被他人修改或删除。请重新打开此步骤。")
        for name in row_fields:
            old, new = getattr(row, name), data[name]
            if not _same(old, new):
                changes[_row_label(row, name)] = [_plain(old), _plain(new)]
                setattr(row, name, new)
        row.set_parsed_values()
        changed.append(row)
    if changed:
        Indicator.objects.bulk_update(changed, [*row_fields, *PARSED_FIELDS])


# ---------------------------------------------------------------------------
# The workflow: submit, return, sign off, reopen; comments pinned to cells


def _locked(assessment_id):
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__unit__parent", "year", "updated_by")
        .get(pk=assessment_id)
    )


def _check(allowed_reason):
    allowed, reason = allowed_reason
    if not allowed:
        raise AssessmentError(reason)


def _move(assessment, to_status, action, *, by, comment="", snapshot=None):
    from_status = assessment.status
    assessment.status = to_status
    assessment.version += 1
    assessment.save(update_fields=["status", "version", "updated_at"])
    event = log_event(
        assessment,
        action,
        by=by,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        snapshot=snapshot,
    )
    transaction.on_commit(lambda: notifications.notify(assessment, event))
    return event


def unanswered_comments(assessment):
    """Comments of the latest return that the preparer has not answered yet."""
    last_return = assessment.events.filter(action=AssessmentEvent.Action.RETURN).last()
    if last_return is None:
        return Comment.objects.none()
    return Comment.objects.filter(
        return_event=last_return, parent__isnull=True, answered_at__isnull=True
    )


@transaction.atomic
def submit_assessment(assessment_id, *, by):
    assessment = _locked(assessment_id)
    _check(permissions.can_submit(by, assessment))
    evaluation = assessment.evaluate()
    if evaluation.errors:
        raise AssessmentError(
            f"还有 {len(evaluation.errors)} 个错误，修改后才能提交："
            + "；".join(f.message for f in evaluation.errors[:3])
        )
    open_comments = unanswered_comments(assessment).count()
    if open_comments:
        raise AssessmentError(f"退回时的 {open_comments} 条批注还没有答复，答复后才能再次提交。")
    return _move(
        assessment,
        Assessment.Status.SUBMITTED,
        AssessmentEvent.Action.SUBMIT,
        by=by,
        snapshot=canonical_snapshot(assessment),
    )


@transaction.atomic
def return_assessment(assessment_id, *, by, reason):
    assessment = _locked(assessment_id)
    _check(permissions.can_return(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("退回时必须填写退回原因。")
    event = _move(
        assessment,
        Assessment.Status.RETURNED,
        AssessmentEvent.Action.RETURN,
        by=by,
        comment=reason,
        snapshot=canonical_snapshot(assessment),
    )
    assessment.comments.filter(parent__isnull=True, return_event__isnull=True).update(
        return_event=event
    )
    return event


@transaction.atomic
def sign_off_assessment(assessment_id, *, by, comment=""):
    assessment = _locked(assessment_id)
    _check(permissions.can_sign_off(by, assessment))
    evaluation = assessment.evaluate()
    if evaluation.errors:
        raise AssessmentError(f"还有 {len(evaluation.errors)} 个错误，不能签发。")
    signature = record_signature(assessment, by=by, comment=comment)
    event = _move(
        assessment,
        Assessment.Status.SIGNED_OFF,
        AssessmentEvent.Action.SIGN_OFF,
        by=by,
        comment=comment,
        snapshot=signature.snapshot,
    )
    transaction.on_commit(lambda: store_signed_document(signature))
    return event


def store_signed_document(signature):
    """Render and store the signed PDF once, right after the sign-off commits."""
    from . import pdf  # WeasyPrint is heavy: loaded when a table is signed, not at start-up

    pdf.store_signed_pdf(signature)


@transaction.atomic
def reopen_assessment(assessment_id, *, by, reason):
    assessment = _locked(assessment_id)
    _check(permissions.can_reopen(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("重新打开时必须填写原因。")
    _void_signatures(assessment, by=by, reason=reason)
    return _move(
        assessment, Assessment.Status.DRAFT, AssessmentEvent.Action.REOPEN, by=by, comment=reason
    )


def comment_targets(assessment, indicators=None):
    """Every cell a comment may be pinned to, as (key, label), in the order of the table."""
    if indicators is None:
        indicators = list(assessment.indicators.all())
    targets = [("goal", "预期目标"), ("outcome", "实际完成情况")]
    for line in rules.FUND_LINES:
        for column in rules.FUND_COLUMNS:
            targets.append(
                (
                    f"funds.{line}.{column}",
                    f"{rules.FUND_LINE_LABELS[line]} · {rules.FUND_COLUMN_LABELS[column]}",
                )
            )
    for row in indicators:
        targets.append((f"indicator:{row.pk}", f"指标“{row.name}”（整行）"))
        for field_name in ("target", "actual", "weight", "score", "reason"):
            label = Indicator._meta.get_field(field_name).verbose_name
            targets.append((f"indicator:{row.pk}.{field_name}", f"指标“{row.name}” · {label}"))
    return targets


@transaction.atomic
def add_comment(assessment_id, *, by, target, text):
    assessment = _locked(assessment_id)
    _check(permissions.can_comment(by, assessment))
    text = (text or "").strip()
    if not text:
        raise AssessmentError("批注内容不能为空。")
    labels = dict(comment_targets(assessment))
    if target not in labels:
        raise AssessmentError("请选择批注所针对的栏目。")
    comment = Comment.objects.create(
        assessment=assessment, target=target, target_label=labels[target], author=by, text=text
    )
    log_event(
        assessment,
        AssessmentEvent.Action.COMMENT,
        by=by,
        from_status=assessment.status,
        to_status=assessment.status,
        comment=f"{labels[target]}：{text}",
    )
    return comment


@transaction.atomic
def answer_comment(comment_id, *, by, text):
    comment = Comment.objects.select_related("assessment").get(pk=comment_id, parent__isnull=True)
    assessment = _locked(comment.assessment_id)
    _check(permissions.can_answer(by, assessment))
    text = (text or "").strip()
    if not text:
        raise AssessmentError("答复内容不能为空。")
    reply = Comment.objects.create(
        assessment=assessment,
        target=comment.target,
        target_label=comment.target_label,
        parent=comment,
        author=by,
        text=text,
    )
    Comment.objects.filter(pk=comment.pk, answered_at__isnull=True).update(
        answered_at=reply.created_at
    )
    log_event(
        assessment,
        AssessmentEvent.Action.ANSWER,
        by=by,
        from_status=assessment.status,
        to_status=assessment.status,
        comment=f"{comment.target_label}：{text}",
    )
    return reply
