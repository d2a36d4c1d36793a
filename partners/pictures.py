"""Offer pictures: an upload becomes a small JPEG and a square thumbnail, or a clear refusal.

Members pay for mobile data, so nothing the partner uploads is served as is: the picture is
checked by what it really is (not its name), re-drawn in RGB without its metadata (phone
photos carry the place they were taken), and saved as a JPEG of at most 800 x 800 px and a
160 x 160 px thumbnail (padded to a square, so pages can reserve its space).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from koperasi.errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Larger pictures are refused before they are decoded (a "decompression bomb" is a small
#: file that unpacks into gigabytes of pixels).
MAX_PIXELS = 40_000_000
PICTURE_BOX = (800, 800)
THUMBNAIL_SIZE = (160, 160)
JPEG_QUALITY = 75
#: The formats accepted, with the file name endings each may carry.
FORMATS = {
    "JPEG": (".jpg", ".jpeg", ".jfif"),
    "PNG": (".png",),
    "WEBP": (".webp",),
}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
BACKGROUND = (255, 255, 255)
FIELD = "picture"


@dataclass(frozen=True)
class ProcessedPicture:
    """The two JPEGs made from an upload, ready to save into `Offer.picture`/`.thumbnail`."""

    picture: bytes
    thumbnail: bytes
    size: tuple[int, int]

    def picture_file(self) -> ContentFile:
        return ContentFile(self.picture, name="picture.jpg")

    def thumbnail_file(self) -> ContentFile:
        return ContentFile(self.thumbnail, name="thumbnail.jpg")


def _refuse(message: str) -> DomainError:
    return DomainError(message, field=FIELD)


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _too_many_pixels() -> str:
    return _(
        "This picture has too many pixels to process (at most 40 megapixels). "
        "Make it smaller and upload it again."
    )


def _identify(data: bytes, name: str) -> str:
    """The real format of the upload, after Pillow has verified the file's structure."""
    extension = PurePath(name).suffix.lower()
    try:
        image = _open(data)
        real_format = image.format or ""
        width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_too_many_pixels()) from None
    except UnidentifiedImageError:
        if extension in {e for endings in FORMATS.values() for e in endings}:
            raise _refuse(
                _(
                    "This file is named %(name)s but it is not a picture. It may have been "
                    "renamed: upload the photo itself (JPEG, PNG or WebP)."
                )
                % {"name": name}
            ) from None
        raise _refuse(_("This file is not a picture. Upload a JPEG, PNG or WebP photo.")) from None
    except OSError:
        raise _refuse(_("This picture is damaged and cannot be read.")) from None
    if real_format not in FORMATS:
        raise _refuse(
            _("Pictures in %(format)s format are not accepted. Upload a JPEG, PNG or WebP photo.")
            % {"format": real_format or "?"}
        )
    if extension not in FORMATS[real_format]:
        raise _refuse(
            _(
                "This file is named %(name)s but it is really a %(format)s picture. It may have "
                "been renamed: save it again with the right name (%(ending)s)."
            )
            % {
                "name": name,
                "format": FORMAT_NAMES[real_format],
                "ending": FORMATS[real_format][0],
            }
        )
    if width * height > MAX_PIXELS:
        raise _refuse(_too_many_pixels())
    try:
        image.verify()
    except Exception:  # Pillow raises many kinds of errors for a broken file
        raise _refuse(_("This picture is damaged and cannot be read.")) from None
    return real_format


def _to_rgb(image: Image.Image) -> Image.Image:
    """An RGB copy with no metadata; transparent parts become white."""
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in {"RGBA", "LA", "PA"}:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    rgb = image.convert("RGB")
    clean = Image.new("RGB", rgb.size)  # a fresh image carries no EXIF, ICC or text chunks
    clean.paste(rgb)
    return clean


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def picture_process(upload: UploadedFile) -> ProcessedPicture:
    """Check an upload and make the picture and thumbnail; DomainError with a clear message
    for anything that is not a JPEG, PNG or WebP picture of at most 5 MB."""
    name = PurePath(upload.name or "").name or "?"
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise _refuse(
            _("This file is %(size)s MB; a picture may be at most 5 MB.")
            % {"size": f"{upload.size / (1024 * 1024):.1f}"}
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    upload.seek(0)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(_("This file is too large; a picture may be at most 5 MB."))
    if not data:
        raise _refuse(_("This file is empty."))
    _identify(data, name)
    try:
        image = _open(data)
        image.load()
        image = ImageOps.exif_transpose(image)  # phones store "rotate me" in EXIF
        picture = _to_rgb(image)
    except Exception:  # a file that verifies may still fail to decode
        raise _refuse(_("This picture is damaged and cannot be read.")) from None
    picture.thumbnail(PICTURE_BOX, Image.Resampling.LANCZOS)
    small = picture.copy()
    small.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    thumbnail = Image.new("RGB", THUMBNAIL_SIZE, BACKGROUND)
    thumbnail.paste(
        small,
        ((THUMBNAIL_SIZE[0] - small.width) // 2, (THUMBNAIL_SIZE[1] - small.height) // 2),
    )
    return ProcessedPicture(picture=_jpeg(picture), thumbnail=_jpeg(thumbnail), size=picture.size)


def picture_size(field_file) -> tuple[int, int] | None:
    """Width and height of a saved picture (read from its header only), or None."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as handle, Image.open(handle) as image:
            return image.size
    except (OSError, UnidentifiedImageError):
        return None


#: Picture URLs carry `?v=<the offer's last change>`, so a browser may keep them for long.
PICTURE_MAX_AGE = 30 * 24 * 3600


def picture_response(field_file) -> FileResponse:
    """Serve a saved offer picture to a person who may see it: never to shared caches."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/jpeg")
    patch_cache_control(response, private=True, max_age=PICTURE_MAX_AGE)
    return response
