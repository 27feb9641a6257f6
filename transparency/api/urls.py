from django.urls import path

from .views import TransparencyView

urlpatterns = [
    path("transparency/<slug:slug>/", TransparencyView.as_view(), name="api-transparency"),
]
