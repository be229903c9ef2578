"""The community's pages and actions, one module per concern. Views stay thin: they read
through ``forum.selectors``, write through ``forum.services`` and let ``forum.permissions``
decide.

* ``lists``: the topic lists (front page, categories) and following a category;
* ``topics``: a topic's page and the staff and follower actions on it;
* ``posting``: asking, replying and the live preview;
* ``posts``: a post's permalink, edits, revisions and the answer actions;
* ``reactions``: "me too" and votes;
* ``moderation``: flags, hiding, bans and the moderation queue;
* ``base``: what they share (answering refusals, fetching for a visitor, form errors).

A ``PermissionDenied`` from a rule becomes a redirect to the login page for anonymous visitors
(coming back afterwards) and the site's 403 page, with the rule's message, for everyone else.
Every state change is a POST (a GET on an action address is a 405). The routes are in
``forum/urls.py``.
"""
