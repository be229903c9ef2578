"""Every write to the community goes through one function here, named ``<entity>_<action>``,
keyword-only: it checks the permission (``forum.permissions``), validates, writes in one
transaction with atomic counter updates, and schedules side effects with
``transaction.on_commit`` (``forum.events``). Views, admin actions, commands and tests all call
these, so no road skips a rule.

Modules: ``topics`` (ask, status, duplicate, lock, move), ``posts`` (reply, edit, official and
accepted answers), ``follows``, ``reactions`` (me too, votes), ``moderation`` (flags, hide,
ban), ``views`` (view counting).
"""
