from django.urls import path

from . import thread_views

app_name = "threads"
urlpatterns = [
    path("<str:label>/<int:pk>/reply/", thread_views.reply_view, name="reply"),
]
