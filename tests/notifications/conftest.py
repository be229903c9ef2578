import pytest

from tests.factories import CategoryFactory, TopicFactory, UserFactory


@pytest.fixture
def asker(db):
    return UserFactory(username="asker")


@pytest.fixture
def topic(asker):
    return TopicFactory(author=asker, category=CategoryFactory(slug="billing", name="Billing"))
