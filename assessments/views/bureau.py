"""The finance bureau's desk: its departments' filings, samples, 复核 and the year's report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, rules
from ..forms import ReviewForm, SampleForm
from ..forms.bureau import new_seed
from ..models import (
    Filing,
    Organisation,
    ReportingYear,
    ReviewSample,
    visible_organisations,
)
from ..reporting import bureau as bureau_report
from ..reporting import exports
from ..reporting.review import compare, sampled_tables
from ..services import AssessmentError, risk
from ..services import bureau as desk
from ..services.bureau import IndicatorReview


def get_bureau_for_user(request, pk):
    bureau = (
        visible_organisations(request.user).filter(pk=pk, kind=Organisation.Kind.BUREAU).first()
    )
    if bureau is None:
        raise Http404("没有这个财政局。")
    return bureau


def get_year(year):
    found = ReportingYear.objects.filter(year=year).first()
    if found is None:
        raise Http404("没有这个年度。")
    return found


def get_sample_for_user(request, pk):
    sample = (
        ReviewSample.objects.filter(pk=pk, bureau__in=visible_organisations(request.user))
        .select_related("bureau", "year", "created_by")
        .first()
    )
    if sample is None:
        raise Http404("没有这次抽查。")
    return sample


@login_required
@require_GET
def bureau_home(request):
    """The bureaus the user belongs to, each with its years."""
    bureaus = list(
        visible_organisations(request.user).filter(kind=Organisation.Kind.BUREAU).order_by("name")
    )
    if not bureaus:
        raise Http404("您不属于任何财政局。")
    years = list(ReportingYear.objects.order_by("-year"))
    return render(request, "assessments/bureau_home.html", {"bureaus": bureaus, "years": years})


SORTS = {
    "risk": lambda item: (-item.count, item.candidate.department),
    "score": lambda item: -item.candidate.self_score,
    "rate": lambda item: (
        item.candidate.execution_rate is None,
        item.candidate.execution_rate or 0,
    ),
}


def sort_candidates(items, sort):
    """The candidates as listed: by the pool's order, or by findings, score or rate."""
    key = SORTS.get(sort)
    return sorted(items, key=key) if key else items


@login_required
@require_http_methods(["GET", "POST"])
def bureau_desk(request, pk, year):
    bureau = get_bureau_for_user(request, pk)
    year = get_year(year)
    risky = sort_candidates(risk.risky_candidates(bureau, year), request.GET.get("sort", ""))
    candidates = [item.candidate for item in risky]
    # The seed shown stays the same when the page is shown again, until a sample uses it.
    seed_key = f"sample-seed:{bureau.pk}:{year.year}"
    seed = request.session.setdefault(seed_key, new_seed())
    form = SampleForm(request.POST or None, candidates=candidates, seed=seed)
    if request.method == "POST":
        allowed, reason = permissions.can_sample(request.user, bureau)
        if not allowed:
            raise PermissionDenied(reason)
        if form.is_valid():
            data = form.cleaned_data
            random = data["method"] in ("random", "risk")
            try:
                sample = desk.create_sample(
                    bureau.pk,
                    year.pk,
                    by=request.user,
                    margin=data["margin"],
                    share=data["share"] if random else None,
                    seed=data["seed"] if random else None,
                    assessment_ids=[] if random else data["tables"],
                    risk_first=data["method"] == "risk",
                )
            except AssessmentError as error:
                form.add_error(None, str(error))
            else:
                if sample.seed == seed:
                    request.session[seed_key] = new_seed()
                messages.success(request, f"已抽取 {sample.tables.count()} 张自评表。")
                return redirect(sample)
    departments = Organisation.objects.filter(parent=bureau).order_by("name")
    filings = {
        f.department_id: f
        for f in Filing.objects.filter(
            department__parent=bureau, year=year, status=Filing.Status.FILED
        ).select_related("filed_by")
    }
    return render(
        request,
        "assessments/bureau_desk.html",
        {
            "bureau": bureau,
            "year": year,
            "departments": [(d, filings.get(d.pk)) for d in departments],
            "samples": ReviewSample.objects.filter(bureau=bureau, year=year).select_related(
                "created_by"
            ),
            "form": form,
            "candidate_count": len(candidates),
            "candidate_rows": list(zip(form["tables"], risky, strict=True)),
            "risky_count": sum(1 for item in risky if item.findings),
            "sort": request.GET.get("sort", ""),
            "can_sample": permissions.can_sample(request.user, bureau)[0],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def sample_detail(request, pk):
    sample = get_sample_for_user(request, pk)
    comparisons = [compare(sampled) for sampled in sampled_tables(sample)]
    return render(
        request,
        "assessments/sample.html",
        {
            "sample": sample,
            "comparisons": comparisons,
            "can_rescore": permissions.can_sample(request.user, sample.bureau)[0],
        },
    )


def get_sampled(request, sample_pk, pk):
    sample = get_sample_for_user(request, sample_pk)
    sampled = sampled_tables(sample).filter(pk=pk).first()
    if sampled is None:
        raise Http404("这次抽查没有这张自评表。")
    return sampled


@login_required
@require_http_methods(["GET", "POST"])
def review_table(request, sample_pk, pk):
    sampled = get_sampled(request, sample_pk, pk)
    comparison = compare(sampled)
    allowed, reason = permissions.can_rescore(request.user, sampled)
    if request.method == "POST" and not allowed:
        raise PermissionDenied(reason)
    rows = sampled.signature.snapshot.get("indicators", [])
    initial = {}
    if comparison.review_total is not None:
        review = sampled.review
        initial = {
            "budget_score": review.budget_score,
            "budget_remark": review.budget_remark,
            "remark": review.remark,
        }
        for row in comparison.rows[1:]:
            initial[f"score_{row.position}"] = row.review_score
            initial[f"remark_{row.position}"] = row.remark
    form = ReviewForm(
        request.POST or None,
        rows=rows,
        initial=initial,
        self_budget=comparison.rows[0].self_score,
        self_scores=[row.self_score for row in comparison.rows[1:]],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            desk.save_review(
                sampled.pk,
                by=request.user,
                budget_score=data["budget_score"],
                budget_remark=data["budget_remark"],
                remark=data["remark"],
                indicators=[
                    IndicatorReview(p, data[f"score_{p}"], data[f"remark_{p}"])
                    for p in form.positions
                ],
            )
        except AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "复核得分已保存；签发的自评表未作任何改动。")
            return redirect(sampled.sample)
    pairs = list(zip(comparison.rows[1:], form.indicator_fields(), strict=True))
    rule_set = rules.get_rule_set(sampled.sample.year.rule_set)
    return render(
        request,
        "assessments/review_table.html",
        {
            "sampled": sampled,
            "comparison": comparison,
            "form": form,
            "pairs": pairs,
            "can_rescore": allowed,
            "totals": form.totals(rule_set),
            "grade_floors": [[str(floor), grade] for floor, grade in rule_set.grade_floors]
            + [["0", rule_set.lowest_grade]],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def review_pdf(request, sample_pk, pk):
    """The 复核 on A4: the signed figures with self and 复核 scores side by side. The stored
    signed PDF is a different file and stays as it is."""
    from ..paper import pdf  # WeasyPrint: loaded with the first PDF, not with the pages

    sampled = get_sampled(request, sample_pk, pk)
    comparison = compare(sampled)
    html = render_to_string("assessments/pdf/review.html", {"c": comparison, "s": sampled})
    content = pdf.render_document(html).write_pdf()
    project = comparison.entry.assessment.subject
    unit = comparison.entry.assessment.unit.name
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{sampled.sample.year.year}-{unit}-{project}-复核表.pdf"
    )
    return response


@login_required
@require_GET
def bureau_report_page(request, pk, year):
    bureau = get_bureau_for_user(request, pk)
    report = bureau_report.build_report(bureau, get_year(year))
    return render(request, "assessments/bureau_report.html", {"report": report})


@login_required
@require_GET
def bureau_report_xlsx(request, pk, year):
    bureau = get_bureau_for_user(request, pk)
    report = bureau_report.build_report(bureau, get_year(year))
    return exports.xlsx_response(
        lambda target: bureau_report.write_report_workbook(report, target),
        f"{report.title}.xlsx",
    )
