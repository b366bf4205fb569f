"""Publication dates as the site writes them (``2025-1-22``, ``2025-01-23 09:41``, ``2025年1月23日``,
``2025/01/23``), read in the site's own time zone, Asia/Shanghai.

A date without a time stays a date: ``published_at`` is only set when the page gives a time, so
an archive never invents midnight timestamps.
"""

from __future__ import annotations

import re

from dateutil import parser as dateparser
from dateutil import tz

# Asia/Shanghai as a fixed +08:00: China has kept no daylight saving time since 1991 (the tz database
# would give +09:00 to summer dates of 1986-1991), and a fixed offset needs no tz database on the machine.
SHANGHAI = tz.tzoffset("Asia/Shanghai", 8 * 3600)

# A date, Chinese or numeric, optionally followed by a time; the parts are handed to dateutil.
DATE_RE = re.compile(
    r"(?<!\d)(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:(?:\s+|T|\s*日?\s*)(\d{1,2})\s*[:：时點点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)


def parse_date(text: str) -> tuple[str, str | None] | None:
    """(``published_date`` "YYYY-MM-DD", ``published_at`` "YYYY-MM-DDTHH:MM:SS+08:00" or None when
    no time is given) of the first date in ``text``; None when it holds no valid date."""
    if not text:
        return None
    for m in DATE_RE.finditer(text):
        year, month, day, hour, minute, second = m.groups()
        date_text = f"{year}-{int(month):02d}-{int(day):02d}"
        if hour is not None:
            date_text += f" {int(hour):02d}:{int(minute):02d}:{int(second or 0):02d}"
        try:
            parsed = dateparser.isoparse(date_text.replace(" ", "T"))
        except (ValueError, OverflowError):
            try:  # a time out of range (25:00): keep the date, drop the time
                parsed = dateparser.isoparse(date_text[:10])
                hour = None
            except (ValueError, OverflowError):
                continue
        published_date = parsed.date().isoformat()
        if hour is None:
            return published_date, None
        return published_date, parsed.replace(tzinfo=SHANGHAI).isoformat()
    return None
