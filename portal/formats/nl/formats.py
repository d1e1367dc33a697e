# Dutch dates: month and day names in lower case, also abbreviated ("b", not "M", which
# capitalises: "1 Dec" is not Dutch); 24-hour clock.
# Format characters: https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
DATE_FORMAT = "j F Y"  # 1 december 2026
DATETIME_FORMAT = "j F Y, H:i"  # 1 december 2026, 13:39
TIME_FORMAT = "H:i"  # 13:39
YEAR_MONTH_FORMAT = "F Y"  # december 2026
MONTH_DAY_FORMAT = "j F"  # 1 december
SHORT_DATE_FORMAT = "j b Y"  # 1 dec 2026
SHORT_DATETIME_FORMAT = "j b Y, H:i"  # 1 dec 2026, 13:39
# The portal's own (portal/formats/__init__.py).
WEEKDAY_MONTH_DAY_FORMAT = "D j b"  # di 1 dec
SHORT_YEAR_MONTH_FORMAT = "b Y"  # dec 2026
TIME_SECONDS_FORMAT = "H:i:s"  # 13:39:05
