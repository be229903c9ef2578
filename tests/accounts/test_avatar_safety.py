"""Avatar uploads cannot exhaust a worker (security review, finding 5): oversized images are
refused from their header without decoding, damaged files are a form error, and decoding a
large allowed image never holds a full-size RGBA copy."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest
from PIL import Image

from accounts import services
from accounts.forms import ProfileForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def edit_url(user):
    return reverse("accounts:profile_edit", kwargs={"username": user.username})


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The review's 6,300 x 6,300 PNG: about 38 KB on disk, 40 megapixels decoded."""
    return encoded(Image.new("L", (6300, 6300), 0), "PNG", optimize=True)


@pytest.fixture
def truncated_jpeg() -> bytes:
    data = encoded(Image.new("RGB", (800, 800), (10, 200, 10)), "JPEG")
    return data[: len(data) // 3]


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any image is decoded."""
    calls = []

    def load(self, *args, **kwargs):
        calls.append(self.size)
        raise AssertionError(f"decoded a {self.size} image")

    monkeypatch.setattr(Image.Image, "load", load)
    return calls


def test_the_reviews_bomb_is_refused_from_its_header(bomb, no_decoding):
    assert len(bomb) < 100_000
    upload = SimpleUploadedFile("big.png", bomb, content_type="image/png")
    with pytest.raises(services.AvatarError, match="6,300 \u00d7 6,300 pixels"):
        services.avatar_process(upload)
    assert no_decoding == []


def test_the_reviews_bomb_over_http_is_a_form_error_and_nothing_changes(client, bomb):
    member = UserFactory(display_name="Eve", bio="Before")
    client.force_login(member)
    upload = SimpleUploadedFile("big.png", bomb, content_type="image/png")
    response = client.post(edit_url(member), {"display_name": "Changed", "bio": "After", "avatar": upload})
    assert response.status_code == 400
    assert "megapixels" in response.content.decode()
    member.refresh_from_db()
    assert (member.display_name, member.bio, member.avatar.name) == ("Eve", "Before", "")


def test_pixel_limit_is_a_setting(settings):
    settings.AVATAR_MAX_PIXELS = 100 * 100
    allowed = SimpleUploadedFile("ok.png", encoded(Image.new("RGB", (100, 100)), "PNG"))
    refused = SimpleUploadedFile("no.png", encoded(Image.new("RGB", (101, 100)), "PNG"))
    assert services.avatar_check(allowed) == ("PNG", (100, 100))
    with pytest.raises(services.AvatarError, match="at most 0.01 megapixels"):
        services.avatar_check(refused)


def test_the_reviews_truncated_jpeg_is_a_form_error_not_a_500(client, truncated_jpeg):
    member = UserFactory()
    client.force_login(member)
    upload = SimpleUploadedFile("trunc.jpg", truncated_jpeg, content_type="image/jpeg")
    response = client.post(edit_url(member), {"display_name": "", "bio": "", "avatar": upload})
    assert response.status_code == 400
    assert "damaged or incomplete" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_other_truncated_images_are_form_errors(fmt):
    data = encoded(Image.effect_noise((400, 400), 60).convert("RGB"), fmt)
    form = ProfileForm(
        {"display_name": "", "bio": ""},
        {"avatar": SimpleUploadedFile(f"t.{fmt.lower()}", data[: len(data) // 2])},
        user=UserFactory(),
    )
    assert not form.is_valid()
    assert form.errors["avatar"]


def test_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    """A 4000 x 3000 photo decodes at 1/4 scale or less (``draft``), so no full-size copy."""
    seen = []
    convert = Image.Image.convert

    def spy(self, *args, **kwargs):
        seen.append(self.size)
        return convert(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "convert", spy)
    photo = SimpleUploadedFile("p.jpg", encoded(Image.new("RGB", (4000, 3000), (200, 10, 10)), "JPEG"))
    avatar = services.avatar_process(photo)
    assert max(max(size) for size in seen) <= 1024
    with Image.open(io.BytesIO(avatar.read())) as saved:
        assert saved.size == (256, 256)


def test_large_png_is_reduced_before_the_colour_conversion(monkeypatch):
    seen = []
    convert = Image.Image.convert

    def spy(self, mode=None, *args, **kwargs):
        seen.append((mode, self.size))
        return convert(self, mode, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "convert", spy)
    picture = SimpleUploadedFile("p.png", encoded(Image.new("RGB", (3000, 2000), (0, 0, 200)), "PNG"))
    services.avatar_process(picture)
    rgba = [size for mode, size in seen if mode == "RGBA"]
    assert (1000, 667) in rgba and max(w * h for w, h in rgba) == 1000 * 667


def test_processed_avatar_is_not_processed_twice(monkeypatch):
    member = UserFactory()
    avatar = services.avatar_process(SimpleUploadedFile("a.png", encoded(Image.new("RGB", (50, 50)), "PNG")))
    monkeypatch.setattr(services, "avatar_process", lambda upload: pytest.fail("processed again"))
    services.profile_update(user=member, actor=member, display_name="", bio="", avatar=avatar)
    member.refresh_from_db()
    assert member.avatar.name.endswith(".jpg")


def test_raw_upload_given_to_the_service_is_still_checked(bomb):
    member = UserFactory()
    with pytest.raises(services.AvatarError):
        services.profile_update(
            user=member, actor=member, display_name="", bio="", avatar=SimpleUploadedFile("b.png", bomb)
        )
    member.refresh_from_db()
    assert not member.avatar


def test_exif_orientation_is_still_applied():
    """Top red, bottom blue, tagged "rotate 90° clockwise": the avatar is blue left, red right."""
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (0, 50, 200, 100))
    exif = image.getexif()
    exif[0x0112] = 6
    avatar = services.avatar_process(SimpleUploadedFile("r.jpg", encoded(image, "JPEG", exif=exif)))
    with Image.open(io.BytesIO(avatar.read())) as saved:
        left, right = saved.getpixel((10, 128)), saved.getpixel((245, 128))
    assert left[2] > 200 and left[0] < 50
    assert right[0] > 200 and right[2] < 50
