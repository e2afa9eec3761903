"""config.py: HTTP limits from flags, then DDBLITE_* variables, then the defaults."""

from __future__ import annotations

import pytest

from ddblite.cli import build_parser, settings_from
from ddblite.config import HttpLimits, Settings


def test_defaults() -> None:
    assert HttpLimits() == HttpLimits(
        max_header_bytes=16384,
        max_headers=100,
        header_timeout=10.0,
        body_timeout=30.0,
        keep_alive_timeout=5.0,
        max_connections=1000,
    )


def test_a_flag_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DDBLITE_MAX_CONNECTIONS", "50")
    monkeypatch.setenv("DDBLITE_HEADER_TIMEOUT", "2.5")
    assert HttpLimits.from_env(max_connections=7) == HttpLimits(
        max_connections=7, header_timeout=2.5
    )
    assert Settings.from_env().http == HttpLimits(max_connections=50, header_timeout=2.5)


def test_every_limit_has_a_flag() -> None:
    flags = "--max-header-bytes 1 --max-headers 2 --header-timeout 3 --body-timeout 4"
    flags += " --keep-alive-timeout 5 --max-connections 6"
    args = build_parser().parse_args(["serve", *flags.split()])
    assert settings_from(args).http == HttpLimits(
        max_header_bytes=1,
        max_headers=2,
        header_timeout=3.0,
        body_timeout=4.0,
        keep_alive_timeout=5.0,
        max_connections=6,
    )
