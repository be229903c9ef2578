"""Media in S3-compatible object storage (MEDIA_STORAGE=s3; needs requirements-s3.txt)."""

from storages.backends.s3 import S3Storage

from ops.media import upload_headers


class MediaS3Storage(S3Storage):
    """django-storages' S3 storage that stores safe serving headers with every object."""

    def get_object_parameters(self, name):
        return {**super().get_object_parameters(name), **upload_headers(name)}
