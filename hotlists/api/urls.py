from rest_framework.routers import SimpleRouter

from .views import AlertViewSet, HotlistEntryViewSet, HotlistImportViewSet, HotlistViewSet

router = SimpleRouter()
router.register("hotlists", HotlistViewSet)
router.register("hotlist-entries", HotlistEntryViewSet)
router.register("hotlist-imports", HotlistImportViewSet)
router.register("alerts", AlertViewSet)

urlpatterns = router.urls
