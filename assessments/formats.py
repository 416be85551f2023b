"""How dates and people are written on a table: the same on screen, on paper and in what a
signature covers."""

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone


def chinese_date(moment: datetime) -> str:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{local.year}年{local.month}月{local.day}日"


def display_name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""
