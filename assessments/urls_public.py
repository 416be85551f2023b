from django.urls import path

from .views import public

app_name = "public"

urlpatterns = [
    path("", public.index, name="index"),
    path("<int:pk>/", public.publication, name="publication"),
    path("<int:pk>/table-<int:position>.html", public.table, name="table"),
    path("<int:pk>/publication.pdf", public.pdf, name="pdf"),
    path("<int:pk>/data.json", public.data, name="data"),
]
