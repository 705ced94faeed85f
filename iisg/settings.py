"""Settings of the IISG Platform, read from environment variables.

Two modes:
- embedded (the default): SQLite in WAL mode under ./var/, safe local defaults, made for
  `make run` on one machine;
- production (IISG_MODE=production): PostgreSQL through DATABASE_URL; refuses to start with
  DEBUG on, with the default secret key or without ALLOWED_HOSTS.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


MODE = env("IISG_MODE", "embedded")
if MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured("IISG_MODE must be 'embedded' or 'production'.")

_DEFAULT_SECRET_KEY = "embedded-mode-only-not-secret"
SECRET_KEY = env("SECRET_KEY", _DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if MODE == "embedded" else "")

if MODE == "production":
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if SECRET_KEY == _DEFAULT_SECRET_KEY:
        raise ImproperlyConfigured("Set SECRET_KEY: the default key is for the embedded mode only.")
    # Django's own deployment check asks for 50 characters: a shorter key can be guessed offline
    # from one signed cookie.
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY is too short: use at least 50 random characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS in production.")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts: '*' is refused in production.")
    if not env("DATABASE_URL"):
        raise ImproperlyConfigured("Set DATABASE_URL (PostgreSQL) in production.")

# Where the real IISG website excerpts, IATI files and exchange rates live (see README).
SHARED_DATA_DIR = Path(env("IISG_SHARED_DATA", str(BASE_DIR.parent / "shared" / "data")))
VAR_DIR = Path(env("IISG_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "simple_history",
    # Background jobs (the IATI import): Django 6's tasks framework, backported, with its database
    # queue; `manage.py job_worker` runs them (make run starts one).
    "django_tasks",
    "django_tasks_db",
    # Security: login lock-out after repeated failures, TOTP second factor with recovery codes.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "iisg.core",
    "iisg.directory",
    "iisg.needs",
    "iisg.actions",
    "iisg.iati",
    "iisg.analysis",
    "iisg.reports",
    "iisg.events",
    "iisg.governance",
    "iisg.website",
    "iisg.workplace",
    "iisg.demo",
    # The REST API (iisg.api and each app's api/ package), its OpenAPI description and Swagger UI.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "iisg.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # One log line per request (iisg.request) with a request id; early, so it times nearly everything.
    "iisg.core.middleware.RequestLogMiddleware",
    # A locked or unreachable database, or a disk refusing a file: 503 with Retry-After, not a 500.
    "iisg.core.unavailable.UnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user, the second factor and the messages: they end a session past its limits (saying
    # why on the sign-in page) and send the Secretariat to enrol a second factor.
    "iisg.core.middleware.SessionLimitsMiddleware",
    "iisg.core.twofactor.TwoFactorRequiredMiddleware",
    "iisg.core.middleware.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login attempt into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iisg.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "iisg" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iisg.website.context_processors.designation",
                "iisg.workplace.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "iisg.wsgi.application"

if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "iisg.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the write
                # lock at the start of a transaction instead of failing half-way with "locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                # How long a request waits for another's write lock before it answers 503
                # (iisg.core.unavailable): a few seconds a person waits for, not twenty.
                "timeout": 5,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The reason of a history record is a person's comment (why a need was returned, a response
# rejected) or a step's name: kept whole, not cut at django-simple-history's default 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Jobs wait in the database until the worker takes them: no broker to install.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running job holds a lease its worker renews (iisg.core.jobs); once it expired, the job's worker
# is taken as dead and the job marked failed. A job queued this long is stuck: the Secretariat may
# mark it failed. On SIGTERM, `manage.py job_worker` stops within JOB_STOP_SECONDS.
JOB_LEASE_SECONDS = int(env("JOB_LEASE_SECONDS", "60"))
JOB_QUEUED_STUCK_SECONDS = int(env("JOB_QUEUED_STUCK_SECONDS", "3600"))
JOB_STOP_SECONDS = int(env("JOB_STOP_SECONDS", "10"))

# The REST API: reads for anyone (narrowed by iisg.core.permissions), writes only with a token.
REST_FRAMEWORK = {
    # The token first: a request without credentials then answers 401 with WWW-Authenticate: Token.
    # Our tokens (iisg.api.models), kept as digests and expiring, not DRF's plain-text authtoken.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "iisg.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["iisg.api.permissions.RulePermission"],
    "DEFAULT_PAGINATION_CLASS": "iisg.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "iisg.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "IISG Platform API",
    "DESCRIPTION": (
        "Needs, actions, responses, the support mapping and the public records of the Integrative "
        "Internal Security Governance. Anyone reads what the website shows; members read more once "
        "signed in; writes need a token from POST /api/token/."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from this host only (no CDN): the files of drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Each choice set of the domain under its own name (several are called "status" or "kind").
    "ENUM_NAME_OVERRIDES": {
        "NeedStatusEnum": "iisg.needs.choices.NeedStatus",
        "CycleStatusEnum": "iisg.needs.choices.CycleStatus",
        "ActivityStatusEnum": "iisg.actions.choices.ActivityStatus",
        "ResponseStatusEnum": "iisg.actions.choices.ResponseStatus",
        "BudgetStatusEnum": "iisg.actions.choices.BudgetStatus",
        "EventStatusEnum": "iisg.events.choices.EventStatus",
        "ProductStatusEnum": "iisg.governance.choices.ProductStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "iisg.api.schema.add_error_responses",
    ],
}

# A cache the web workers and the job worker share (the progress of an import, the data version and
# the anonymous public pages of iisg.core.pagecache), in files: nothing more to run in the embedded
# mode. With REDIS_URL, Redis: every web machine and job worker sees the same one.
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pages",
        },
    }
else:
    CACHE_DIR = Path(env("IISG_CACHE_DIR", str(VAR_DIR / "cache")))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR),
            # Past MAX_ENTRIES the file cache deletes a third of its entries at random; a running job's
            # lease renewal must not be among them (iisg.core.jobs), so the bound is far above use.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        },
        # The pages in a folder of their own: a crawler's thousand addresses cull pages, never a lease.
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR / "pages"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # The similarity validator misses the username doubled or reversed ("focalfocal").
    {"NAME": "iisg.core.passwords.UsernameInPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = env("TIME_ZONE", "Europe/Brussels")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Documents (product files) are kept apart from MEDIA_ROOT and never served as media: they leave
# only through the download view, which checks who may see them (iisg.core.storage).
DOCUMENTS_ROOT = Path(env("DOCUMENTS_ROOT", str(VAR_DIR / "documents")))
# `manage.py backup` encrypts with one of these when set, and `restore` needs the same one
# (iisg.core.backup_encryption): a passphrase (scrypt) or a key, 32 bytes in base64.
BACKUP_PASSPHRASE = env("BACKUP_PASSPHRASE")
BACKUP_KEY = env("BACKUP_KEY")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if MODE == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# In the embedded mode static files are served straight from the apps, no collectstatic needed.
WHITENOISE_USE_FINDERS = MODE == "embedded"
if MODE == "embedded":
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"
# Where a sign-in goes when its `next` is missing or refused (another host): the back office, the
# only place to sign in (its form admits staff only).
LOGIN_REDIRECT_URL = "admin:index"

# Security ---------------------------------------------------------------------------------------
# django-axes checks every login first: after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused (HTTP 429, admin/lockout.html) until the cool-off is over;
# others still log in. A success clears the count. Each refused try restarts the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
# Guesses spread over many addresses: a username is also locked out, from every address, after this
# many failures from all of them together within the cool-off. django-axes 8 compares every lockout
# parameter with the one AXES_FAILURE_LIMIT, so this second limit is counted by our handler.
AXES_USERNAME_FAILURE_LIMIT = int(env("AXES_USERNAME_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "iisg.core.accounts.LockOutHandler"
# The lock-out page for people, JSON for the API (iisg.core.accounts.lock_out_response).
AXES_LOCKOUT_CALLABLE = "iisg.core.accounts.lock_out_response"
# How many proxies (a TLS terminator, a load balancer) stand between the users and gunicorn: the
# client's address is then read from X-Forwarded-For that many entries from the right
# (iisg.core.clients). 0, the default, trusts no header: the address is the connection's.
TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "0"))
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES counts proxies: 0 or more.")
AXES_CLIENT_IP_CALLABLE = "iisg.core.clients.client_address"
# The TOTP secrets stay out of the back office's device pages once a device exists.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_ISSUER = "IISG Platform"
# API tokens (iisg.api): the longest a token may work, in days; each one names its own last day.
API_TOKEN_MAX_DAYS = int(env("API_TOKEN_MAX_DAYS", "90"))
if API_TOKEN_MAX_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_MAX_DAYS counts days: 1 or more.")
# The Secretariat and superusers must sign in with a second factor (iisg.core.twofactor): on in
# production; off in the embedded mode, where `make run`'s demo logins sign in with the password.
OTP_REQUIRED_FOR_STAFF = env_bool("OTP_REQUIRED_FOR_STAFF", MODE == "production")
# Sessions (iisg.core.middleware.SessionLimitsMiddleware): signed out this long after signing in,
# whatever happens, and after this long without a request. The cookie dies with the absolute limit.
SESSION_ABSOLUTE_HOURS = int(env("SESSION_ABSOLUTE_HOURS", "12"))
SESSION_IDLE_MINUTES = int(env("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600

# Content Security Policy (django-csp): scripts only from our static files, never inline; nothing
# from another host; no plugins, no framing.
# Styles keep 'unsafe-inline': the public pages colour each pillar through `style="--pillar-colour: …"`
# attributes, the admin writes inline style attributes, and pygal's SVG charts carry <style>
# elements. With scripts locked to 'self' and rich text stripped of style, the remaining risk
# (injected CSS) needs markup an attacker cannot write.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie: the admin's forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Request bodies: forms stay small (uploads are files, streamed to disk past the memory limit and
# checked by iisg.core.uploads, the workbook and IATI limits); Django's limit of 1,000 fields would
# refuse the forms of an action with many transactions.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The largest IATI activity file the back office accepts for import, in bytes.
IATI_UPLOAD_MAX_BYTES = int(env("IATI_UPLOAD_MAX_BYTES", str(300 * 1024 * 1024)))

# What one uploaded Excel workbook (needs, actions) may hold; a file past a limit is refused whole
# (iisg.core.workbook). Rows: data rows a sheet (the platform must take 5,000). Cells: a sheet's
# cells, every column counted. Sizes: what one part of the .xlsx (a sheet), and all of them, unpack
# to; a 10,000-row needs sheet unpacks to about 15 MB.
WORKBOOK_MAX_ROWS = int(env("WORKBOOK_MAX_ROWS", "10000"))
WORKBOOK_MAX_CELLS = int(env("WORKBOOK_MAX_CELLS", "300000"))
WORKBOOK_MAX_PART_SIZE = int(env("WORKBOOK_MAX_PART_SIZE", str(64 * 1024 * 1024)))
WORKBOOK_MAX_UNPACKED_SIZE = int(env("WORKBOOK_MAX_UNPACKED_SIZE", str(128 * 1024 * 1024)))
# A workbook with more data rows than this (all its sheets together) is checked and applied by the
# job worker, its page following the progress, rather than inside the web request.
WORKBOOK_BACKGROUND_ROWS = int(env("WORKBOOK_BACKGROUND_ROWS", "500"))

# After every committed change of the data, the job worker computes the support mappings visitors
# will ask for and keeps them in the shared cache (iisg.analysis.receivers), so that no visitor
# waits for the computation; off, the first visitor after a change computes it.
SUPPORT_MAPPING_WARM_UP = env_bool("SUPPORT_MAPPING_WARM_UP", True)

# `load_demo` gives each demo material a file (the generated reports, a PDF of the others); off, the
# demo loads faster and its materials have no file (the tests' shared demo leaves them out).
DEMO_MATERIAL_FILES = env_bool("DEMO_MATERIAL_FILES", True)

# The platform as IATI publisher (the IISG Secretariat): its IATI organisation identifier reports the
# actions that have no reporting organisation of their own, and prefixes the IATI identifiers of the
# actions entered here (iisg.actions.identifiers). The embedded mode uses a demo identifier under the
# IATI registry's "XI-IATI" prefix; production has none until one is registered: such actions are then
# left out of the IATI export, with that reason.
IATI_PUBLISHER_REF = env("IATI_PUBLISHER_REF", "XI-IATI-IISGDEMO" if MODE == "embedded" else "").strip()
IATI_PUBLISHER_NAME = env("IATI_PUBLISHER_NAME", "IISG Secretariat")
# IATI OrganisationType of the publisher: 40 (multilateral), as the export types the regional
# intergovernmental bodies of the directory (the Secretariat is hosted by the RCC); see iisg.iati.export.
IATI_PUBLISHER_TYPE = env("IATI_PUBLISHER_TYPE", "40")

# E-mail, with Django's own setting names. Without EMAIL_HOST in the embedded mode, mails are written
# as files under var/mail/ (and kept in the back office), so `make run` needs no mail server. Mails
# are sent by the job worker (iisg.workplace.mail): tried MAIL_ATTEMPTS times, waiting
# MAIL_RETRY_SECONDS and then twice as long each time, before they are marked failed.
EMAIL_HOST = env("EMAIL_HOST", "")
if EMAIL_HOST or MODE == "production":
    EMAIL_HOST = EMAIL_HOST or "localhost"
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
elif MODE == "embedded":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "IISG Platform <noreply@iisg.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_ATTEMPTS = int(env("MAIL_ATTEMPTS", "5"))
MAIL_RETRY_SECONDS = int(env("MAIL_RETRY_SECONDS", "60"))
# The address people reach the platform at: the links in mails start with it.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Where the accessibility statement asks people to report a barrier. Empty by default: no address
# is invented; without one the statement points to the Secretariat's website from the directory.
IISG_CONTACT_EMAIL = env("IISG_CONTACT_EMAIL", "")

if MODE == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health probe speaks plain HTTP to the worker: answer it, do not redirect it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Log lines as JSON objects, one a line, for a log collector (the production default), or as text
# a person reads in a terminal (the embedded default). Lines written while a request is served carry
# its request_id.
LOG_FORMAT = env("LOG_FORMAT", "json" if MODE == "production" else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"request_id": {"()": "iisg.core.middleware.RequestIdFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of every PDF at INFO: noise in the worker's log.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
