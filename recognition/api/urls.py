from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import RecognitionJobViewSet

router = SimpleRouter()
router.register("recognition/jobs", RecognitionJobViewSet, basename="recognition-job")

urlpatterns = [
    path(
        "recognition/uploads/",
        RecognitionJobViewSet.as_view({"post": "upload"}),
        name="recognition-upload",
    ),
    *router.urls,
]
