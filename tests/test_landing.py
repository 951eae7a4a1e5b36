"""Each role lands on its own start page after log-in and its menu lists only what it can use."""
import re

import pytest

LANDING = {"village1": "/inbox?view=mine", "township": "/inbox?view=team", "county": "/inbox?view=mine",
           "agency": "/intake/#runs", "supervisor": "/supervision/", "gongan": "/intake/",
           "admin": "/admin/users"}
MENU = {"village1": {"nav-tasks", "nav-cases", "nav-registry", "site-search"},
        "township": {"nav-tasks", "nav-cases", "nav-registry", "site-search"},
        "county": {"nav-tasks", "nav-cases", "nav-registry", "nav-intake", "site-search"},
        "agency": {"nav-tasks", "nav-cases", "nav-registry", "nav-intake", "site-search"},
        "supervisor": {"nav-cases", "nav-registry", "nav-intake", "nav-supervision", "site-search"},
        "gongan": {"nav-intake"},
        "admin": {"nav-intake", "nav-ops", "nav-incidents"}}
CHECKED = {"nav-tasks", "nav-cases", "nav-registry", "nav-intake", "nav-supervision", "nav-ops",
           "nav-incidents", "site-search"}


def _location(response):
    return re.sub(r"^https?://[^/]+", "", response.headers["Location"])


@pytest.mark.parametrize("username", sorted(LANDING))
def test_role_lands_on_its_start_page_and_sees_its_menu(county, client, username):
    response = client.post("/login", {"username": username, "password": "demo1234"})
    assert response.status_code == 302 and _location(response) == "/"
    home = client.get("/")
    assert _location(home) == LANDING[username]
    page = client.get(LANDING[username].split("#")[0])
    assert page.status_code == 200
    header = re.search(r"<header.*?</header>", page.get_data(as_text=True), re.S).group(0)
    shown = {i for i in re.findall(r'id="([a-z-]+)"', header) if i in CHECKED}
    assert shown == MENU[username]


def test_data_provider_is_not_shown_empty_task_and_case_lists(county, client):
    client.login("gongan")
    for url in ("/inbox", "/cases/"):
        response = client.get(url)
        assert response.status_code == 302 and _location(response) == "/intake/"


def test_a_safe_next_is_respected_and_an_unsafe_one_is_not(county, client):
    response = client.post("/login?next=/cases/", {"username": "township", "password": "demo1234"})
    assert _location(response) == "/cases/"
    client.logout()
    response = client.post("/login?next=//evil.example/x", {"username": "township", "password": "demo1234"})
    assert _location(response) == "/"
