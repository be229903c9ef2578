"""Uploaded files are never served with a type a browser would run.

Images are served inline under their own type; anything else (a document, an SVG, a file whose
name says .html) as ``application/octet-stream`` and as an attachment. The nginx site in
deploy/ does the same for the media folder on one machine; ``ops.s3.MediaS3Storage`` stores
these headers with each object in S3-compatible storage.
"""

from __future__ import annotations

import mimetypes

INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"})


def upload_headers(name: str) -> dict[str, str]:
    """The S3 object parameters (``ContentType``, ``ContentDisposition``) for a stored file."""
    content_type, _encoding = mimetypes.guess_type(name)
    if content_type in INLINE_IMAGE_TYPES:
        return {"ContentType": content_type}
    return {"ContentType": "application/octet-stream", "ContentDisposition": "attachment"}
