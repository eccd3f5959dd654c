"""``noriai bench load`` at a tiny size: it starts its stack, prints its table, cleans up."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench import load as bench_load
from bench._loadstack import DB_PREFIX

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench_load.add_arguments(parser)
    return parser.parse_args(list(argv))


def _bench_databases(url: str) -> set[str]:
    """The benchmark databases this process made (another run's are not ours to count)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                             {"p": f"{DB_PREFIX}{os.getpid()}_%"}).scalars()
        found = set(names)
    engine.dispose()
    return found


def test_tiny_load_gets_every_request_answered(
    postgres_url: str, redis_url: str, shared_cache_dir: Path, capsys
) -> None:
    """Two clients for 2 s per kind on one worker: every attempt answered, none a 5xx."""
    before = _bench_databases(postgres_url)
    cache = shared_cache_dir  # the run's map cache: built once for every test that needs it
    args = parse("--levels", "2", "--seconds", "2", "--no-baseline", "--workers", "1",
                 "--vehicles", "3", "--members", "10", "--prefill", "3",
                 "--database-url", postgres_url,
                 "--redis-url", redis_url.rsplit("/", 1)[0] + "/12", "--cache-dir", str(cache))
    assert bench_load.run(args, None) == 0
    out = capsys.readouterr().out
    rows = {line.split()[2]: line.split() for line in out.splitlines()
            if line.startswith("admission ")}
    assert set(rows) == {"quotes", "bookings"}
    for kind, fields in rows.items():
        tries, ok, c409, c429, c503, c5xx, timeouts, c4xx, conn = map(int, fields[3:12])
        assert tries > 0 and ok > 0, kind
        # every attempt got an answer, and it was one a client can act on
        assert tries == ok + c409 + c429 + c503 + c5xx + timeouts + c4xx + conn
        assert (c5xx, timeouts, conn) == (0, 0, 0), kind
        p50, p95, p99 = map(float, fields[13:16])
        assert 0 < p50 <= p95 <= p99, kind
        assert fields[16].endswith("%")  # the clients' own CPU share
    assert "rides prefilled" in out
    assert "machine load average" in out
    assert _bench_databases(postgres_url) == before  # its database dropped


def test_bad_options_print_one_line(capsys) -> None:
    assert bench_load.run(parse("--levels", "8,x"), None) == 2
    assert capsys.readouterr().err.startswith("noriai: --levels must be whole numbers")
    assert bench_load.run(parse("--kinds", "cancels"), None) == 2
    assert "unknown kind 'cancels'" in capsys.readouterr().err
    assert bench_load.run(parse("--seconds", "0"), None) == 2
    assert "must be positive" in capsys.readouterr().err
    assert bench_load.run(parse("--set", "QUEUE=1"), None) == 2
    assert "--set takes NORIAI_NAME=VALUE" in capsys.readouterr().err


def test_unreachable_database_is_one_line(capsys) -> None:
    args = parse("--database-url", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert bench_load.run(args, None) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("noriai: the load benchmark could not run:") and "\n" not in err


def test_targets_judge_the_admission_run_only() -> None:
    """5xx or time-outs at 32/128 clients and a slow p99 at 32 fail; the baseline is not judged."""
    good = bench_load.Phase("admission", 32, "quotes", 10.0)
    good.counts.update({"2xx": 90, "503": 10})
    good.latencies_s = [0.2] * 90
    slow = bench_load.Phase("admission", 128, "bookings", 10.0)
    slow.counts.update({"2xx": 5, "5xx": 1, "timeout": 2})
    base = bench_load.Phase("baseline", 32, "quotes", 10.0)
    base.counts.update({"5xx": 50})
    checks = bench_load.verdict([base, good, slow])
    assert [met for _, met in checks] == [True, True, False]
    good.latencies_s[-1] = 5.0  # the p99 of 90 values is the largest
    assert [met for _, met in bench_load.verdict([good])] == [True, False]


def test_tracebacks_are_read_from_a_server_log(tmp_path) -> None:
    log = tmp_path / "serve.log"
    log.write_text(
        'INFO:     127.0.0.1:1 - "POST /api/v1/quotes HTTP/1.1" 200 OK\n'
        "ERROR:    Exception in ASGI application\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "    g()\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "y.py", line 2, in g\n'
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached\n"
        'INFO:     127.0.0.1:2 - "POST /api/v1/quotes HTTP/1.1" 500 Internal Server Error\n'
    )
    found = bench_load.tracebacks(log)
    assert len(found) == 1
    assert found[0].splitlines()[-1].startswith("sqlalchemy.exc.TimeoutError: QueuePool")
    assert bench_load.tracebacks(tmp_path / "missing.log") == []
