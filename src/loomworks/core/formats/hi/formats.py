"""Dates and numbers as people in India write them, for pages in Hindi.

On top of Django's `hi` formats: the day first with slashes (03/04/2027),
month names in words for the long form (3 अप्रैल 2027), 24-hour times as
workshops keep them, and digits grouped in lakhs and crores (1,50,000) where
a number is localized with grouping (the `|intcomma`-style filters; money goes
through `core.numbers.format_money`, which uses Babel's hi_IN data).
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday

# ISO first: it is what <input type="date"> sends, whatever the language.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)  # 1,50,00,000: three digits, then twos
