"""Settings shared by every environment. Values come from environment variables (django-environ).

Local development reads an optional `.env` at the repository root; production secrets have no defaults.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

from config.audit_keys import load_audit_keys

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _SecretFiles(environ.FileAwareMapping):
    """Any variable may be given instead as `<NAME>_FILE`, the path of a file holding its value (container or
    systemd credentials), so that secrets need not sit in the process environment. The file's trailing newline,
    which editors and `echo` add, is not part of the value."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(key + "_FILE") else value


env = environ.Env()
env.ENVIRON = _SecretFiles()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    # Django admin, on a site that requires a verified second factor (agencies/signin/admin_site.py).
    "agencies.signin.admin_site.AlprAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "agencies",
    "reads",
    "hotlists",
    "sharing",
    "transparency",
    "recognition",
    "console",
]

MIDDLEWARE = [
    "common.middleware.SecurityHeadersMiddleware",
    # Before anything that looks up the path, the session or the user: NUL in an address never reaches a query.
    "common.middleware.RequestTextMiddleware",
    # What a request knows about its user is computed once per request and dropped after it (agencies.access).
    "agencies.request_scope.RequestScopeMiddleware",
    "common.outage.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from STATIC_ROOT (after collectstatic), compressed and with far-future cache headers on
    # hashed names, before any session or database work; a path outside STATIC_ROOT (an encoded `..`) is a 404.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agencies.signin.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "agencies.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.maps.context",
            ],
        },
    },
]

# PostGIS engine: camera and read locations are geography points.
DATABASES = {"default": env.db("DATABASE_URL", default="postgis://postgres@localhost:5432/alpr")}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiler costs 100-400 ms to plan a search over many partitions and saves nothing on queries
# that read a few thousand rows: off for this application's connections.
# A session left idle inside a transaction is ended by the server after DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS:
# an open write transaction holds back every agency's live alert feed (it waits for older transactions to settle,
# hotlists/selectors.py) and vacuum. Web processes also bound each statement (config/wsgi.py sets
# DATABASE_STATEMENT_TIMEOUT_MS); workers leave it unbounded (0) and rely on their task time limits.
DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = env.int("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=60_000)
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=0)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c jit=off -c idle_in_transaction_session_timeout={DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS}"
    f" -c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_PREFIX": "alpr",
    }
}

AUTHENTICATION_BACKENDS = [
    # First, so a locked username or address is refused before any password is checked.
    "agencies.signin.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# CJIS habit: a session ends after 30 idle minutes. Saving on every request slides the expiry.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# CJIS habit: five failed sign-ins lock the account (and the client address) for ten minutes.
ALPR_SIGNIN_MAX_FAILURES = 5
ALPR_SIGNIN_LOCKOUT_SECONDS = 10 * 60
# Staff sign in with a second factor (django-otp TOTP, recovery codes as otp_static tokens).
OTP_TOTP_ISSUER = "ALPR records"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Django's two finders, except that a path outside the static folders (an encoded `..`) is not found (404), not a 500.
STATICFILES_FINDERS = ["common.staticfinders.FileSystemFinder", "common.staticfinders.AppDirectoriesFinder"]
# Read images and signed MOU documents are confidential: they live outside any public URL and are
# served only through permission-checked views (there is no MEDIA_URL route).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-not-served/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers plus the checks every body needs (common.inputs): text PostgreSQL can store, bounded nesting
    # and size. A view that names its own parsers takes them from common.parsers too.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "common.parsers.FormParser",
        "common.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    # django-filter's backend, with date-times sent to the database in UTC (common.filters).
    "DEFAULT_FILTER_BACKENDS": ["common.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "search": env("THROTTLE_SEARCH", default="120/min"),
        "ingest": env("THROTTLE_INGEST", default="6000/min"),
        "login": env("THROTTLE_LOGIN", default="20/min"),
    },
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    # How many reverse proxies in front of the app to trust for X-Forwarded-For. 0 means the client address
    # is REMOTE_ADDR: DRF's default (None) would let a client choose its own address and so escape the
    # per-address throttles and sign-in lockout.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Street-map tiles behind the console's maps (console/maps.py). A public OpenStreetMap-style server by default; an
# agency sets its own tile server, or "" for none: the maps then show camera points and a scale on a plain
# background, which is also what a browser sees when the tile server cannot be reached. The tile server's origin
# is the one addition to the Content-Security-Policy's img-src.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")

SPECTACULAR_SETTINGS = {
    "TITLE": "ALPR records API",
    "DESCRIPTION": "Plate reads, hotlists, alerts and MOU-based sharing for California public agencies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files are served from this origin (drf-spectacular-sidecar), not a CDN: the docs page works on
    # a network without internet access and stays under the site's Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several serializers share, so the schema's enums are stable and readable.
    "ENUM_NAME_OVERRIDES": {
        "HotlistCategoryEnum": "hotlists.choices.Category",
        "HotlistImportFormatEnum": "hotlists.choices.ImportFormat",
        "AlertStatusEnum": "hotlists.choices.AlertStatus",
        "NotificationStatusEnum": "hotlists.choices.OutboxStatus",
        "MouStatusEnum": "sharing.models.MOU.Status",
        "RecognitionJobStatusEnum": "recognition.models.RecognitionJob.Status",
        "CameraKindEnum": "reads.choices.CameraKind",
        # Every purpose the access log records, and those a person may state (the system records "hotlist alert").
        "AccessPurposeEnum": "reads.choices.Purpose",
        "StatedPurposeEnum": "reads.choices.STATED_PURPOSES",
    },
}

# django-guardian: no anonymous user row; anonymous callers never hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"recognition.tasks.*": {"queue": "recognition"}}
# Redis gives an unacknowledged task (its worker died mid-task) to another worker after the visibility timeout.
# It must exceed the longest task; fault tests shorten it to see a redelivery within seconds.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# Every task stops before Redis would hand its message to a second worker: the soft limit raises
# SoftTimeLimitExceeded in the task (its transaction rolls back, retries apply), the hard limit kills the process.
# Tasks that need longer (hotlist imports) set their own limits, still below the visibility timeout.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Beat's scheduler also records its own heartbeat, which /healthz reads (config/celery_app.py).
CELERY_BEAT_SCHEDULER = "config.celery_app:HeartbeatScheduler"
# Queues a worker must consume; beat sends each a heartbeat task that /healthz checks for.
CELERY_WORKER_QUEUES = ["default", "recognition", "notifications"]
# The schedule lives here (Celery's own beat), so there is one place to read it.
CELERY_BEAT_SCHEDULE: dict = {
    "reads-ensure-partitions": {"task": "reads.tasks.ensure_partitions", "schedule": crontab(minute=5)},
    "reads-purge-expired": {"task": "reads.tasks.purge_expired_reads", "schedule": crontab(hour=3, minute=15)},
    "reads-sweep-orphan-files": {"task": "reads.tasks.sweep_orphan_files", "schedule": crontab(hour=4, minute=15)},
    "reads-access-log-checkpoint": {
        "task": "reads.tasks.access_log_checkpoint",
        "schedule": crontab(hour=0, minute=5),
    },
    "recognition-requeue-stale": {"task": "recognition.tasks.requeue_stale_jobs", "schedule": 300.0},
    "sharing-expire-mous": {"task": "sharing.tasks.expire_mous", "schedule": crontab(hour=0, minute=10)},
    "hotlists-dispatch-notifications": {
        "task": "hotlists.tasks.notification_dispatch_due_task",
        "schedule": 10.0,
        "options": {"queue": "notifications", "expires": 10},
    },
    "hotlists-drop-folder": {"task": "hotlists.tasks.hotlist_drop_folder_task", "schedule": 120.0},
    "reads-camera-placement-reminders": {
        "task": "reads.tasks.camera_placement_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    "transparency-erase-question-addresses": {
        "task": "transparency.tasks.erase_stale_question_addresses",
        "schedule": crontab(hour=2, minute=40),
    },
    "hotlists-sweep-imports": {"task": "hotlists.tasks.hotlist_imports_sweep_task", "schedule": 60.0},
    **{
        f"health-worker-heartbeat-{queue}": {
            "task": "config.celery_app.worker_heartbeat",
            "schedule": 30.0,
            "args": [queue],
            "options": {"queue": queue, "expires": 30},
        }
        for queue in CELERY_WORKER_QUEUES
    },
}

# Questions from the public (transparency.question_form): abuse limits, and how long an unanswered question's
# e-mail address is kept before a scheduled task erases it.
PUBLIC_QUESTIONS_PER_ADDRESS = env.int("PUBLIC_QUESTIONS_PER_ADDRESS", default=5)
PUBLIC_QUESTIONS_WINDOW_SECONDS = 3600
PUBLIC_QUESTION_MIN_FILL_SECONDS = env.int("PUBLIC_QUESTION_MIN_FILL_SECONDS", default=3)
PUBLIC_QUESTION_EMAIL_KEEP_DAYS = env.int("PUBLIC_QUESTION_EMAIL_KEEP_DAYS", default=90)

# Hotlists: state extracts dropped in HOTLIST_DROP_DIR/<agency slug>/<hotlist drop_file_name> replace their list
# (picked up by the beat job above once unchanged for HOTLIST_DROP_SETTLE_S); repeated reads of one plate by one
# camera within HOTLIST_ALERT_GROUP_MINUTES fold into one alert.
HOTLIST_DROP_DIR = Path(env("HOTLIST_DROP_DIR", default=str(BASE_DIR / "var" / "hotlist-drop")))
HOTLIST_DROP_SETTLE_S = env.int("HOTLIST_DROP_SETTLE_S", default=30)
HOTLIST_ALERT_GROUP_MINUTES = env.int("HOTLIST_ALERT_GROUP_MINUTES", default=5)

# Recognition: the YOLO plate detector's weights (empty: the best.pt shipped in the fastanpr package).
RECOGNITION_DETECTOR_WEIGHTS = env("RECOGNITION_DETECTOR_WEIGHTS", default="")
# Labelled photos for evaluation live beside the project, never in it (see recognition_eval and the accuracy test).
RECOGNITION_DATASETS_DIR = Path(env("RECOGNITION_DATASETS_DIR", default=str(BASE_DIR.parent / "shared" / "datasets")))
RECOGNITION_MAX_IMAGE_BYTES = env.int("RECOGNITION_MAX_IMAGE_BYTES", default=20_000_000)
RECOGNITION_MAX_FILES_PER_UPLOAD = 50
# Starts of one job that may end with the worker gone (killed, out of memory, time limit) before it is given up.
RECOGNITION_MAX_ATTEMPTS = env.int("RECOGNITION_MAX_ATTEMPTS", default=3)
# Pixels of one uploaded image (an 8K frame is 33 million): checked from the header before anything is decoded.
RECOGNITION_MAX_IMAGE_PIXELS = env.int("RECOGNITION_MAX_IMAGE_PIXELS", default=50_000_000)
# The largest request body that is not an uploaded file: a JSON or form body, or a multipart form's fields (a larger
# one answers 413, common.api.exception_handler). A batch of 1,000 reads with three candidates each is about 0.5 MB,
# an OpenALPR document with its vehicle crop a few hundred KB. Uploaded files have their own limits
# (RECOGNITION_MAX_IMAGE_BYTES, the MOU document's).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 30_000_000

# ALPR rules with policy weight, kept as settings so an agency's deployment can read them in one place.
ALPR_RETENTION_DAYS_DEFAULT = 30
ALPR_RETENTION_DAYS_MIN = 1
ALPR_RETENTION_DAYS_MAX = 730
ALPR_INGEST_BATCH_MAX = 1000
ALPR_SEARCH_RADIUS_MAX_M = 50_000
ALPR_CAMERA_OFFLINE_AFTER_S = env.int("ALPR_CAMERA_OFFLINE_AFTER_S", default=300)

# The access log's MAC keys (config/audit_keys.py; rotation: docs/audit.md). From the environment or a key file,
# never the database. Each environment's settings decide what happens without one: production refuses to start.
AUDIT_LOG_KEYS = load_audit_keys(
    keys_text=env("AUDIT_LOG_KEYS", default=""), key_file=env("AUDIT_LOG_KEY_FILE", default="")
)
AUDIT_LOG_KEY_ID = env("AUDIT_LOG_KEY_ID", default="")

# /healthz thresholds (common/health.py). A heartbeat older than HEALTH_HEARTBEAT_STALE_S means the worker of that
# queue, or beat, has stopped; disk below either free-space floor answers 503.
HEALTH_HEARTBEAT_STALE_S = env.int("HEALTH_HEARTBEAT_STALE_S", default=120)
HEALTH_OUTBOX_OVERDUE_S = env.int("HEALTH_OUTBOX_OVERDUE_S", default=300)
HEALTH_OLDEST_TRANSACTION_WARN_S = env.int("HEALTH_OLDEST_TRANSACTION_WARN_S", default=60)
HEALTH_DISK_MIN_FREE_BYTES = env.int("HEALTH_DISK_MIN_FREE_BYTES", default=1024**3)
HEALTH_DISK_MIN_FREE_PERCENT = env.float("HEALTH_DISK_MIN_FREE_PERCENT", default=5.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Change history (django-auditlog) of every records model, in one list.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "agencies.Agency",
    "agencies.Membership",
    "agencies.TrainingRecord",
    {"model": "agencies.User", "exclude_fields": ["password", "last_login"]},
    {"model": "agencies.ApiToken", "exclude_fields": ["key_hash", "last_used_at"]},
    "sharing.MOU",
    "reads.Camera",
    "reads.CameraMove",
    "reads.EvidenceHold",
    "hotlists.Hotlist",
    "hotlists.HotlistEntry",
    {"model": "hotlists.NotificationSubscription", "exclude_fields": ["secret"]},
    "reads.SearchAudit",
    "reads.SearchAuditSample",
)

# GDAL 3.6 (Debian 12) cannot sandbox file/network access while parsing spatial reference strings. This
# system never parses user-supplied spatial references: points are built from numeric latitude/longitude.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
