"""The notice list (消息) and the reminder settings under the account menu."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..forms.cycle import NoticeSettingsForm
from ..models import Notice, NoticeSettings


@login_required
@require_GET
def notice_list(request):
    notices = Notice.objects.filter(user=request.user).order_by("-created_at", "-pk")[:100]
    return render(request, "notices/list.html", {"notices": notices})


@login_required
@require_POST
def mark_read(request, pk):
    updated = Notice.objects.filter(user=request.user, pk=pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if not updated and not Notice.objects.filter(user=request.user, pk=pk).exists():
        raise Http404("没有这条消息。")
    return redirect("notices")


@login_required
@require_POST
def mark_all_read(request):
    count = Notice.objects.filter(user=request.user).unread().update(read_at=timezone.now())
    messages.success(request, f"已将 {count} 条消息标为已读。")
    return redirect("notices")


@login_required
@require_http_methods(["GET", "POST"])
def notice_settings(request):
    current = NoticeSettings.objects.filter(user=request.user).first()
    initial = {"reminder_mail": current.reminder_mail if current else True}
    form = NoticeSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        NoticeSettings.objects.update_or_create(
            user=request.user, defaults={"reminder_mail": form.cleaned_data["reminder_mail"]}
        )
        messages.success(
            request,
            "已开启截止提醒邮件。"
            if form.cleaned_data["reminder_mail"]
            else "已关闭截止提醒邮件；提醒仍会出现在消息中。",
        )
        return redirect("notice_settings")
    return render(request, "notices/settings.html", {"form": form})
