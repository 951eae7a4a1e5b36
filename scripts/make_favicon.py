"""Draw the site's favicon (webapp/static/favicon.ico): the offline app's icon, a white tick in a
white box on the campaign blue, drawn at 256 px and scaled to 16, 32 and 48 px.

    .venv/bin/python scripts/make_favicon.py    (needs Pillow; the .ico is committed)
"""
import os

from PIL import Image, ImageDraw

BLUE, WHITE, SIZE = (31, 95, 153), (255, 255, 255), 256
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "webapp", "static", "favicon.ico")


def draw():
    """The icon at SIZE px."""
    image = Image.new("RGB", (SIZE, SIZE), BLUE)
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((44, 44, 212, 212), radius=22, outline=WHITE, width=18)
    pen.line([(78, 130), (116, 170), (184, 80)], fill=WHITE, width=24, joint="curve")
    return image


if __name__ == "__main__":
    draw().save(OUT, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    print(OUT, os.path.getsize(OUT), "bytes")
