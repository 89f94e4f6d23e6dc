"""Settings for Admin Center · Billing: one module, configured by environment variables (.env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A missing SECRET_KEY is an error unless DEBUG is on (the demo and the tests run with DEBUG or a test key).
SECRET_KEY = env("SECRET_KEY", default="insecure-demo-key-only-for-debug" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "accounts",
    "billing",
]
# Demo data and benchmarks (devtools/): `make run`, `make bench` and the tests load them; production does not.
DEV_TOOLS = env.bool("DEV_TOOLS", default=DEBUG)
if DEV_TOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.MembershipMiddleware",
    "accounts.middleware.PrivateResponseMiddleware",
    "billing.middleware.AccountAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# The page benchmark serves devtools.urls_bench (the same URLs plus a baseline page); nothing else changes it.
ROOT_URLCONF = env("ROOT_URLCONF", default="config.urls")
WSGI_APPLICATION = "config.wsgi.application"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
                "accounts.context_processors.admin_center",
                "billing.context_processors.banners",
            ],
        },
    },
    {
        # Plain-text emails (billing/emails.py): text is not HTML, so nothing is escaped — "R&D's" stays as
        # typed. Their HTML part escapes the text once (billing/outbox.py).
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Keep connections between requests (a new PostgreSQL connection costs more than most pages; even SQLite's
# costs a millisecond of setup). Health checks drop a connection the server closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL: server-side parameters let psycopg prepare a query after its 5th run on a connection, and the
# server stops planning it again (planning the sign-in join costs more than running it). Behind PgBouncer in
# transaction mode, set PG_PREPARED_STATEMENTS=0 unless it tracks prepared statements (1.21+).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "PG_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
# SQLite: parallel writers wait for each other instead of failing with "database is locked" (issue 16).
# IMMEDIATE takes the write lock at BEGIN, so a transaction that read first never fails to upgrade; WAL
# lets pages read while one request writes; a writer waits up to SQLITE_TIMEOUT seconds for its turn.
# synchronous=FULL: a commit survives a power cut too, not only a killed process (money is recorded here).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=env.int("SQLITE_TIMEOUT", default=20),
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "accounts:login"
# Argon2 for new and changed passwords; older hashes still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# django-axes first: it refuses a locked-out email + address before the password is even checked. Then
# Django's ModelBackend, loading the user's membership in the same query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.MembershipBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # Django's own dates (the staff console) formatted as the app's
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Background work (R7.6, the data export): Django's tasks API. The immediate backend runs tasks at once (the
# demo, the tests); production uses the database backend and runs `python manage.py db_worker`.
TASKS = {
    "default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend")}
}
# The sandbox payment provider's own ledger (billing/sandbox.py): a SQLite file of its own, outside the app's
# database, as a real provider's records are.
PAYMENT_SANDBOX_LEDGER = env.path(
    "PAYMENT_SANDBOX_LEDGER", default=BASE_DIR / "var" / "sandbox-ledger.sqlite3"
)
# The payment provider (R12.1): the sandbox (test card numbers, no network) or Stripe. The Stripe keys come
# from its dashboard (test mode first); STRIPE_API_BASE points the library elsewhere only for tests
# (localstripe).
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="sandbox")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
# Stripe.js, loaded by the Payment page to confirm a payment with the bank (tests: localstripe's stand-in).
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
if PAYMENT_PROVIDER not in ("sandbox", "stripe"):
    raise ImproperlyConfigured("PAYMENT_PROVIDER is either sandbox or stripe.")
if PAYMENT_PROVIDER == "stripe" and not STRIPE_SECRET_KEY:
    raise ImproperlyConfigured("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY.")
# Files the app writes (data exports). They are served only through views that check who asks.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# The address of the site, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that does not answer within this is given up on; the email is tried again later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# A sender holding an email longer than this is presumed dead: the billing clock sends it (billing/outbox.py).
# Keep it well above EMAIL_TIMEOUT, or a slow but living sender would be doubled.
EMAIL_LEASE_SECONDS = env.int("EMAIL_LEASE_SECONDS", default=300)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Admin Center Billing <billing@example.test>")
# Where change requests and support contacts go (R2.4, R4.2).
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="support@example.test")
# The seller printed on invoices, its VAT registration (billing/tax.py decides the VAT from it) and the
# bank account that transfer invoices ask to be paid to. Each issued invoice keeps a copy of them (R8.9).
INVOICE_SELLER_NAME = env("INVOICE_SELLER_NAME", default="Admin Center Billing Ltd")
INVOICE_SELLER_ADDRESS = env("INVOICE_SELLER_ADDRESS", default="1 Example Street\nDublin D02 X285")
INVOICE_SELLER_COUNTRY = env("INVOICE_SELLER_COUNTRY", default="IE")
INVOICE_SELLER_VAT_NUMBER = env("INVOICE_SELLER_VAT_NUMBER", default="IE1234567T")
INVOICE_SELLER_BANK_NAME = env("INVOICE_SELLER_BANK_NAME", default="Allied Irish Banks")
INVOICE_SELLER_IBAN = env("INVOICE_SELLER_IBAN", default="IE29AIBK93115212345678")
INVOICE_SELLER_BIC = env("INVOICE_SELLER_BIC", default="AIBKIE2D")
# The CJK font of PDFs (billing/pdf/document.py), loaded only for text with CJK characters (a buyer named
# 株式会社…): Debian's fonts-noto-cjk by default. Missing, such PDFs are made without those characters and a
# warning is logged.
PDF_CJK_FONT = env("PDF_CJK_FONT", default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

# Production security, switched on by environment (docs/deploy.md). Behind a TLS-terminating proxy set
# BEHIND_PROXY=1 so Django trusts its X-Forwarded-Proto and the sign-in throttle its X-Forwarded-For.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions live in the database, so any number of app servers sharing it see the same sign-ins.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy: only this site's own scripts and styles, nothing inline (htmx is told not to
# inject its indicator styles, see base.html), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
if PAYMENT_PROVIDER == "stripe":
    # Stripe.js is loaded from Stripe, frames its bank windows from there, and calls Stripe's API.
    _STRIPE_JS = "{0.scheme}://{0.netloc}".format(urlsplit(STRIPE_JS_URL))
    _CSP = CONTENT_SECURITY_POLICY["DIRECTIVES"]
    _CSP["script-src"] = [*_CSP["script-src"], _STRIPE_JS]
    _CSP["frame-src"] = ["'self'", _STRIPE_JS]
    _CSP["connect-src"] = list(
        dict.fromkeys(
            [*_CSP["connect-src"], _STRIPE_JS, "{0.scheme}://{0.netloc}".format(urlsplit(STRIPE_API_BASE))]
        )
    )

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one email from one address,
# that pair is refused (429) for AXES_COOLOFF_MINUTES; a successful sign-in clears the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's email field keeps Django's name
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
