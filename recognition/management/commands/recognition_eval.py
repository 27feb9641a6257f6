"""`manage.py recognition_eval LABELS`: score recognition on labelled images (detect, exact, within1, median ms)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recognition.evaluation import crop_split, evaluate, evaluate_states
from recognition.tasks import recognizer


class Command(BaseCommand):
    help = "Evaluate plate recognition on a labels.tsv file (image x y width height plate) with the images beside it."

    def add_arguments(self, parser):
        parser.add_argument("labels", help="e.g. ../shared/datasets/us-plates-dev/labels.tsv")
        parser.add_argument("--limit", type=int, default=None, help="only the first N images")
        parser.add_argument(
            "--state-crops",
            help="also score the issuing state on the held-out tenth of this plate-crop folder (labels.csv: "
            "image,state,plate), e.g. ../shared/datasets/us-plate-crops; printed as a STATE line before RESULT",
        )

    def handle(self, labels, limit, state_crops, **options):
        path = Path(labels)
        if not path.is_file():
            raise CommandError(f"No labels file at {path}.")
        engine = recognizer()
        engine.recognize(_warm_up_image())  # load and warm the models so the first image's time is fair

        def show(result):
            if not result.exact:
                what = "not detected" if not result.detected else f"read {result.read!r}"
                self.stdout.write(f"MISS {result.image}: label {result.label!r}, {what} ({result.ms:.0f} ms)")

        if state_crops and not (Path(state_crops) / "labels.csv").is_file():
            raise CommandError(f"No labels.csv in {state_crops}.")
        try:
            report = evaluate(path, recognizer=engine, limit=limit, progress=show)
            if state_crops:
                _, held_out = crop_split(state_crops, exclude_labels=path)
                self.stdout.write(evaluate_states(held_out, recognizer=engine).result_line())
        except ValueError as exc:  # a malformed labels line or an undecodable image, named by file and line
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.result_line())


def _warm_up_image():
    import numpy as np

    return np.zeros((720, 1280, 3), dtype=np.uint8)
