"""Five-field cron expressions, parsed rather than passed through.

The backend schedules conversation deletion with DELETE_CONVERSATIONS_CRON_EXPRESSION; a
malformed one is only noticed in its logs, after the deploy. Standard cron (crontab(5)): minute
hour day-of-month month day-of-week, each `*`, a value, a range `a-b`, a step `/n` after `*` or a
range, or a comma list of these; month and weekday also by their three-letter English names.
"""

from __future__ import annotations

import re

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names from `lowest` up)
FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    # 7 is Sunday again, as in most crons.
    ("day of week", 0, 7, _DAYS),
)
_ITEM = re.compile(r"^(?P<range>\*|[0-9a-z]+(-[0-9a-z]+)?)(/(?P<step>[0-9]+))?$")


def _value(text: str, low: int, high: int, names: tuple[str, ...], field: str) -> int:
    if text in names:
        return low + names.index(text)
    if not text.isdigit():
        raise ValueError(f"{field} {text!r} is not a number{' or a name' if names else ''}")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{field} {number} is outside {low}-{high}")
    return number


def _field(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> None:
    for item in text.lower().split(","):
        match = _ITEM.match(item)
        if not match:
            raise ValueError(f"{field} {item!r} is not *, a value, a range a-b or a step /n")
        if match["step"] is not None and int(match["step"]) == 0:
            raise ValueError(f"{field} step /0 never fires")
        if match["range"] == "*":
            continue
        first, _, last = match["range"].partition("-")
        start = _value(first, low, high, names, field)
        if last and _value(last, low, high, names, field) < start:
            raise ValueError(f"{field} range {match['range']!r} runs backwards")
        if match["step"] is not None and not last:
            raise ValueError(f"{field} step {item!r} needs * or a range before the /")


def cron_expression(expression: str) -> str:
    """The expression if it is valid five-field cron; ValueError naming the field otherwise."""
    fields = expression.split()
    if len(fields) != len(FIELDS) or expression != " ".join(fields):
        raise ValueError(
            f"{expression!r} is not five fields separated by single spaces "
            "(minute hour day-of-month month day-of-week, such as '0 * * * *')"
        )
    for text, (field, low, high, names) in zip(fields, FIELDS, strict=True):
        _field(text, field, low, high, names)
    return expression
