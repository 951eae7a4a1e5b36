"""The site icon: what a browser asks for by itself (/favicon.ico) and what every page links
(base.html's ``<link rel="icon">``) answer with an image from the site itself, so the strict
Content-Security-Policy (img-src 'self') lets the browser show it and its console stays quiet."""
import io
import re

from PIL import Image


def _icon_answer(client, url):
    answer = client.get(url)
    assert answer.status_code == 200, url
    assert answer.mimetype.startswith("image/"), answer.mimetype
    image = Image.open(io.BytesIO(answer.data))
    assert image.format == "ICO" and (16, 16) in image.info["sizes"] and (32, 32) in image.info["sizes"]
    return answer


def test_favicon_and_the_pages_icon_link_answer_an_image(county, client):
    _icon_answer(client, "/favicon.ico")  # asked for before anyone logs in
    for page in ("/login", None):
        if page is None:
            client.login("village1")
            page = "/inbox/tasks"
        html = client.get(page).get_data(as_text=True)
        links = re.findall(r'<link rel="icon" href="([^"]+)">', html)
        assert len(links) == 1, page
        assert links[0].startswith("/")  # this site's own file: allowed by img-src 'self'
        _icon_answer(client, links[0])
