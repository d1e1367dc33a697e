# English dates as in the UK and the EU institutions: day, month, year; 24-hour clock.
# Format characters: https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
DATE_FORMAT = "j F Y"  # 1 December 2026
DATETIME_FORMAT = "j F Y, H:i"  # 1 December 2026, 13:39
TIME_FORMAT = "H:i"  # 13:39
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 1 December
SHORT_DATE_FORMAT = "j M Y"  # 1 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 1 Dec 2026, 13:39
# The portal's own (portal/formats/__init__.py).
WEEKDAY_MONTH_DAY_FORMAT = "D j M"  # Tue 1 Dec
SHORT_YEAR_MONTH_FORMAT = "M Y"  # Dec 2026
TIME_SECONDS_FORMAT = "H:i:s"  # 13:39:05
