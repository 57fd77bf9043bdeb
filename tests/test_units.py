import pytest

from advisor.errors import BadInput
from advisor.units import format_bytes, format_count, format_duration, parse_count, parse_int_list


@pytest.mark.parametrize("text,expected", [
    ("100M", 100_000_000), ("1.5B", 1_500_000_000), ("1e8", 100_000_000), ("10e7", 100_000_000),
    ("100000000", 100_000_000), ("250k", 250_000), ("1_000", 1000), (" 2m ", 2_000_000), (5, 5),
])
def test_parse_count_accepts_common_spellings(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["abc", "0", "-5", "-1M", "", "1e400", "nan", "inf", "1.5X", "0.4"])
def test_parse_count_refuses_with_a_fix(text):
    with pytest.raises(BadInput, match="100M|at least 1|1e15"):
        parse_count(text)


def test_parse_int_list_sorts_dedups_and_checks_range():
    assert parse_int_list("256,64, 64,1k", "--num-envs") == (64, 256, 1000)
    for bad in ("64,abc", "0,64", "64.5", "", ",", "99999999999"):
        with pytest.raises(BadInput, match="--num-envs"):
            parse_int_list(bad, "--num-envs")


def test_formatting():
    assert format_count(86197) == "86.2k"
    assert format_count(100_000_000) == "100M"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(8 * 1024**3) == "8.0 GiB"
    assert format_bytes(None) == "unknown"
    assert format_duration(75) == "1m15s"
    assert format_duration(3725) == "1h02m"
    assert format_duration(None) == "unknown"
