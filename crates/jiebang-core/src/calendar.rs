//! The official working-day calendar of China, for 公示 periods ("公示期为5个工作日").
//!
//! Weekdays are not working days: public holidays fall on weekdays and some weekends are made-up
//! working days (调休). The calendar is data, not code: `data/calendar-cn.txt` ships with the
//! binary and a deployment may replace it with a newer file without a rebuild. A year the data
//! does not cover is refused, never guessed. A year whose arrangement the State Council has not
//! published yet may be shipped as *provisional*: only the statutory holidays of
//! 《全国年节及纪念日放假办法》, without 调休; periods that touch it are computed and flagged, so
//! 公示 keeps working over New Year while the page says the dates are provisional.

use std::collections::{BTreeSet, HashMap};

use time::{Date, Duration, Weekday};

use crate::program::Day;

/// The calendar shipped with the platform.
pub const SHIPPED: &str = include_str!("../data/calendar-cn.txt");

/// Why a day is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Exception {
    Holiday(String),
    MakeUpWorkday(String),
}

/// Working days and holidays for a range of years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    first_year: i32,
    last_year: i32,
    provisional: BTreeSet<i32>,
    exceptions: HashMap<Date, Exception>,
}

/// A calendar question the data cannot answer, or a malformed calendar file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A line of the calendar file is malformed.
    #[error("日历文件第 {line} 行有误：{reason} / calendar file line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The date lies in a year the calendar does not cover.
    #[error(
        "工作日历未包含 {year} 年的节假日安排（已有 {first}–{last} 年），请更新日历文件 / the working-day calendar has no data for {year} (covers {first}–{last}); update the calendar file"
    )]
    YearNotCovered {
        /// The year asked about.
        year: i32,
        /// First covered year.
        first: i32,
        /// Last covered year.
        last: i32,
    },
}

fn parse_date(text: &str, line: usize) -> Result<Date, CalendarError> {
    Day::parse("date", text)
        .map(|d| d.0)
        .map_err(|_| CalendarError::Line { line, reason: format!("日期「{text}」应为 YYYY-MM-DD") })
}

impl WorkCalendar {
    /// The shipped calendar.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("the shipped calendar parses (tested)")
    }

    /// Parses the calendar format (see `data/calendar-cn.txt`).
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let mut years = None;
        let mut provisional = BTreeSet::new();
        let mut exceptions = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut parts = content.split_whitespace();
            let first = parts.next().unwrap_or("");
            if first == "years" {
                let range = parts.next().unwrap_or("");
                let parsed = range.split_once("..").and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                match parsed {
                    Some((a, b)) if a <= b => years = Some((a, b)),
                    _ => {
                        return Err(CalendarError::Line {
                            line,
                            reason: format!("years 应为 YYYY..YYYY，实际为「{range}」"),
                        });
                    }
                }
                continue;
            }
            if first == "provisional" {
                let year = parts.next().unwrap_or("");
                match year.parse::<i32>() {
                    Ok(year) => provisional.insert(year),
                    Err(_) => {
                        return Err(CalendarError::Line {
                            line,
                            reason: format!("provisional 应为年份 YYYY，实际为「{year}」"),
                        });
                    }
                };
                continue;
            }
            let (from, to) = match first.split_once("..") {
                Some((a, b)) => (parse_date(a, line)?, parse_date(b, line)?),
                None => (parse_date(first, line)?, parse_date(first, line)?),
            };
            if to < from || to - from > Duration::days(31) {
                return Err(CalendarError::Line { line, reason: format!("日期范围「{first}」不合理") });
            }
            let kind = parts.next().unwrap_or("");
            let name = parts.collect::<Vec<_>>().join(" ");
            let mut day = from;
            while day <= to {
                let exception = match kind {
                    "休" => Exception::Holiday(name.clone()),
                    "班" => Exception::MakeUpWorkday(name.clone()),
                    _ => {
                        return Err(CalendarError::Line {
                            line,
                            reason: format!("类别应为「休」或「班」，实际为「{kind}」"),
                        });
                    }
                };
                if exceptions.insert(day, exception).is_some() {
                    return Err(CalendarError::Line { line, reason: format!("{} 重复出现", Day(day)) });
                }
                day += Duration::days(1);
            }
        }
        let (first_year, last_year) = years
            .ok_or(CalendarError::Line { line: 1, reason: "缺少 years 行 / missing the `years` line".into() })?;
        if let Some(year) = provisional.iter().find(|y| !(first_year..=last_year).contains(*y)) {
            return Err(CalendarError::Line {
                line: 1,
                reason: format!("暂定年份 {year} 不在 years 范围内 / provisional year {year} is outside `years`"),
            });
        }
        Ok(Self { first_year, last_year, provisional, exceptions })
    }

    /// The years covered, inclusive.
    pub fn years(&self) -> (i32, i32) {
        (self.first_year, self.last_year)
    }

    /// Whether `day` lies in a provisional year: statutory holidays only, the State Council's
    /// arrangement (调休) not yet published.
    pub fn is_provisional(&self, day: Day) -> bool {
        self.provisional.contains(&day.0.year())
    }

    /// The last year whose official arrangement the calendar holds, if any.
    pub fn last_confirmed_year(&self) -> Option<i32> {
        (self.first_year..=self.last_year).rev().find(|y| !self.provisional.contains(y))
    }

    fn covers(&self, day: Date) -> Result<(), CalendarError> {
        if (self.first_year..=self.last_year).contains(&day.year()) {
            Ok(())
        } else {
            Err(CalendarError::YearNotCovered { year: day.year(), first: self.first_year, last: self.last_year })
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: Day) -> Result<bool, CalendarError> {
        self.covers(day.0)?;
        Ok(match self.exceptions.get(&day.0) {
            Some(Exception::Holiday(_)) => false,
            Some(Exception::MakeUpWorkday(_)) => true,
            None => !matches!(day.0.weekday(), Weekday::Saturday | Weekday::Sunday),
        })
    }

    /// The holiday or make-up day's name, if `day` is one.
    pub fn note(&self, day: Day) -> Option<&str> {
        self.exceptions.get(&day.0).map(|e| match e {
            Exception::Holiday(name) | Exception::MakeUpWorkday(name) => name.as_str(),
        })
    }

    /// The first working day on or after `day`.
    pub fn next_working_day(&self, day: Day) -> Result<Day, CalendarError> {
        let mut d = day;
        while !self.is_working_day(d)? {
            d = Day(d.0 + Duration::days(1));
        }
        Ok(d)
    }

    /// A period of `working_days` working days that starts on the first working day on or after
    /// `start`: returns its first and last day (both working days).
    pub fn period(&self, start: Day, working_days: u32) -> Result<(Day, Day), CalendarError> {
        let first = self.next_working_day(start)?;
        let mut last = first;
        for _ in 1..working_days.max(1) {
            last = self.next_working_day(Day(last.0 + Duration::days(1)))?;
        }
        Ok((first, last))
    }

    /// Working days from `from` to `to`, both included.
    pub fn working_days_between(&self, from: Day, to: Day) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = from;
        while d <= to {
            n += u32::from(self.is_working_day(d)?);
            d = Day(d.0 + Duration::days(1));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        Day::parse("d", text).unwrap()
    }

    #[test]
    fn real_shandong_notices_span_exactly_five_working_days() {
        let calendar = WorkCalendar::shipped();
        // 公示 windows of Shandong 工信厅 notices (docs/domain.md §6.1).
        for (from, to) in [
            ("2022-04-26", "2022-05-05"), // May 2–4 were the 劳动节 holiday
            ("2024-08-23", "2024-08-29"),
            ("2025-06-03", "2025-06-09"),
            ("2025-12-18", "2025-12-24"),
        ] {
            assert_eq!(calendar.working_days_between(day(from), day(to)), Ok(5), "{from} → {to}");
            assert_eq!(calendar.period(day(from), 5), Ok((day(from), day(to))), "{from}");
        }
    }

    #[test]
    fn make_up_saturdays_work_and_holiday_weekdays_rest() {
        let calendar = WorkCalendar::shipped();
        assert_eq!(calendar.is_working_day(day("2025-02-08")), Ok(true)); // Saturday, 春节调休
        assert_eq!(calendar.is_working_day(day("2025-10-08")), Ok(false)); // Wednesday, 国庆
        assert_eq!(calendar.is_working_day(day("2026-01-04")), Ok(true)); // Sunday, 元旦调休
        assert_eq!(calendar.note(day("2026-02-16")), Some("春节"));
        // A period announced on the eve of the 2026 Spring Festival skips all nine days off.
        assert_eq!(calendar.period(day("2026-02-12"), 5), Ok((day("2026-02-12"), day("2026-02-25"))));
    }

    #[test]
    fn a_period_starting_on_a_rest_day_begins_on_the_next_working_day() {
        let calendar = WorkCalendar::shipped();
        assert_eq!(calendar.period(day("2026-11-22"), 5), Ok((day("2026-11-23"), day("2026-11-27"))));
    }

    #[test]
    fn years_outside_the_data_are_refused_not_guessed() {
        let calendar = WorkCalendar::shipped();
        let err = calendar.period(day("2027-12-28"), 5).unwrap_err();
        assert!(matches!(err, CalendarError::YearNotCovered { year: 2028, first: 2022, last: 2027 }), "{err}");
    }

    #[test]
    fn every_day_matches_the_chinese_calendar_package_and_the_statutory_rules() {
        // scripts/calendar-fixtures.py writes each day that is not what its weekday says.
        let oracle: HashMap<Date, bool> = include_str!("../tests/fixtures/workdays.txt")
            .lines()
            .map(|line| {
                let (date, kind) = line.split_once(' ').unwrap();
                (day(date).0, kind == "班")
            })
            .collect();
        let calendar = WorkCalendar::shipped();
        let mut d = day("2022-01-01");
        while d <= day("2027-12-31") {
            let weekday_works = !matches!(d.0.weekday(), Weekday::Saturday | Weekday::Sunday);
            let expected = oracle.get(&d.0).copied().unwrap_or(weekday_works);
            assert_eq!(calendar.is_working_day(d), Ok(expected), "{d}");
            d = Day(d.0 + Duration::days(1));
        }
    }

    #[test]
    fn the_year_without_a_notice_is_provisional_and_says_so() {
        let calendar = WorkCalendar::shipped();
        assert_eq!(calendar.last_confirmed_year(), Some(2026));
        assert!(!calendar.is_provisional(day("2026-12-31")) && calendar.is_provisional(day("2027-01-04")));
        // A 公示 published over New Year runs into 2027 and skips its statutory 元旦.
        assert_eq!(calendar.period(day("2026-12-28"), 5), Ok((day("2026-12-28"), day("2027-01-04"))));
        let err = WorkCalendar::parse("years 2030..2030\nprovisional 2031\n").unwrap_err();
        assert!(matches!(err, CalendarError::Line { line: 1, .. }), "{err}");
    }

    #[test]
    fn malformed_calendar_lines_are_named() {
        let err = WorkCalendar::parse("years 2030..2030\n2030-01-01 放 元旦\n").unwrap_err();
        assert!(matches!(err, CalendarError::Line { line: 2, .. }), "{err}");
        assert!(WorkCalendar::parse("2030-01-01 休 元旦\n").is_err());
        let custom = WorkCalendar::parse("years 2030..2030\n2030-01-01 休 元旦\n").unwrap();
        assert_eq!(custom.is_working_day(day("2030-01-01")), Ok(false));
    }
}
