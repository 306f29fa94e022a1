"""Dutch: "26 mei 2026", "26 mei 2026 om 14:05"; "14 dec 2026" in tables.

Month names stay in lower case: ``F`` and ``b`` give them so, ``M`` would capitalise them.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"j F Y \o\m H:i"
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = r"j b Y \o\m H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # maandag
