"""The demo site: accounts, a home page, a community, moderation, an FAQ and notifications for
``manage.py seed_demo`` (``make run``). One module per part of the site, run in the order of
``demo.management.commands.seed_demo.SEEDERS``. The site itself never imports this package."""
