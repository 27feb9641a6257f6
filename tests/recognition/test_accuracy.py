"""Recognition accuracy on real labelled US photos the engine was never trained on (../shared/datasets).

The photos are not part of this repository; the test runs where they are present (as in CI) and says why it
skips where they are not. The thresholds guard against regressions at the level the engine reaches today
(docs/benchmarks.md); the project's target is exact >= 0.90.
"""

import pytest
from django.conf import settings

from recognition.evaluation import evaluate
from recognition.tasks import recognizer

LABELS = settings.RECOGNITION_DATASETS_DIR / "us-plates-dev" / "labels.tsv"


@pytest.mark.skipif(
    not LABELS.is_file(),
    reason=f"labelled photos not found at {LABELS} (set RECOGNITION_DATASETS_DIR to the shared datasets folder)",
)
def test_accuracy_on_labelled_us_photos():
    report = evaluate(LABELS, recognizer=recognizer())
    print(report.result_line())
    assert report.images >= 100
    assert report.detect >= 0.90
    assert report.within1 >= 0.85
    assert report.exact >= 0.72
