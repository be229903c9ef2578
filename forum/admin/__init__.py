"""The community in the Wagtail admin, registered by ``forum/wagtail_hooks.py``.

* ``viewsets``: categories, topics, posts and flags, under the "Community" menu;
* ``moderation``: the moderation queue and the banned members screens;
* ``bulk_actions``: bulk hide, lock, resolve and ban, each through a service;
* ``policies``: who sees what, from the roles (``accounts.roles``);
* ``forms``: the admin's own forms.

Who sees what comes from the roles and the rules in ``forum.permissions``, not from Django model
permissions, and every action calls the same services with the same checks as the site.
"""
