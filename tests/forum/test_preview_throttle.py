"""Finding 17 of the 2026-12 security review: the Markdown preview is throttled per member."""

from django.urls import reverse

import pytest

from tests.factories import UserFactory


@pytest.mark.django_db
def test_preview_is_throttled_per_member_with_a_json_message(client, settings, customer):
    settings.PREVIEW_RATE_LIMIT = "2/m"
    client.force_login(customer)
    for _ in range(2):
        assert client.post(reverse("forum:preview"), {"source": "**hi**"}).status_code == 200
    refused = client.post(reverse("forum:preview"), {"source": "**hi**"})
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("The preview is taking a break")
    # Another member on the same address previews on.
    client.force_login(UserFactory(username="other"))
    assert client.post(reverse("forum:preview"), {"source": "**hi**"}).status_code == 200
