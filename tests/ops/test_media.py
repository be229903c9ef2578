"""Media: on disk by default, S3-compatible storage by configuration, never served as script."""

import importlib

from django.core.exceptions import ImproperlyConfigured

import pytest

from config.settings import base
from ops.media import upload_headers


@pytest.fixture
def reload_base(monkeypatch):
    def reload(**environ):
        for key, value in environ.items():
            monkeypatch.setenv(key, value)
        return importlib.reload(base)

    yield reload
    monkeypatch.undo()
    importlib.reload(base)


def test_media_is_on_disk_by_default(reload_base):
    settings = reload_base()
    assert settings.STORAGES["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_media_storage_switches_to_s3_by_configuration(reload_base):
    settings = reload_base(
        MEDIA_STORAGE="s3",
        MEDIA_S3_BUCKET="acme-community-media",
        MEDIA_S3_ENDPOINT_URL="https://s3.eu-central.example.net",
        MEDIA_S3_REGION="eu-central",
        MEDIA_S3_CUSTOM_DOMAIN="media.help.example.com",
        MEDIA_S3_QUERYSTRING_AUTH="0",
    )
    storage = settings.STORAGES["default"]
    assert storage["BACKEND"] == "ops.s3.MediaS3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "acme-community-media",
        "endpoint_url": "https://s3.eu-central.example.net",
        "region_name": "eu-central",
        "custom_domain": "media.help.example.com",
        "location": "",
        "querystring_auth": False,
        "file_overwrite": False,
    }
    # Static files stay with whitenoise whatever the media storage.
    assert settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_s3_urls_are_signed_by_default_and_only_set_options_are_passed(reload_base):
    options = reload_base(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="b").STORAGES["default"]["OPTIONS"]
    assert options["querystring_auth"] is True
    assert "endpoint_url" not in options and "custom_domain" not in options


def test_s3_without_a_bucket_is_refused_naming_the_variable(reload_base):
    with pytest.raises(ImproperlyConfigured, match="MEDIA_S3_BUCKET"):
        reload_base(MEDIA_STORAGE="s3")


def test_unknown_media_storage_is_refused(reload_base):
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE"):
        reload_base(MEDIA_STORAGE="ftp")


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("avatars/2026/12/avatar.jpg", "image/jpeg"),
        ("original_images/photo.png", "image/png"),
        ("images/photo.width-800.webp", "image/webp"),
        ("images/anim.gif", "image/gif"),
    ],
)
def test_images_are_stored_to_be_shown_inline(name, content_type):
    assert upload_headers(name) == {"ContentType": content_type}


@pytest.mark.parametrize(
    "name",
    ["documents/page.html", "original_images/logo.svg", "documents/report.pdf", "documents/notes", "x.js"],
)
def test_anything_else_is_stored_as_an_opaque_attachment(name):
    assert upload_headers(name) == {
        "ContentType": "application/octet-stream",
        "ContentDisposition": "attachment",
    }


def test_svg_uploads_are_not_accepted_as_images(settings):
    assert "svg" not in settings.WAGTAILIMAGES_EXTENSIONS
