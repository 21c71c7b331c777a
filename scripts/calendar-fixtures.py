"""Writes crates/jiebang-core/tests/fixtures/workdays.txt, the oracle for the shipped working-day
calendar: every day of 2022–2027 that is not what its weekday says, as `YYYY-MM-DD 休|班`.

2022–2026 come from the `chinese-calendar` package (its own transcription of the State Council
notices). 2027's notice is not out, so its statutory holidays are computed from the rules of
《全国年节及纪念日放假办法》: lunar dates by `lunardate`, the 清明 solar term by `chinese-calendar`.
"""

import datetime
import pathlib

import chinese_calendar
from lunardate import LunarDate

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/jiebang-core/tests/fixtures/workdays.txt"
CONFIRMED = range(2022, 2027)


def days(first, last):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def statutory_holidays(year):
    """The statutory days off of one year (2024 revision), without 调休."""
    spring = LunarDate(year, 1, 1).to_solar_date()
    (qingming,) = [d for d, name in chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 10)) if name == "清明"]
    holidays = {datetime.date(year, 1, 1), qingming, LunarDate(year, 5, 5).to_solar_date(), LunarDate(year, 8, 15).to_solar_date()}
    holidays |= {spring + datetime.timedelta(days=n) for n in range(-1, 3)}  # 除夕 to 初三
    holidays |= {datetime.date(year, 5, d) for d in (1, 2)} | {datetime.date(year, 10, d) for d in (1, 2, 3)}
    return holidays


lines = []
for year in CONFIRMED:
    for day in days(datetime.date(year, 1, 1), datetime.date(year, 12, 31)):
        weekday_works = day.weekday() < 5
        works = chinese_calendar.is_workday(day)
        if works != weekday_works:
            lines.append(f"{day} {'班' if works else '休'}")
off = statutory_holidays(2027)
for day in sorted(off):
    if day.weekday() < 5:
        lines.append(f"{day} 休")
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"{len(lines)} days written to {OUT}")
