"""Staff accounts in a real browser: the administrator creates a user (only areas fitting the role
are offered), imports a sheet with bad rows, confirms and downloads the initial passwords; the new
user is held on the change-password page until they change it. Screenshots of the users page and
the import report go to tests/artifacts/."""
import io

from openpyxl import Workbook, load_workbook

from webapp.models import Area

from .browser_fixtures import BROWSER_MARKS as pytestmark, log_in, save_shot  # noqa: F401 (pytest reads it)

TOWNSHIP_CODE = "341721100000"


def _sheet_file(tmp_path, villages):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "登录名", "角色", "区划代码"])
    sheet.append(["王小明", "wangxm", "村(社区)协理员", villages[3].code])
    sheet.append(["李四", "lisi", "乡镇社保所", TOWNSHIP_CODE])
    sheet.append(["赵六", "zhaoliu", "村长", villages[4].code])
    sheet.append(["孙八", "sunba", "村(社区)协理员", TOWNSHIP_CODE])
    sheet.append(["吴十", "village1", "village", villages[5].code])
    path = tmp_path / "staff.xlsx"
    workbook.save(path)
    return str(path)


def test_admin_manages_staff_accounts_in_the_browser(browser_page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page, failures = browser_page
    township = Area.query.filter_by(code=TOWNSHIP_CODE).one()
    villages = Area.query.filter_by(parent_id=township.id).order_by(Area.code).all()
    sheet_path = _sheet_file(tmp_path, villages)
    try:
        log_in(page, "admin")
        page.goto("/admin/users")
        expect(page.locator("#user-table")).to_contain_text("village1")
        save_shot(page, "users")

        # Create a township staff member: only townships are offered once the role is chosen.
        page.locator("#new-user").click()
        page.fill("#username", "zhangsan")
        page.fill("#display_name", "张三")
        page.select_option("#role", value="township")
        expect(page.locator('#area_id optgroup[data-level="village"]')).to_be_hidden()
        page.select_option("#area_id", label=township.name)
        page.locator("#user-form button[type=submit]").click()
        password = page.locator("code.password").inner_text()
        assert len(password) >= 12

        # Import a sheet with bad rows: the report names each row and what is wrong.
        page.goto("/admin/users/import")
        page.set_input_files("#file", sheet_path)
        page.locator("#import-form button[type=submit]").click()
        report = page.locator("#import-errors")
        expect(report.locator('tr[data-row="4"]')).to_contain_text("未知的角色")
        expect(report.locator('tr[data-row="5"]')).to_contain_text("所属地区必须是村或社区")
        expect(report.locator('tr[data-row="6"]')).to_contain_text("已存在于系统中")
        save_shot(page, "users_import")
        with page.expect_download() as download_info:
            page.locator("#import-confirm button[type=submit]").click()
        sheet = load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read())).active
        logins = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(logins) == ["lisi", "wangxm"]

        # The new user is held on the change-password page until the password is changed.
        page.locator("header form button.link").first.click()  # log out
        log_in(page, "zhangsan", password)
        expect(page.locator("#change-password")).to_be_visible()
        page.goto("/cases/")
        expect(page.locator("#change-password")).to_be_visible()
        page.fill("#current_password", password)
        page.fill("#new_password", "Xiangzhen2026")
        page.fill("#confirm_password", "Xiangzhen2026")
        page.locator("#change-password button[type=submit]").click()
        expect(page.locator(".flash.success")).to_contain_text("密码已修改")
    except Exception:
        save_shot(page, "failure_staff")
        raise
    assert failures == []
