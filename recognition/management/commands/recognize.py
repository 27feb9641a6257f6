"""`manage.py recognize PATH...`: recognise plates in image files or folders, with a progress bar and a summary.

With --camera, the readings become reads of that camera's agency through the same path as uploads (one job per
distinct image); without it, the readings are only printed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from agencies.models import User
from reads.models import Camera
from recognition.engine import ImageError
from recognition.services import job_create, job_run
from recognition.tasks import recognizer
from recognition.uploads import UploadRejected

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


class Command(BaseCommand):
    help = "Recognise plates in image files or folders; with --camera and --user, store them as reads."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--camera", type=int, help="store readings as reads of this camera")
        parser.add_argument("--user", help="username recorded as the uploader (required with --camera)")

    def handle(self, paths, camera, user, **options):
        files = sorted(
            p for path in map(Path, paths) for p in ([path] if path.is_file() else path.rglob("*"))
            if p.suffix.lower() in IMAGE_SUFFIXES
        )  # fmt: skip
        if not files:
            raise CommandError("No JPEG or PNG images found at the given paths.")
        target = uploader = None
        if camera is not None:
            target = Camera.objects.filter(pk=camera).first()
            uploader = User.objects.filter(username=user or "").first()
            if target is None or uploader is None:
                raise CommandError("--camera needs an existing camera id and --user an existing username.")
        engine = recognizer()
        plates, failed, timings = 0, 0, []
        for path in tqdm(files, unit="image", disable=None):
            data = path.read_bytes()
            if target is not None:
                try:
                    job, _ = job_create(user=uploader, camera=target, data=data, name=path.name)
                except UploadRejected as exc:  # refused before any job exists: count it as a failed image
                    failed += 1
                    tqdm.write(f"{path}: {exc}")
                    continue
                job = job_run(job_id=job.pk, recognizer=engine)
                plates += job.read_count
                failed += job.status == job.Status.FAILED
                if job.total_ms:
                    timings.append(job.total_ms)
                continue
            try:
                readings = engine.recognize(data)
            except ImageError as exc:
                failed += 1
                tqdm.write(f"{path}: {exc}")
                continue
            plates += len(readings)
            for reading in readings:
                timings.append(sum(reading.timings.values()))
                tqdm.write(f"{path.name}: {reading.plate} ({reading.confidence:.2f}) {reading.state or ''}")
        median = sorted(timings)[len(timings) // 2] if timings else 0
        self.stdout.write(f"{len(files)} images, {plates} plates read, {failed} failed, median {median:.0f} ms")
