"""The BC Transfer Guide's dates and effective windows."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.bc.dates import parse_effective_end, parse_effective_range, parse_effective_start
from hub.domain.errors import InvalidDate


class TestMonths:
    """A month starts a window on its first day and ends one on its last."""

    @pytest.mark.parametrize(("text", "start", "end"), [
        ("Sep/98", date(1998, 9, 1), date(1998, 9, 30)),
        ("Sept/95", date(1995, 9, 1), date(1995, 9, 30)),
        ("Feb/24", date(2024, 2, 1), date(2024, 2, 29)),
        ("Jan/00", date(2000, 1, 1), date(2000, 1, 31)),
        ("Dec/49", date(2049, 12, 1), date(2049, 12, 31)),
        ("Jan/50", date(1950, 1, 1), date(1950, 1, 31)),
        ("Sep 2015", date(2015, 9, 1), date(2015, 9, 30)),
        ("Aug 2023", date(2023, 8, 1), date(2023, 8, 31)),
        ("september 2015", date(2015, 9, 1), date(2015, 9, 30)),
        ("MAY/21", date(2021, 5, 1), date(2021, 5, 31)),
    ])
    def test_month_start_and_end(self, text: str, start: date, end: date) -> None:
        assert parse_effective_start(text) == start
        assert parse_effective_end(text) == end

    def test_api_dates_are_exact_days(self) -> None:
        assert parse_effective_start("20150915") == date(2015, 9, 15)
        assert parse_effective_end("20230831") == date(2023, 8, 31)


class TestOpenEnds:
    """present, ongoing, '-' and empty leave the window open."""

    @pytest.mark.parametrize("text", ["present", "Present", "ongoing", "-", "", "  ", None])
    def test_open_end(self, text: str | None) -> None:
        assert parse_effective_end(text) is None

    def test_empty_start_is_open(self) -> None:
        assert parse_effective_start("") is None


class TestRefusals:
    """Unreadable dates raise InvalidDate naming the text."""

    @pytest.mark.parametrize("text", ["Sep/1", "Foo/21", "20151301", "2015", "Sep", "13/2021",
                                      "present"])
    def test_names_the_text(self, text: str) -> None:
        with pytest.raises(InvalidDate, match=repr(text).replace("(", r"\(")):
            parse_effective_start(text)


class TestWindows:
    """The Guide's printed window reads into (start, end)."""

    @pytest.mark.parametrize(("text", "window"), [
        ("Sep/21 to present", (date(2021, 9, 1), None)),
        ("May/05 to Aug/19", (date(2005, 5, 1), date(2019, 8, 31))),
        ("Sep/98 ongoing", (date(1998, 9, 1), None)),
    ])
    def test_reads_window(self, text: str, window: tuple[date, date | None]) -> None:
        assert parse_effective_range(text) == window

    def test_refuses_a_window_without_start(self) -> None:
        with pytest.raises(InvalidDate):
            parse_effective_range("to present")


@pytest.mark.parametrize("text", ["Sep/٩٨", "٢٠١٥٠٩٠١", "Sep ٢٠١٥"])
def test_only_ascii_digits_make_a_date(text: str) -> None:
    """"٢٠١٥٠٩٠١" is not the Guide's 20150901: refused, never read silently."""
    with pytest.raises(InvalidDate):
        parse_effective_start(text)
