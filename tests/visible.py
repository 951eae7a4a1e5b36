"""The text a user sees on a page: no tags, attributes, scripts or styles."""
import re
from html import unescape
from html.parser import HTMLParser


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1
        elif tag == "input":
            attrs = dict(attrs)
            if attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    """The page's visible text, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", unescape(" ".join(parser.parts))).strip()
