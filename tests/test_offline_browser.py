"""The offline visit app on a 360 px phone in Chromium: download, go offline, fill the household's
forms with a photo each, finish the visit, reload offline (served by the service worker), open
it again in a new tab (asks for the password), go online, watch the sync; the server then has one
form per person and one completion. Screenshots: tests/artifacts/offline-*.png."""
import io
import tempfile

from PIL import Image

from webapp.extensions import db
from webapp.models import CaseEvent, DocumentPhoto, OfflineEntry, RegistrationForm, User
from webapp.services.casework import supervision

from .browser_fixtures import BROWSER_MARKS, open_browser, assert_fits
from .helpers import case_at_visit, open_task, user

pytestmark = BROWSER_MARKS


def camera_photo():
    """A large camera-like JPEG (the page must shrink it to at most 300 KB)."""
    image = Image.effect_noise((2400, 1800), 60).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def open_app(page):
    """Log in through /login?next=/offline/ (the installed app's start) and wait for the worker."""
    page.goto("/offline/")
    page.fill("#username", "village1")
    page.fill("#password", "demo1234")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/offline/")
    # (wait_for_function evaluates a string, which the strict CSP forbids: poll inside the page)
    assert page.evaluate("""async () => { await navigator.serviceWorker.ready;
        for (let i = 0; i < 200 && !navigator.serviceWorker.controller; i++) { await new Promise(r => setTimeout(r, 50)); }
        return navigator.serviceWorker.controller !== null; }""")


def fill_person(page, expect, member_id, photo):
    page.locator(f'#members li[data-id-number="{member_id}"] a.button').click()
    expect(page.locator("#person")).to_be_visible()
    page.select_option("#medical_scheme", "resident_medical")
    page.select_option("#medical_where", "local")
    page.select_option("#outcome_code", "willing")
    page.check("#policy_explained")
    page.set_input_files("#photo-id_front", files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(page.locator("#preview-id_front")).to_be_visible()
    assert int(page.locator("#preview-id_front").get_attribute("data-size")) <= 300 * 1024
    page.locator("#registration-form button[type=submit]").click()
    # The signature was left out: the phone refuses with the server's rule, nothing is queued.
    expect(page.locator("#registration-form .field p.error.client")).to_have_count(1)
    page.select_option("#signature", "signed")
    page.locator("#registration-form button[type=submit]").click()
    expect(page.locator(f'#members li[data-id-number="{member_id}"] .state')).to_have_text("待同步")


def test_offline_visit_syncs_once(live_server):
    from playwright.sync_api import expect, sync_playwright

    case = case_at_visit()
    task_id = open_task(case, "visit_household").id
    members = [p.id_number for p in case.household.persons]
    db.session.commit()
    photo = camera_photo()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 360)
        try:
            open_app(page)
            page.locator("#download").click()
            expect(page.locator(f'a.visit-link[href="#visit/{task_id}"]')).to_be_visible()

            context.set_offline(True)
            page.locator(f'a.visit-link[href="#visit/{task_id}"]').click()
            expect(page.locator("#visit")).to_be_visible()
            for member in members:
                fill_person(page, expect, member, photo)
            assert_fits(page, "offline-visit-360")
            page.check('#finish-form input[value="completed"]')  # visit-visit_result
            page.locator("#finish-form button[type=submit]").click()
            expect(page.locator("#finish-state")).to_contain_text("待同步")

            reloaded = page.reload()
            assert reloaded.from_service_worker  # the shell came from the worker's cache
            expect(page.locator("#visit")).to_be_visible()
            expect(page.locator("#members .state").first).to_have_text("待同步")

            again = context.new_page()  # reopening the app: the key is not there, the password is asked
            again.goto("/offline/")
            expect(again.locator("#unlock")).to_be_visible()
            again.fill("#unlock-password", "wrong-password")
            again.locator("#unlock-form button").click()
            expect(again.locator("#unlock-error")).to_be_visible()
            again.fill("#unlock-password", "demo1234")
            again.locator("#unlock-form button").click()
            expect(again.locator("#home")).to_be_visible()
            expect(again.locator("#queue-count")).to_have_text(str(2 * len(members) + 1))
            assert_fits(again, "offline-home-360")
            again.close()

            context.set_offline(False)
            page.locator("#sync-now").click()  # the online event also starts it; this makes it certain
            expect(page.locator("#net-status")).to_have_text("同步完成", timeout=30_000)
            page.goto("/offline/")
            expect(page.locator("#queue-count")).to_have_text("0")
            assert page.evaluate("Object.keys(sessionStorage).includes('offline-key')")
            # Downloaded work older than OFFLINE_KEEP_DAYS is wiped when the app opens.
            page.evaluate("""() => new Promise(done => { const open = indexedDB.open('offline-visits', 1);
                open.onsuccess = () => { const tx = open.result.transaction('meta', 'readwrite');
                  const store = tx.objectStore('meta'); const get = store.get('meta');
                  get.onsuccess = () => { const meta = get.result; meta.downloaded_at = '2026-01-01T00:00:00Z';
                    store.put(meta, 'meta'); }; tx.oncomplete = () => { open.result.close(); done(); }; }; })""")
            page.reload()
            expect(page.locator("#net-status")).to_have_text("本机保存的任务已超过保存期限，已清除。")
            assert page.evaluate("indexedDB.databases().then(list => list.map(d => d.name))") == []
        finally:
            context.close()
    db.session.expire_all()
    assert RegistrationForm.query.filter_by(case_id=case.id).count() == len(members)
    assert CaseEvent.query.filter_by(case_id=case.id, kind="task_completed", task_name="visit_household").count() == 1
    assert DocumentPhoto.query.filter_by(case_id=case.id).count() == len(members)
    assert all(p.size <= 300 * 1024 for p in DocumentPhoto.query.filter_by(case_id=case.id))
    assert [f for f in failures if "/offline/api/" not in f] == []


def test_reassigned_while_offline_is_shown_and_kept(live_server):
    from playwright.sync_api import expect, sync_playwright

    case = case_at_visit()
    row = open_task(case, "visit_household")
    task_id, member = row.id, case.household.persons[0].id_number
    colleague = User(username="village1b", display_name="同村协理员", role="village", area=user("village1").area)
    colleague.set_password("demo1234")
    db.session.add(colleague)
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 360)
        try:
            open_app(page)
            page.locator("#download").click()
            expect(page.locator(f'a.visit-link[href="#visit/{task_id}"]')).to_be_visible()
            context.set_offline(True)
            page.locator(f'a.visit-link[href="#visit/{task_id}"]').click()
            page.locator(f'#members li[data-id-number="{member}"] a.button').click()
            page.select_option("#medical_scheme", "resident_medical")
            page.select_option("#medical_where", "local")
            page.select_option("#outcome_code", "willing")
            page.select_option("#signature", "signed")
            page.fill("#note", "离线时填写的备注")
            page.locator("#registration-form button[type=submit]").click()
            expect(page.locator(f'#members li[data-id-number="{member}"] .state')).to_have_text("待同步")

            supervision.reassign(db.session.get(type(row), task_id), colleague, user("supervisor"), "休假")
            db.session.commit()

            context.set_offline(False)
            page.locator("#back-home").click()
            page.locator("#sync-now").click()
            conflict = page.locator('#queue li[data-state="conflict"]')
            expect(conflict).to_contain_text("改派")
            conflict.locator("summary").click()
            expect(conflict.locator("dd", has_text="离线时填写的备注")).to_be_visible()
            assert_fits(page, "offline-conflict-360")
        finally:
            context.close()
    db.session.expire_all()
    assert RegistrationForm.query.filter_by(case_id=case.id).count() == 0
    assert OfflineEntry.query.filter_by(case_id=case.id).one().data["note"] == "离线时填写的备注"
