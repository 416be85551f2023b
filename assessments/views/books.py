"""Books (合订本): request one, watch its progress, download it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ..forms import BookForm
from ..models import Book
from ..paper import books
from ..services import books as book_services


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
            book = book_services.request_book(
                form.cleaned_data["organisation"],
                form.cleaned_data["year"],
                by=request.user,
                signed_only=form.cleaned_data["signed_only"],
            )
        except book_services.BookError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "已开始生成合订本，完成后即可下载。")
            return redirect(book)
    recent = books.visible_books(request.user)[:20]
    return render(request, "assessments/books.html", {"form": form, "books": recent})


@login_required
@require_GET
def book_detail(request, pk):
    book = get_book_for_user(request, pk)
    stuck = books.is_stuck(book)
    return render(
        request,
        "assessments/book.html",
        {"book": book, "stuck": stuck, "stuck_message": books.stuck_message() if stuck else ""},
    )


@login_required
@require_GET
def book_progress(request, pk):
    book = get_book_for_user(request, pk)
    stuck = books.is_stuck(book)
    return JsonResponse(
        {
            "status": book.status,
            "status_label": "排队超时" if stuck else book.get_status_display(),
            "stuck": stuck,
            "stuck_message": books.stuck_message() if stuck else "",
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
        filename=books.filename_of(book),
        content_type="application/pdf",
    )
