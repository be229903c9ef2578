"""factory_boy factories for the project's data. Shared by every test module."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils import timezone

import factory
from allauth.account.models import EmailAddress

from accounts import roles
from accounts.models import User
from forum import markup
from forum.models import Category, Post, Topic

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    display_name = factory.LazyAttribute(lambda o: o.username.title())

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary email unless ``verified=False``."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))


def staff_user(**kwargs) -> User:
    return UserFactory(groups=[roles.STAFF], **kwargs)


def moderator_user(**kwargs) -> User:
    return UserFactory(groups=[roles.MODERATORS], **kwargs)


def editor_user(**kwargs) -> User:
    return UserFactory(groups=[roles.EDITORS], **kwargs)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "Questions about this product."


class TopicFactory(factory.django.DjangoModelFactory):
    """A topic with its question as first post. Use the forum services for behaviour; this
    only lays down rows."""

    class Meta:
        model = Topic
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"How do I configure feature number {n}?")
    author = factory.SubFactory(UserFactory)
    category = factory.SubFactory(CategoryFactory)
    kind = Topic.Kind.QUESTION

    @factory.post_generation
    def body(self, create, extracted, **kwargs):
        if not create:
            return
        source = extracted or "I tried the settings page but **nothing** changed."
        rendered = markup.render_markdown(source)
        post = Post.objects.create(
            topic=self,
            author=self.author,
            source=source,
            html=rendered.html,
            text=rendered.text,
            created_at=self.created_at,
        )
        self.first_post = post
        self.save(update_fields=["first_post"])
        # Topics are indexed through the services' events (search/indexing.py), which a factory
        # bypasses: index the finished row once, as the services' one queued update would.
        from modelsearch import index

        index.insert_or_update_object(self)


class PostFactory(factory.django.DjangoModelFactory):
    """A reply. Counters on the topic are not moved: use services for that."""

    class Meta:
        model = Post

    topic = factory.SubFactory(TopicFactory)
    author = factory.SubFactory(UserFactory)
    source = factory.Sequence(lambda n: f"Reply number {n}: have you tried turning it off and on?")
    html = factory.LazyAttribute(lambda o: markup.render_markdown(o.source).html)
    text = factory.LazyAttribute(lambda o: markup.render_markdown(o.source).text)
    created_at = factory.LazyFunction(timezone.now)
