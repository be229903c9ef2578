"""The demo's home page: the migration creates it; this makes sure it is there and live."""

from home.models import HomePage


def seed(log=print) -> HomePage:
    home = HomePage.objects.first()
    if home is None:  # a database migrated before the home page migration existed
        raise RuntimeError("No home page: run `manage.py migrate` first.")
    if not home.live:
        home.save_revision().publish()
        log("  published the home page")
    return home
