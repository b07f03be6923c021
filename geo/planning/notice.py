"""Public-notice periods in working days (公示不少于14个工作日), on China's official calendar.

A renovation plan (一小区一方案) is put up for public notice for at least 14 working days. A
working day is Monday to Friday, except the statutory holidays, plus the weekend days the State
Council moves work to (调休). :data:`HOLIDAY_TABLE` holds the State Council's schedules:

* 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号 (12 November 2024);
* 2026: 国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号 (4 November 2025).

Every date below was checked against the notices' published text (Xinhua). A caller can pass
other tables (a later year, a local rule); for a year the table does not cover, only weekends
are skipped and the result says so.

Example
-------
>>> import datetime as dt
>>> end = notice_end_date(dt.date(2026, 9, 30))   # National Day: 1-7 Oct off, Sat 10 Oct worked
>>> end, end.calendar_complete
(NoticeEnd(2026, 10, 26), True)
>>> later = notice_end_date(dt.date(2027, 3, 1))
>>> later, later.calendar_complete, later.unknown_years
(NoticeEnd(2027, 3, 19), False, (2027,))
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import pandas as pd

#: Working days a renovation plan stays on public notice (公示不少于14个工作日).
NOTICE_WORKING_DAYS = 14

_SOURCES = {
    2025: "国办发明电〔2024〕12号",
    2026: "国办发明电〔2025〕7号",
}

# (first day off, last day off, holiday zh, holiday en, adjusted working weekend days)
_SCHEDULE: dict[int, list[tuple[str, str, str, str, tuple[str, ...]]]] = {
    2025: [
        ("2025-01-01", "2025-01-01", "元旦", "New Year's Day", ()),
        ("2025-01-28", "2025-02-04", "春节", "Spring Festival", ("2025-01-26", "2025-02-08")),
        ("2025-04-04", "2025-04-06", "清明节", "Qingming Festival", ()),
        ("2025-05-01", "2025-05-05", "劳动节", "Labour Day", ("2025-04-27",)),
        ("2025-05-31", "2025-06-02", "端午节", "Dragon Boat Festival", ()),
        ("2025-10-01", "2025-10-08", "国庆节、中秋节", "National Day and Mid-Autumn Festival",
         ("2025-09-28", "2025-10-11")),
    ],
    2026: [
        ("2026-01-01", "2026-01-03", "元旦", "New Year's Day", ("2026-01-04",)),
        ("2026-02-15", "2026-02-23", "春节", "Spring Festival", ("2026-02-14", "2026-02-28")),
        ("2026-04-04", "2026-04-06", "清明节", "Qingming Festival", ()),
        ("2026-05-01", "2026-05-05", "劳动节", "Labour Day", ("2026-05-09",)),
        ("2026-06-19", "2026-06-21", "端午节", "Dragon Boat Festival", ()),
        ("2026-09-25", "2026-09-27", "中秋节", "Mid-Autumn Festival", ()),
        ("2026-10-01", "2026-10-07", "国庆节", "National Day", ("2026-09-20", "2026-10-10")),
    ],
}


def _table() -> pd.DataFrame:
    rows = []
    for year, entries in _SCHEDULE.items():
        for first, last, zh, en, worked in entries:
            for day in pd.date_range(first, last).date:
                rows.append((day, "holiday", zh, en, year, _SOURCES[year]))
            for day in worked:
                rows.append((_dt.date.fromisoformat(day), "workday", f"{zh}调休上班", f"{en}: make-up working day",
                             year, _SOURCES[year]))
    frame = pd.DataFrame(rows, columns=["date", "kind", "name_zh", "name_en", "year", "source"])
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


#: The State Council holiday schedules: one row per day off (``kind`` "holiday") or adjusted
#: working weekend day (``kind`` "workday"), with the holiday's name and the notice number.
HOLIDAY_TABLE: pd.DataFrame = _table()


class NoticeEnd(_dt.date):
    """The last day of a notice period: a :class:`datetime.date` that also says how sure it is.

    Attributes
    ----------
    start
        The day the notice was put up (not counted).
    working_days
        Working days counted after ``start``.
    calendar_complete
        False when the period runs through a year the holiday table does not cover: there only
        weekends were skipped, so the period may be too short.
    unknown_years
        Those years.
    """

    start: _dt.date
    working_days: int
    unknown_years: tuple[int, ...]

    def __new__(cls, day: _dt.date, *, start: _dt.date, working_days: int,
                unknown_years: tuple[int, ...] = ()) -> NoticeEnd:
        self = super().__new__(cls, day.year, day.month, day.day)
        self.start, self.working_days, self.unknown_years = start, working_days, tuple(unknown_years)
        return self

    def __reduce__(self):
        return (_rebuild, (self.toordinal(), self.start, self.working_days, self.unknown_years))

    @property
    def calendar_complete(self) -> bool:
        return not self.unknown_years

    def note(self, lang: str = "zh") -> str:
        """What the period rests on, in the planner's words."""
        if lang == "zh":
            text = f"{self.start.isoformat()} 起 {self.working_days} 个工作日，至 {self.isoformat()}"
            if self.unknown_years:
                years = "、".join(str(y) for y in self.unknown_years)
                text += f"（{years} 年节假日安排未知，仅扣除周末，请核对当年放假通知）"
            return text
        text = f"{self.working_days} working days after {self.start.isoformat()}: until {self.isoformat()}"
        if self.unknown_years:
            years = ", ".join(str(y) for y in self.unknown_years)
            text += (f" (holidays of {years} unknown: only weekends skipped; check that year's "
                     "State Council holiday notice)")
        return text


def _rebuild(ordinal: int, start: _dt.date, working_days: int, unknown: tuple[int, ...]) -> NoticeEnd:
    return NoticeEnd(_dt.date.fromordinal(ordinal), start=start, working_days=working_days, unknown_years=unknown)


def _dates(values: Iterable) -> set[_dt.date]:
    return {pd.Timestamp(v).date() for v in values}


def notice_end_date(
    start: _dt.date,
    *,
    working_days: int = NOTICE_WORKING_DAYS,
    holidays: Iterable[_dt.date] | None = None,
    workdays: Iterable[_dt.date] | None = None,
) -> NoticeEnd:
    """The day a notice put up on ``start`` may end: the ``working_days``-th working day after it.

    Working days are Monday to Friday, minus ``holidays``, plus ``workdays`` (weekend days worked
    instead, 调休). The start day itself is not counted.

    Parameters
    ----------
    start
        The day the notice is put up.
    working_days
        How many working days it stays up (14 by the national rule).
    holidays, workdays
        Days off and adjusted working weekend days. Both default to :data:`HOLIDAY_TABLE`
        (2025 and 2026); when either is given, it replaces the table's dates of that kind and
        the years covered are those the given dates fall in.

    Returns
    -------
    NoticeEnd
        The end date (a :class:`datetime.date`), with ``calendar_complete`` False and
        ``unknown_years`` set when the period runs through a year with no holiday data.

    Raises
    ------
    ValueError
        When ``working_days`` is below 1 or ``start`` is not a date.

    Example
    -------
    >>> notice_end_date(_dt.date(2026, 2, 13)).isoformat()  # Spring Festival 15-23 Feb, Sat 14 and 28 worked
    '2026-03-11'
    >>> notice_end_date(_dt.date(2026, 2, 13), holidays=(), workdays=()).isoformat()  # weekends only
    '2026-03-05'
    """
    # builtin errors below: start and working_days come from our own callers (a date parsed by the
    # page or the command line, a policy constant), never unchecked from a planner
    if not isinstance(start, _dt.date):
        raise ValueError(f"start must be a datetime.date, got {type(start).__name__} ({start!r}); "
                         "pass e.g. datetime.date(2026, 9, 30)")
    if isinstance(start, _dt.datetime):
        start = start.date()
    if int(working_days) < 1:  # builtin, as start above
        raise ValueError(f"working_days must be at least 1, got {working_days}")
    table = HOLIDAY_TABLE
    off = _dates(table.loc[table["kind"] == "holiday", "date"]) if holidays is None else _dates(holidays)
    worked = _dates(table.loc[table["kind"] == "workday", "date"]) if workdays is None else _dates(workdays)
    if holidays is None and workdays is None:
        known = set(int(y) for y in table["year"])
    else:
        known = {d.year for d in off | worked}
        if holidays is None or workdays is None:
            known |= set(int(y) for y in table["year"])
    day, counted, unknown = start, 0, set()
    while counted < int(working_days):
        day += _dt.timedelta(days=1)
        if day.year not in known:
            unknown.add(day.year)
        if day in worked or (day.weekday() < 5 and day not in off):
            counted += 1
    return NoticeEnd(day, start=start, working_days=int(working_days), unknown_years=tuple(sorted(unknown)))
