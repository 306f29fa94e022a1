"""Dates and times as Trustmirror's readers write them (``FORMAT_MODULE_PATH``).

Only the display formats are set here; everything else (input formats, separators) stays
Django's for the language. Every page, letter and e-mail formats a date through the named
formats: ``{{ day|date }}`` or ``date_format(day)`` for a day, ``"SHORT_DATE_FORMAT"`` where
space is short (a table), ``"DATETIME_FORMAT"`` for a moment, never a pattern of its own.

English follows British usage, day before month, as the readers of a European product
expect ("26 May 2026", not "May 26, 2026"); Dutch writes month names in lower case ("26 mei
2026"), which Django's ``M`` would capitalise ("26 Mei").
"""
