"""The generated period, and the day numbers the generator's SQL counts in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# (month, day of month) of the 618 and Double 11 shopping festivals
SIX_EIGHTEEN = ((6, 18),)
DOUBLE_ELEVEN = ((11, 11),)
FESTIVALS = SIX_EIGHTEEN + DOUBLE_ELEVEN
YEAR_END = ((12, 31),)


@dataclass(frozen=True)
class Window:
    """`years` years ending on `end` (inclusive); its first day is day number 0."""

    end: date
    years: int

    def day_number(self, day: date) -> int:
        return (day - self.start).days

    @property
    def start(self) -> date:
        try:
            anniversary = self.end.replace(year=self.end.year - self.years)
        except ValueError:  # 29 February
            anniversary = self.end.replace(year=self.end.year - self.years, day=28)
        return anniversary + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def yearly_day_numbers(self, month_days: tuple[tuple[int, int], ...]) -> list[int]:
        """Day numbers of the dates (month, day of month) of every year that fall
        in the window, in date order within each year."""
        return [
            self.day_number(day)
            for year in range(self.start.year, self.end.year + 1)
            for month, day_of_month in month_days
            if self.start <= (day := date(year, month, day_of_month)) <= self.end
        ]

    def festival_days(self) -> list[int]:
        return self.yearly_day_numbers(FESTIVALS)

    def six_eighteen_days(self) -> list[int]:
        return self.yearly_day_numbers(SIX_EIGHTEEN)

    def double_eleven_days(self) -> list[int]:
        return self.yearly_day_numbers(DOUBLE_ELEVEN)

    def year_end_days(self) -> list[int]:
        return self.yearly_day_numbers(YEAR_END)

    def month_day_numbers(self, months_before_end: int) -> tuple[int, int]:
        """First and last day numbers of the calendar month `months_before_end`
        months before the end's month, clipped to the window; (0, -1), an
        empty range, when that month ends before the window starts."""
        month_index = self.end.year * 12 + self.end.month - 1 - months_before_end
        first = date(month_index // 12, month_index % 12 + 1, 1)
        following = date((month_index + 1) // 12, (month_index + 1) % 12 + 1, 1)
        last = min(following - timedelta(days=1), self.end)
        if last < self.start:
            return 0, -1
        return max(0, self.day_number(first)), self.day_number(last)
