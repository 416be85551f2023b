"""Books (合订本): request one, watch its progress, download it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .. import books
from ..models import Book, ReportingYear
from ..querysets import visible_organisations


class BookForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="单位", queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    year = forms.ModelChoiceField(
        label="年度",
        queryset=ReportingYear.objects.all(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    signed_only = forms.BooleanField(
        label="仅装订已签发的自评表",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = visible_organisations(user).order_by("kind", "name")
        self.fields["organisation"].empty_label = None
        self.fields["year"].empty_label = None
        # The latest year that has tables, not an open year nobody has filled in yet.
        self.fields["year"].initial = (
            ReportingYear.objects.filter(assessments__isnull=False).order_by("-year").first()
        )


def get_book_for_user(request, pk):
    book = books.visible_books(request.user).filter(pk=pk).first()
    if book is None:
        raise Http404("没有这本合订本。")
    return book


@login_required
@require_http_methods(["GET", "POST"])
def book_list(request):
    form = BookForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            book = books.request_book(
                form.cleaned_data["organisation"],
                form.cleaned_data["year"],
                by=request.user,
                signed_only=form.cleaned_data["signed_only"],
            )
        except books.BookError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "已开始生成合订本，完成后即可下载。")
            return redirect(book)
    recent = books.visible_books(request.user)[:20]
    return render(request, "assessments/books.html", {"form": form, "books": recent})


@login_required
@require_GET
def book_detail(request, pk):
    return render(request, "assessments/book.html", {"book": get_book_for_user(request, pk)})


@login_required
@require_GET
def book_progress(request, pk):
    book = get_book_for_user(request, pk)
    return JsonResponse(
        {
            "status": book.status,
            "status_label": book.get_status_display(),
            "done": book.done,
            "total": book.total,
            "percent": book.percent,
            "error": book.error,
            "download_url": (
                reverse("assessments:book_download", args=[book.pk])
                if book.status == Book.Status.DONE
                else None
            ),
        }
    )


@login_required
@require_GET
def book_download(request, pk):
    book = get_book_for_user(request, pk)
    if book.status != Book.Status.DONE or not book.pdf:
        raise Http404("合订本尚未生成。")
    return FileResponse(
        book.pdf.open("rb"),
        as_attachment=True,
        filename=books.book_filename(book),
        content_type="application/pdf",
    )
