"""Signals mentions send after commit (webhooks and notifications listen to these)."""

from django.dispatch import Signal

# mentions: list of the Mention rows just taken in (reposts included, with duplicate_of set)
mentions_created = Signal()
