# Russian dates: after a day the month is in the genitive ("E": 1 декабря, not "F": 1 Декабрь);
# abbreviations in lower case ("b", not "M": "Дек"); 24-hour clock with two-digit hours.
# Format characters: https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
DATE_FORMAT = "j E Y"  # 1 декабря 2026
DATETIME_FORMAT = "j E Y, H:i"  # 1 декабря 2026, 13:39
TIME_FORMAT = "H:i"  # 13:39
YEAR_MONTH_FORMAT = "F Y"  # Декабрь 2026 (the nominative stands alone: a label, not a sentence)
MONTH_DAY_FORMAT = "j E"  # 1 декабря
SHORT_DATE_FORMAT = "j b Y"  # 1 дек 2026
SHORT_DATETIME_FORMAT = "j b Y, H:i"  # 1 дек 2026, 13:39
# The portal's own (portal/formats/__init__.py).
WEEKDAY_MONTH_DAY_FORMAT = "D, j E"  # Вт, 1 декабря (Django abbreviates weekdays with a capital)
SHORT_YEAR_MONTH_FORMAT = "b Y"  # дек 2026
TIME_SECONDS_FORMAT = "H:i:s"  # 13:39:05
