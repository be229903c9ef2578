"""The two patches this backend makes to whoosh, in one place, applied once on import.

Both replace methods of ``whoosh.codec.whoosh3.W3PerDocReader`` with faster equivalents that
return the same values:

* ``_cached_reader`` also remembers "this field has no length column" (whoosh caches only the
  columns it finds, so every posting of a numeric or ID field costs a file-system check while
  a segment is written or merged);
* ``doc_field_length`` reads a field's whole length column (one byte per document) once per
  segment reader instead of one file read and unpack per posting.

``column_bytes`` is the one private read of a segment's length column, shared with the numpy
scorer (``scoring``). Both rely on whoosh internals, so ``apply()`` only patches the releases
listed in ``CHECKED_VERSIONS``; on any other the patches are skipped (whoosh's own, slower code
runs), a warning says so, and ``column_bytes`` returns ``None`` so the scorer falls back too.
"""

from __future__ import annotations

import logging

import whoosh
from whoosh.codec import whoosh3

logger = logging.getLogger("search.whoosh")

# whoosh releases these patches were read against (whoosh-reloaded 2.7.5 is whoosh 2.7.4's code).
CHECKED_VERSIONS = frozenset({(2, 7, 4), (2, 7, 5)})

_MISSING = object()


def supported() -> bool:
    return tuple(whoosh.__version__[:3]) in CHECKED_VERSIONS


def column_bytes(column) -> bytes | None:
    """The raw bytes of a one-byte-per-document column (a segment's field lengths), or
    ``None`` when there is no such column or it has another layout (use whoosh's lookup)."""
    if column is None or not supported():
        return None
    try:
        if column._fixedlen != 1:
            return None
        return bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:  # another column layout
        return None


def length_column(perdoc_reader, fieldname: str):
    """A segment's length column for ``fieldname`` (cached by the reader), or ``None``."""
    return perdoc_reader._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)


def _cached_reader(self, fieldname, column):
    readers = self._readers
    reader = readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        readers[fieldname] = reader
    return reader


def _make_doc_field_length(original):
    byte_to_length = whoosh3.byte_to_length

    def doc_field_length(self, docnum, fieldname, default=0):
        cache = self.__dict__.get("_community_lengths")
        if cache is None:
            cache = self._community_lengths = {}
        lengths = cache.get(fieldname, _MISSING)
        if lengths is _MISSING:
            lengths = cache[fieldname] = column_bytes(length_column(self, fieldname))
        if lengths is None:
            return original(self, docnum, fieldname, default)
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lbyte = lengths[docnum] if docnum < len(lengths) else 0
        return byte_to_length(lbyte) if lbyte else None

    return doc_field_length


def apply() -> bool:
    """Patch whoosh once per process; return whether the patches are in place."""
    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_community_patched", False):
        return True
    if not supported():
        logger.warning(
            "whoosh %s is not one of the releases the search backend's patches were checked "
            "against (%s): running whoosh's own, slower code",
            whoosh.versionstring(),
            ", ".join(".".join(map(str, v)) for v in sorted(CHECKED_VERSIONS)),
        )
        return False
    reader_class._cached_reader = _cached_reader
    reader_class.doc_field_length = _make_doc_field_length(reader_class.doc_field_length)
    reader_class._community_patched = True
    return True
