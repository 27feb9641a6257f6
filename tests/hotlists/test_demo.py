import pytest

from agencies import demo as agencies_demo
from hotlists import demo
from hotlists.models import Alert, HotlistEntry, HotlistImport

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent():
    context: dict = {}
    agencies_demo.seed(context)
    demo.seed(context)
    entries = HotlistEntry.objects.count()
    assert 190 <= entries <= 210
    demo.seed(context)
    assert HotlistEntry.objects.count() == entries
    assert HotlistImport.objects.filter(outcome="succeeded").count() == 4
    assert Alert.objects.count() == 0  # no demo reads in this test
