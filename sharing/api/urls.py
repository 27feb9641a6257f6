from rest_framework.routers import SimpleRouter

from .views import MOUViewSet

router = SimpleRouter()
router.register("sharing/mous", MOUViewSet, basename="mou")

urlpatterns = router.urls
