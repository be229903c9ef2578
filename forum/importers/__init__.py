"""Importers that bring an existing community's content into the forum.

Each importer streams its source (constant memory), writes in batches with ``bulk_create``,
is idempotent through ``external_id`` and sets the denormalised counters itself, since bulk
inserts bypass the services (and their signals). See ``stackexchange`` for the one we have.
"""
