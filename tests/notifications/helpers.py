"""Helpers: lay down forum rows and send the events the forum sends after commit."""

from forum import events
from forum.models import Follow, Post, Topic
from tests.factories import PostFactory, TopicFactory


def follow(user, *, topic=None, category=None):
    return Follow.objects.create(user=user, topic=topic, category=category)


def reply(topic, author, source="A helpful reply.", *, mentioned=()):
    """Lay down a reply and send the events the forum sends after commit."""
    post = PostFactory(topic=topic, author=author, source=source)
    events.reply_created.send(sender=Post, post=post, topic=topic, actor=author)
    if mentioned:
        events.post_mentions.send(sender=Post, post=post, topic=topic, actor=author, mentioned=set(mentioned))
    return post


def new_topic(category, author, **kwargs):
    topic = TopicFactory(category=category, author=author, **kwargs)
    events.topic_created.send(sender=Topic, topic=topic, actor=author)
    return topic


class FailingEmailBackend:
    """A mail server that is down: every send raises."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server unavailable")
