"""Photos of documents: checked by content, stripped of metadata, stored outside the database."""
import hashlib
import io
import warnings

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ...documents.photos import CasePhoto
from ...extensions import db
from ...idnumber import normalize_id
from ...infra.storage import photo_store
from ...labels import label
from ...models import DocumentPhoto, Person
from .. import audit

KINDS = ("id_front", "id_back", "hukou")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")


class PhotoRefused(Exception):
    """The photo cannot be accepted; the message says why, in the user's language."""


def sniff(data):
    """'jpeg', 'png', 'heif' or None, from the first bytes (the file name and the browser's
    declared type are not trusted)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heif"
    return None


def clean_image(data):
    """(bytes, content type): the picture re-encoded without any metadata (EXIF, GPS, XMP,
    comments, colour profile), turned upright first since the orientation tag goes with the rest.
    Pillow writes a comment it read unless told not to, hence ``comment=b""``."""
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(data) > limit:
        raise PhotoRefused(_("照片太大（%(size)s KB），上限为 %(limit)s KB；请用本系统的拍照按钮重新拍摄（会自动压缩）。",
                             size=len(data) // 1024, limit=limit // 1024))
    kind = sniff(data)
    if kind == "heif":
        raise PhotoRefused(_("不支持 HEIC/HEIF 格式的照片。请用本系统的拍照按钮拍摄（会自动转为 JPEG），"
                             "或在手机相机设置中选择“兼容性最佳”后重拍。"))
    if kind is None:
        raise PhotoRefused(_("只接受 JPEG 或 PNG 格式的照片，此文件不是照片或格式不受支持。"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > current_app.config["PHOTO_MAX_PIXELS"]:
                raise PhotoRefused(_("照片像素过多，请重新拍摄。"))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise PhotoRefused(_("照片文件已损坏，无法读取，请重新拍摄。")) from None
    upright = image.getexif().get(0x0112, 1) == 1
    out = io.BytesIO()
    if kind == "jpeg":
        # A fresh JPEG has no EXIF/XMP/ICC unless given: nothing of the phone's metadata survives.
        # An upright picture keeps its own quantisation ("keep"): no bigger, no worse than sent.
        if upright and image.mode in ("RGB", "L", "CMYK"):
            image.save(out, "JPEG", quality="keep", comment=b"", icc_profile=None)
        else:
            ImageOps.exif_transpose(image).convert("RGB").save(out, "JPEG", quality=85, comment=b"", icc_profile=None)
        return out.getvalue(), "image/jpeg"
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    image.save(out, "PNG", icc_profile=None)  # no pnginfo: text chunks and eXIf are dropped
    return out.getvalue(), "image/png"


def save_photo(case, user, id_number, kind, data):
    """Check, clean and store one photo for the person ``id_number`` of ``case``; return its row.

    The caller has checked that ``case`` is in ``user``'s area and commits."""
    if kind not in KINDS:
        raise PhotoRefused(_("照片类别不正确。"))
    checked = normalize_id(id_number)
    if not checked.ok:
        raise PhotoRefused(_("照片所属人员的公民身份号码有误。"))
    cleaned, content_type = clean_image(data)
    suffix = ".jpg" if content_type == "image/jpeg" else ".png"
    key = photo_store().put(cleaned, suffix)
    photo = DocumentPhoto(case_id=case.id, id_number=checked.canonical, kind=kind, storage_key=key,
                          content_type=content_type, size=len(cleaned), sha256=hashlib.sha256(cleaned).hexdigest(),
                          county_code=case.county_code, township_code=case.township_code,
                          village_code=case.village_code, uploaded_by_id=user.id)
    db.session.add(photo)
    db.session.flush()
    audit.record(user, "upload_photo", "document_photo", photo.id, detail=f"case {case.id} {kind}")
    return photo


def photos_of(case):
    """The case's photos, by person then kind."""
    return (DocumentPhoto.query.filter_by(case_id=case.id)
            .order_by(DocumentPhoto.id_number, DocumentPhoto.kind, DocumentPhoto.id).all())


def read_photo(photo, user):
    """The bytes of ``photo`` (scope checked by the caller); the viewing is audited."""
    audit.record(user, "view_photo", "document_photo", photo.id, detail=f"case {photo.case_id}")
    return photo_store().get(photo.storage_key)


def discard(photo):
    """Remove the stored bytes of a photo whose row was rolled back (a concurrent replay won)."""
    photo_store().delete(photo.storage_key)


def archive_photos(case):
    """The case's stored photos as the archive takes them: person, caption, type and bytes.

    Installed as the archive's photo source by ``create_app``; reading for the archive is part of
    producing it (which is audited), so each photo is not audited again here."""
    names = {p.id_number: p.name for p in Person.query.filter_by(household_id=case.household_id)}
    order = {kind: index for index, kind in enumerate(KINDS)}
    return [CasePhoto(person_name=names.get(photo.id_number, ""), id_number=photo.id_number,
                      caption=str(label(photo.kind, "photo_kind")), mimetype=photo.content_type,
                      data=photo_store().get(photo.storage_key), sort_key=(order.get(photo.kind, 9), photo.id))
            for photo in photos_of(case)]
