"""Small previews of uploaded photos, for galleries seen on phones over slow connections.

A phone photo is several megabytes; a gallery shows it at under 200 pixels.
Each uploaded image gets a JPEG of at most `PREVIEW_PIXELS` on its longest
side, turned upright from its EXIF orientation, with transparency laid on
white. Making it also proves the image can be decoded, so a file that only
starts like an image is refused at upload instead of showing broken later.
"""

import io
import warnings

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

PREVIEW_PIXELS = 480
PREVIEW_QUALITY = 80


class UnreadableImage(ValueError):
    """The bytes start like an image but do not decode as one (or decode to far too many pixels)."""


def make_preview(upload) -> ContentFile:
    """A JPEG preview of the image in `upload` (a file object; its position is restored)."""
    try:
        with warnings.catch_warnings():
            # Far more pixels than any camera makes: refused, never decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                # JPEG decodes straight at 1/2, 1/4 or 1/8 of its size: fast, little memory.
                image.draft("RGB", (PREVIEW_PIXELS * 2, PREVIEW_PIXELS * 2))
                small = ImageOps.exif_transpose(image)
                small.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
                small = _on_white(small)
                out = io.BytesIO()
                small.save(out, "JPEG", quality=PREVIEW_QUALITY, optimize=True, progressive=True)
    except (
        OSError,  # UnidentifiedImageError and truncated files among them
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise UnreadableImage(str(error)) from error
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue())


def _on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
