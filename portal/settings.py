"""Settings for the DSAR portal.

Every value comes from the environment through the typed helpers below, which fail
loudly on a value they cannot read. Local defaults give an embedded set-up: SQLite,
Celery in eager mode and the console message gateway, so `make run` needs no server.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-local-development-key-only-for-debug-mode-do-not-use-anywhere"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# Where customers open the portal; links in messages point here.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before the admin, as django-modeltranslation asks: register texts per language.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "portal",
    "dsar",
    "verification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: the staff idle timeout and Cache-Control.
    "portal.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

# Staff sign in with a password and a TOTP code; repeated failures lock the account.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
# SECURITY: the client's address by the same trusted-proxy rule as the rate limits
# (TRUSTED_PROXY_COUNT, django-ipware); behind a proxy, REMOTE_ADDR is the proxy's.
AXES_CLIENT_IP_CALLABLE = "verification.ip.client_ip"
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "DSAR portal")
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "portal.auth.lockout_response"
# A staff session ends after this many seconds without a request (and after
# SESSION_COOKIE_AGE in any case); staff pages are never cached (portal/middleware.py).
STAFF_SESSION_IDLE = envint("STAFF_SESSION_IDLE", 30 * 60)
# How long an authenticator enrolment link works (portal/enrolment.py).
ENROLMENT_LINK_HOURS = envint("ENROLMENT_LINK_HOURS", 24)

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.views.site_context",
            ],
        },
    },
]

# Databases: the portal's own, and the customer-service data the data map reads.
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"), conn_max_age=60
    ),
}
# Every network call has a timeout (DESIGN, "What must survive a fault"): a PostgreSQL that
# accepts connections but does not answer fails the request after DATABASE_CONNECT_TIMEOUT
# seconds instead of hanging it, and no statement runs longer than its STATEMENT_TIMEOUT
# (0: no limit, e.g. behind PgBouncer, where the role's own setting is used instead).
DATABASE_CONNECT_TIMEOUT = envint("DATABASE_CONNECT_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = envint("DATABASE_STATEMENT_TIMEOUT", 30)
# Migrations run as the role that owns the tables (`manage.py migrate`, `grant_app_role`);
# the application's role in DATABASE_URL may not alter or empty the audit trail.
MIGRATE_DATABASE_URL = envstr("MIGRATE_DATABASE_URL")


def _postgres_options(statement_timeout: int) -> dict[str, object]:
    """libpq connection options: a connect timeout and, unless 0, a statement timeout."""
    options: dict[str, object] = {"connect_timeout": DATABASE_CONNECT_TIMEOUT}
    if statement_timeout > 0:
        options["options"] = f"-c statement_timeout={statement_timeout * 1000}"
    return options


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        _postgres_options(DATABASE_STATEMENT_TIMEOUT)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the live server and a worker read while one writes. Every transaction
    # takes the write lock when it begins (IMMEDIATE), waiting up to `timeout` seconds for
    # it: a deferred one that reads first and writes later cannot wait for the lock (SQLite
    # answers "database is locked" at once), and the views' transactions all write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: the customer's language drives pages and messages.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("sv", _("Swedish")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The processing register's texts exist per language (dsar/translation.py); a text missing
# in the customer's language falls back to English, and the extract marks it as English.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "nl", "sv", "ru")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = envstr("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True
# How dates read in each language (portal/formats/): "1 december 2026", "1 декабря 2026".
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# `manage.py collectstatic` fills it; WhiteNoise serves it with far-future caching.
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names; a file missing from the manifest is a logged error and
        # an unhashed URL, never a failing page (portal/storage.py).
        "BACKEND": "portal.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Generated files (access packages) are private: never under STATIC or a public URL.
PRIVATE_MEDIA_ROOT = Path(envstr("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# Files the data map points at (`file = "recordings"` on a column): the call recordings of
# the contact centre, read into access packages and deleted by erasure. A local folder by
# default; any S3-compatible store with DSAR_RECORDINGS_STORAGE=s3 (django-storages, the
# `s3` extra: pip install ".[s3]").
if envstr("DSAR_RECORDINGS_STORAGE", "local") == "s3":
    STORAGES["recordings"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": envstr("DSAR_RECORDINGS_S3_BUCKET"),
            "endpoint_url": envstr("DSAR_RECORDINGS_S3_ENDPOINT") or None,
            "region_name": envstr("DSAR_RECORDINGS_S3_REGION") or None,
            "access_key": envstr("DSAR_RECORDINGS_S3_ACCESS_KEY") or None,
            "secret_key": envstr("DSAR_RECORDINGS_S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["recordings"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": envstr("DSAR_RECORDINGS_ROOT", str(VAR_DIR / "recordings")),
            # Never served: there is no URL for these files.
            "base_url": None,
        },
    }

# Sessions: customers have no accounts; the session carries the verified marker.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# SECURITY: every page, staff and customer: our own files only, no inline script or style
# (the templates have none), images also as data: URIs (the authenticator's QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if envbool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The load balancer's health probe may come over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGIN_URL = "staff-login"
# The portal's own 403 page, in the customer's language, for an expired form.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = envbool(
    "CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_TASK_DEFAULT_QUEUE", "celery")
# A Redis that accepts connections but does not answer fails a publish after this many
# seconds instead of hanging the request; the row stays queued and a beat sweeper re-sends
# it (the broker is a doorbell). Keep it above kombu's 1-second BRPOP poll.
_broker_timeout = envint("CELERY_BROKER_TIMEOUT", 3)
CELERY_BROKER_CONNECTION_TIMEOUT = _broker_timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": _broker_timeout,
    "socket_timeout": _broker_timeout,
    "socket_keepalive": True,
}
# One quick retry, not Celery's default three: a request never waits long for the doorbell.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# E-mail for staff notices; console locally.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "privacy@localhost")
SERVER_EMAIL = envstr("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL (465), not both."
    )
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)

# Messaging: how codes and notices reach the customer.
MESSAGING_GATEWAY = envstr("MESSAGING_GATEWAY", "console" if DEBUG else "")
MESSAGING_FILE = envstr("MESSAGING_FILE", str(VAR_DIR / "messages.jsonl"))
MESSAGING_TIMEOUT = envint("MESSAGING_TIMEOUT", 10)
WHATSAPP_API_URL = envstr("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0")
WHATSAPP_PHONE_NUMBER_ID = envstr("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_ACCESS_TOKEN = envstr("WHATSAPP_ACCESS_TOKEN")
WHATSAPP_OTP_TEMPLATE = envstr("WHATSAPP_OTP_TEMPLATE", "dsar_verification_code")
WHATSAPP_NOTICE_TEMPLATE = envstr("WHATSAPP_NOTICE_TEMPLATE", "dsar_case_update")
SMS_API_URL = envstr("SMS_API_URL", "https://api.twilio.com/2010-04-01")
SMS_ACCOUNT_SID = envstr("SMS_ACCOUNT_SID")
SMS_AUTH_TOKEN = envstr("SMS_AUTH_TOKEN")
SMS_FROM = envstr("SMS_FROM")

# Verification: the numbers we accept and how hard we throttle.
DSAR_COUNTRY = envstr("DSAR_COUNTRY", "NL").upper()
# Regions we send codes to (SMS pumping fraud targets far-away premium routes).
VERIFICATION_ALLOWED_REGIONS = envlist(
    "VERIFICATION_ALLOWED_REGIONS",
    "AT,BE,BG,CH,CY,CZ,DE,DK,EE,ES,FI,FR,GB,GR,HR,HU,IE,IS,IT,LI,LT,LU,LV,MT,NL,NO,PL,PT,RO,SE,SI,SK",
)

# Customer-service data the data map reads (a separate alias, SQLite by default).
DATABASES["customer_service"] = dj_database_url.parse(
    envstr("CUSTOMER_SERVICE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'customer_service.sqlite3'}")
)
# Only background jobs read it, and a discovery may scan a large table in one statement.
CUSTOMER_SERVICE_STATEMENT_TIMEOUT = envint("CUSTOMER_SERVICE_STATEMENT_TIMEOUT", 300)
if DATABASES["customer_service"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["customer_service"].setdefault("OPTIONS", {}).update(
        _postgres_options(CUSTOMER_SERVICE_STATEMENT_TIMEOUT)
    )
DATABASE_ROUTERS = ["portal.routers.PortalRouter"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task is noise in `make run`; failures still log at ERROR.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# SECURITY: codes must never be printed or written to a file in production.
if not DEBUG and MESSAGING_GATEWAY in {"", "console", "file"}:
    raise ImproperlyConfigured(
        f"MESSAGING_GATEWAY={MESSAGING_GATEWAY or '(unset)'} is for local development only; "
        "with DEBUG=false use 'whatsapp' or 'sms'."
    )
_GATEWAY_CREDENTIALS = {
    "whatsapp": ["WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN"],
    "sms": ["SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM"],
}
if not DEBUG and (
    _missing := [n for n in _GATEWAY_CREDENTIALS.get(MESSAGING_GATEWAY, []) if not globals()[n]]
):
    raise ImproperlyConfigured(
        f"MESSAGING_GATEWAY={MESSAGING_GATEWAY} needs {', '.join(_missing)}."
    )

# One-time codes and the verified-subject session (seconds).
VERIFICATION_CODE_VALIDITY = envint("VERIFICATION_CODE_VALIDITY", 10 * 60)
VERIFICATION_MAX_FAILURES = envint("VERIFICATION_MAX_FAILURES", 5)
VERIFICATION_THROTTLE_FACTOR = envint("VERIFICATION_THROTTLE_FACTOR", 1)
VERIFICATION_RESEND_COOLDOWN = envint("VERIFICATION_RESEND_COOLDOWN", 60)
VERIFICATION_LOCKOUT = envint("VERIFICATION_LOCKOUT", 15 * 60)
VERIFICATION_SESSION_IDLE = envint("VERIFICATION_SESSION_IDLE", 15 * 60)
VERIFICATION_SESSION_ABSOLUTE = envint("VERIFICATION_SESSION_ABSOLUTE", 60 * 60)
VERIFICATION_FRESH = envint("VERIFICATION_FRESH", 10 * 60)
# Token buckets: (capacity, per seconds). Checked before any message is sent.
VERIFICATION_RATE_NUMBER = (envint("VERIFICATION_RATE_NUMBER", 5), 60 * 60)
VERIFICATION_RATE_IP = (envint("VERIFICATION_RATE_IP", 20), 60 * 60)
VERIFICATION_RATE_SESSION = (envint("VERIFICATION_RATE_SESSION", 5), 60 * 60)
VERIFICATION_RATE_VERIFY_IP = (envint("VERIFICATION_RATE_VERIFY_IP", 30), 60 * 60)
VERIFICATION_RATE_VERIFY_SESSION = (envint("VERIFICATION_RATE_VERIFY_SESSION", 15), 60 * 60)
# Wrong codes per number a day, whatever the session or code; then no codes for a day.
VERIFICATION_FAILURE_CAP = (envint("VERIFICATION_FAILURE_CAP", 20), 24 * 60 * 60)
# How many reverse proxies stand in front of us, each appending to X-Forwarded-For
# (0: use REMOTE_ADDR). The one rule for rate limits and django-axes: verification/ip.py.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# Numbers that asked for a code are forgotten after this many idle days.
VERIFICATION_RETENTION_DAYS = envint("VERIFICATION_RETENTION_DAYS", 30)
# A code (or block notice) still unsent this long after it was handed to the broker is
# handed to a worker again by the sweeper (the device row is the outbox).
VERIFICATION_SEND_GRACE_SECONDS = envint("VERIFICATION_SEND_GRACE_SECONDS", 30)

CELERY_BEAT_SCHEDULE = {
    "verification-purge-stale": {
        "task": "verification.tasks.purge_stale_task",
        "schedule": 24 * 60 * 60,
    },
}

# The data map and background jobs.
DSAR_DATAMAP_PATH = Path(envstr("DSAR_DATAMAP_PATH", str(BASE_DIR / "datamap.toml")))
# A running job's lease: its worker renews it every third of this; a job whose lease ran
# out (its worker died) is taken over.
DSAR_JOB_STALE_SECONDS = envint("DSAR_JOB_STALE_SECONDS", 30)
DSAR_JOB_TABLE_DELAY = float(envstr("DSAR_JOB_TABLE_DELAY", "0") or 0)
DSAR_PACKAGE_TTL_DAYS = envint("DSAR_PACKAGE_TTL_DAYS", 30)
# A queued job not claimed this long after it was handed to the broker is handed again.
DSAR_JOB_ENQUEUE_GRACE_SECONDS = envint("DSAR_JOB_ENQUEUE_GRACE_SECONDS", 120)
# After an erasure is approved, the customer has this long to cancel it (told on the channel).
DSAR_ERASURE_COOLING_OFF_HOURS = envint("DSAR_ERASURE_COOLING_OFF_HOURS", 24)
CELERY_BEAT_SCHEDULE["dsar-requeue-stale-jobs"] = {
    "task": "dsar.tasks.requeue_stale_jobs_task",
    "schedule": envint("DSAR_SWEEP_SECONDS", 20),
}

# Who customers may complain to (Art. 77), named in refusals and access answers.
DSAR_SUPERVISORY_AUTHORITY = envstr("DSAR_SUPERVISORY_AUTHORITY", "Autoriteit Persoonsgegevens")
DSAR_SUPERVISORY_AUTHORITY_URL = envstr(
    "DSAR_SUPERVISORY_AUTHORITY_URL", "https://autoriteitpersoonsgegevens.nl"
)
# The suppression list keeps an HMAC of each number under this key, never the number: it
# must stay the same for as long as the list is kept (a new key makes every entry unusable),
# and be kept apart from the database backups.
DSAR_SUPPRESSION_KEY = envstr("DSAR_SUPPRESSION_KEY")
if not DSAR_SUPPRESSION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DSAR_SUPPRESSION_KEY must be set when DEBUG is false.")
    DSAR_SUPPRESSION_KEY = "insecure-local-suppression-key-only-for-debug-mode"  # noqa: S105
elif len(DSAR_SUPPRESSION_KEY) < 32:
    raise ImproperlyConfigured("DSAR_SUPPRESSION_KEY must be at least 32 random characters.")
# Checks per minute one client system may make on the suppression-list endpoint.
DSAR_SUPPRESSION_API_RATE = envint("DSAR_SUPPRESSION_API_RATE", 60)
# Where staff reminders go; managers are the members of the Managers group.
DSAR_REMINDER_DAYS = envint("DSAR_REMINDER_DAYS", 5)
# A staff e-mail (reminder, summary) is tried this many times (1, 2, 4 … minutes apart).
DSAR_STAFF_MAIL_ATTEMPTS = envint("DSAR_STAFF_MAIL_ATTEMPTS", 8)
CELERY_BEAT_SCHEDULE["dsar-reminders"] = {
    "task": "dsar.tasks.send_reminders_task",
    "schedule": 60 * 60,
}

from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["dsar-weekly-summary"] = {
    "task": "dsar.tasks.send_weekly_summary_task",
    "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
}
