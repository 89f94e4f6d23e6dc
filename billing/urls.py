from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("subscription/", views.subscription, name="subscription"),
    path("subscription/manage/", views.manage, name="manage"),
    path("subscription/change-requests/", views.change_request_create, name="change_request_create"),
    path("cancellations/", views.cancellations, name="cancellations"),
]
