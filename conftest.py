"""Fixtures shared by every app's tests."""

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    """A test said to be the same on every database must not reach one."""
    for item in items:
        if item.get_closest_marker("same_on_every_database") and (
            item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(item.fixturenames)
        ):
            raise pytest.UsageError(f"{item.nodeid} uses the database: it cannot be same_on_every_database")


@pytest.fixture
def albania():
    from iisg.core.tests.factories import PartnerFactory

    return PartnerFactory(code="AL")


@pytest.fixture
def serbia():
    from iisg.core.tests.factories import PartnerFactory

    return PartnerFactory(code="RS")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files and documents of a test go to its own folders, never to ./var."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENTS_ROOT = tmp_path / "documents"


@pytest.fixture(autouse=True)
def _no_support_mapping_kept_between_tests():
    """The support mappings a process keeps are keyed by the data's history; a rolled-back test
    can leave the next one the same history ids, so each test starts with none kept."""
    from iisg.analysis.selectors import forget_computed

    forget_computed()


@pytest.fixture(autouse=True)
def _no_sector_suggester_kept_between_tests():
    """Likewise the DAC sector suggester a process keeps (iisg.analysis.sectors.current_suggester)."""
    from iisg.analysis.sectors import forget_suggester

    forget_suggester()


@pytest.fixture(autouse=True)
def _no_codelist_names_kept_between_tests():
    """Likewise the codelists' codes and names a process reads once (iisg.iati.codelists)."""
    from iisg.iati.codelists import clear_cache

    clear_cache()


@pytest.fixture(autouse=True)
def _cache_of_the_test(settings):
    """Each test starts with an empty cache of its own process (memory, not ./var/cache): no page,
    data version or job progress of another test, nor of another pytest worker."""
    from django.core.cache import caches

    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"tests-{alias}"}
        for alias in ("default", "pages")
    }
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def announced():
    """The workflow steps announced during a test (iisg.core.events.Event), in order; a step is
    announced once its transaction commits (`django_capture_on_commit_callbacks(execute=True)` in
    a plain django_db test)."""
    from iisg.core.events import step_done

    events = []

    def listen(sender, event, **kwargs):
        events.append(event)

    step_done.connect(listen, dispatch_uid="tests-announced")
    yield events
    step_done.disconnect(dispatch_uid="tests-announced")


@pytest.fixture(scope="session", autouse=True)
def _caches_of_this_session(tmp_path_factory):
    """The caches of a test session in a place of their own, never ./var/cache of `make run` nor the
    other xdist worker's: a page cached or a data version read by one session is never seen by
    another (a rolled-back test bumps no version)."""
    from django.conf import settings
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("cache")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    caches = {}
    for alias, config in settings.CACHES.items():
        if config["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
            caches[alias] = {**config, "LOCATION": str(folder / alias)}
        else:
            caches[alias] = {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}test-{worker}-{os.getpid()}"}
    with override_settings(CACHES=caches):
        yield


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_support_mapping_warm_up(settings):
    """Tests that share a file cache with a job worker (imports, workbooks) would otherwise find a
    warm-up job queued after each committed write; iisg/analysis/tests/test_warm_up.py turns it on."""
    settings.SUPPORT_MAPPING_WARM_UP = False
    settings.DEMO_MATERIAL_FILES = False  # load_demo in a test makes no files; test_materials.py does


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many logins; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="session")
def _database_before_demo(django_db_setup, django_db_blocker):
    from iisg.core.tests.snapshots import take_snapshot

    with django_db_blocker.unblock():
        return take_snapshot("before_demo")


def _load_demo_once(django_db_blocker, before, *, with_logins):
    from django.test import override_settings

    from iisg.core.tests.snapshots import DemoCopy, take_snapshot
    from iisg.demo.services import load_demo

    # The shared demo has no material files (iisg/demo/tests/test_materials.py makes them).
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS, DEMO_MATERIAL_FILES=False):
        summary = load_demo(with_logins=with_logins)
        snapshot = take_snapshot("demo" if with_logins else "demo_without_logins")
        before.restore()
    return DemoCopy(summary, snapshot)


@pytest.fixture(scope="session")
def demo_database(django_db_blocker, _database_before_demo):
    """The demo (content, logins, mapping), loaded once per session (per xdist worker) and copied:
    `demo_database.restore()` puts it back into the test database and answers its summary. A
    browser test (transactional) calls it itself; tests that share the demo over a module use
    iisg.core.tests.snapshots.demo_for_module. Tests of load_demo itself still call it."""
    return _load_demo_once(django_db_blocker, _database_before_demo, with_logins=True)


@pytest.fixture(scope="session")
def demo_database_without_logins(django_db_blocker, _database_before_demo):
    """The demo as `load_demo(with_logins=False)` loads it, like demo_database."""
    return _load_demo_once(django_db_blocker, _database_before_demo, with_logins=False)


# Playwright drives Debian's Chromium: its own browser download cannot reach this network.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (creating data, asserting) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


AXE_CORE = Path(__file__).parent / "iisg" / "core" / "tests" / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def signed_in(browser, live_server):
    """A page of a new browser context, signed in to the back office as `user` (whose password is
    the factories' PASSWORD)."""
    from iisg.core.tests.factories import PASSWORD

    contexts = []

    def sign_in(user):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def assert_accessible():
    """Run axe-core (vendored from the npm registry) on a Playwright page: no serious or critical
    WCAG 2.1 AA violation may remain."""

    def check(page):
        # Evaluated through the DevTools protocol, not added as an inline <script>: the pages'
        # Content Security Policy refuses inline scripts, and the tests keep that policy on.
        page.evaluate(AXE_CORE.read_text(encoding="utf-8"))
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            WCAG_21_AA,
        )
        serious = [v for v in results["violations"] if v["impact"] in {"serious", "critical"}]
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in serious
        )
        assert not serious, f"axe-core on {page.url}:\n{report}"
        return results

    return check


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, and Django's SMTP backend pointed
    at it for the test (the live server's thread too). It keeps every message it receives:
    `smtp_server.messages`, `smtp_server.wait_for(n, timeout=10)` (waits until n have arrived: mail
    sent from the live server or the worker arrives a little later), `smtp_server.to(address)`; each
    is a `Received` (iisg.workplace.tests.smtp) with `subject`, `from_`, `to`, `recipients`, `text`,
    `html` and the parsed `message` (email.message.EmailMessage). `smtp_server.refuse("451 4.3.0
    Try again later")` makes it refuse every message until `smtp_server.accept()`.

    Mail is not sent by the request that queues it (iisg.workplace.mail.queue_mail) but by the job
    worker, from the database queue, once the request's transaction commits: call the
    `deliver_queued_mail` fixture's function to run the due jobs now, then `wait_for`."""
    from iisg.workplace.tests.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def deliver_queued_mail():
    """A function that runs now, as the job worker would, every send_mail job due in the database
    queue (retries queued without delay too) and answers how many ran. Jobs are enqueued when the
    transaction that queued the mail commits: at once in browser tests (transactional) and in the
    live server; in a plain `django_db` test, queue the mail inside
    `django_capture_on_commit_callbacks(execute=True)`. Without `smtp_server`, the mail goes to
    Django's test outbox (`django.core.mail.outbox`)."""
    from iisg.workplace.tests.smtp import run_queued_mail_jobs

    return run_queued_mail_jobs
