"""`invoke bench`'s traffic figures: reading wrk's report, and the report's arithmetic."""

from __future__ import annotations

import pytest

from chartops import trafficbench as tb

WRK = """Running 5s test @ http://10.244.0.5:8000/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.03ms  20.11ms   90.00%
    Req/Sec     3.12k   200.00     3.50k    70.00%
  Latency Distribution
     50%    4.90ms
     75%    5.40ms
     90%    6.10ms
     99%  {p99}
  15600 requests in 5.00s, 4.10MB read
{errors}Requests/sec:   3119.50
Transfer/sec:    820.00KB
"""


@pytest.mark.parametrize("p99, ms", [("9.80ms", 9.8), ("850.00us", 0.85), ("1.20s", 1200.0)])
def test_wrk_report_is_read_in_milliseconds(p99: str, ms: float) -> None:
    load = tb.parse_wrk("x", WRK.format(p99=p99, errors=""))
    assert load.requests_per_second == 3119.5 and load.p99_ms == pytest.approx(ms) and load.errors == 0


def test_wrk_errors_and_non_2xx_are_counted() -> None:
    errors = "  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 3\n"
    assert tb.parse_wrk("x", WRK.format(p99="9.80ms", errors=errors)).errors == 6


def test_not_a_wrk_report_is_refused() -> None:
    with pytest.raises(ValueError, match="not a wrk"):
        tb.parse_wrk("x", "unable to connect to 10.244.0.5:8000 Connection refused")


def test_report_gives_the_ratio_and_the_added_latency() -> None:
    text = tb.report(tb.Load("direct", 4000.0, 5.0, 0), tb.Load("through Traefik", 3000.0, 7.5, 0))
    assert "0.75x" in text and "+2.50 ms" in text


def test_load_runs_in_the_proxys_namespace() -> None:
    argv = tb.wrk_command("/proc/7/ns/net", "http://10.244.0.5:8000/", "bench.feng.org", 5, 16)
    assert argv[:3] == ["nsenter", "--net=/proc/7/ns/net", "--"]
    assert argv[argv.index("-H") + 1] == "Host: bench.feng.org" and "--latency" in argv
