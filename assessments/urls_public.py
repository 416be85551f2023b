from django.urls import path, re_path

from .views import public

app_name = "public"

# Ids of 1 to 18 digits (no number overflows a 64-bit column) and positions of 1 to 4.
PUBLICATION = r"^(?P<pk>[0-9]{1,18})/"

urlpatterns = [
    path("", public.index, name="index"),
    re_path(PUBLICATION + "$", public.publication, name="publication"),
    re_path(PUBLICATION + r"table-(?P<position>[0-9]{1,4})\.html$", public.table, name="table"),
    re_path(PUBLICATION + r"publication\.pdf$", public.pdf, name="pdf"),
    re_path(PUBLICATION + r"data\.json$", public.data, name="data"),
]
