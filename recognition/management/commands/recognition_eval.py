"""`manage.py recognition_eval LABELS`: score recognition on labelled images (detect, exact, within1, median ms),
or, with --crops-cv, on the labelled plate crops by cross-validation (the protocol for tuning: the photos are
not read then)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recognition.crop_evaluation import (
    COMMITTED_HELD_OUT_FOLD,
    FOLDS,
    crop_split,
    cross_validate,
    evaluate_crops,
    fold_models,
    state_result_line,
)
from recognition.evaluation import evaluate
from recognition.tasks import recognizer


class Command(BaseCommand):
    help = (
        "Evaluate plate recognition on a labels.tsv file (image x y width height plate) with the images beside it; "
        "with --crops-cv, cross-validate on a plate-crop folder instead (LABELS then only names the plate texts to "
        "leave out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("labels", help="e.g. ../shared/datasets/us-plates-dev/labels.tsv")
        parser.add_argument("--limit", type=int, default=None, help="only the first N images")
        parser.add_argument(
            "--state-crops",
            help="also score the issuing state on the held-out fold of this plate-crop folder (labels.csv: "
            "image,state,plate), e.g. ../shared/datasets/us-plate-crops; printed as a STATE line before RESULT",
        )
        parser.add_argument(
            "--crops-cv",
            metavar="DIR",
            help="cross-validate on this plate-crop folder instead of reading the photos: each fold is read by "
            "models trained without it (exact, within1, state, per state and plate style, confusion pairs); "
            "crops whose text is one of LABELS' are left out",
        )
        parser.add_argument("--folds", type=int, default=FOLDS, help=f"folds of the crop set (default {FOLDS})")
        parser.add_argument(
            "--fold-models",
            metavar="DIR",
            help="models trained per fold: DIR/fold-<i>/plate_ocr*.onnx (tools/train_ocr.py --fold i); without it "
            f"only fold {COMMITTED_HELD_OUT_FOLD}, which the committed models held out, is scored",
        )

    def handle(self, labels, limit, state_crops, crops_cv, folds, fold_models, **options):
        path = Path(labels)
        if not path.is_file():
            raise CommandError(f"No labels file at {path}.")
        for folder in (state_crops, crops_cv):
            if folder and not (Path(folder) / "labels.csv").is_file():
                raise CommandError(f"No labels.csv in {folder}.")
        if fold_models and not Path(fold_models).is_dir():
            raise CommandError(f"No folder {fold_models}.")
        if crops_cv and not fold_models and folds != FOLDS:
            raise CommandError(f"The committed models held out fold {COMMITTED_HELD_OUT_FOLD} of {FOLDS}: give "
                               f"--fold-models for {folds} folds.")  # fmt: skip
        engine = recognizer()
        try:
            if crops_cv:
                self._crops(crops_cv, path, folds, fold_models, engine)
                return
            engine.recognize(_warm_up_image())  # load and warm the models so the first image's time is fair

            def show(result):
                if not result.exact:
                    what = "not detected" if not result.detected else f"read {result.read!r}"
                    self.stdout.write(f"MISS {result.image}: label {result.label!r}, {what} ({result.ms:.0f} ms)")

            report = evaluate(path, recognizer=engine, limit=limit, progress=show)
            self.stdout.write(report.confusions_text())
            if state_crops:
                _, held_out = crop_split(state_crops, exclude_labels=path)
                results = evaluate_crops(held_out, recognizer=engine, conditions=("clean",))
                self.stdout.write(state_result_line(results))
        except ValueError as exc:  # a malformed labels line or an undecodable image, named by file and line
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.result_line())

    def _crops(self, crops_dir, labels, folds, models_dir, engine):
        from recognition.engine.pipeline import PlateRecognizer

        def recognizer_for_fold(i):
            if not models_dir:
                return engine if i == COMMITTED_HELD_OUT_FOLD else None
            paths = fold_models(models_dir, i)
            return PlateRecognizer(engine.detector.weights_path, ocr_model_paths=paths) if paths else None

        report = cross_validate(crops_dir, labels, recognizer_for_fold=recognizer_for_fold, folds=folds)
        self.stdout.write(report.mistakes_text())
        self.stdout.write(report.breakdown_text())
        for line in report.result_lines():
            self.stdout.write(line)


def _warm_up_image():
    import numpy as np

    return np.zeros((720, 1280, 3), dtype=np.uint8)
