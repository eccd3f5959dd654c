"""``noriai bench quote`` on a tiny day: it runs, prints its table, refuses bad options."""

from __future__ import annotations

import argparse

from bench import quote as bench_quote


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench_quote.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_small_day_with_baseline(capsys) -> None:
    args = parse("--sizes", "small", "--probes", "4", "--baseline-probes", "2",
                 "--fill-limit", "25", "--grid", "8")
    assert bench_quote.run(args, None) == 0
    out = capsys.readouterr().out
    assert "p99 ms" in out
    line = next(x for x in out.splitlines() if x.startswith("small"))
    fields = line.split()
    assert fields[1:3] == ["10", "300"]
    assert 0 < int(fields[3]) <= 25
    assert "naive baseline" in out and "same insertion cost on 2/2" in out


def test_bad_options_print_one_line(capsys) -> None:
    assert bench_quote.run(parse("--sizes", "medium"), None) == 2
    err = capsys.readouterr().err
    assert err.startswith("noriai: unknown size 'medium'")
    assert bench_quote.run(parse("--probes", "0"), None) == 2
    assert "must be positive" in capsys.readouterr().err


def test_naive_baseline_agrees_with_quote_on_a_fresh_day() -> None:
    from optimizer import Plan, Quote, quote

    args = parse("--grid", "6")
    import random

    rng = random.Random(1)
    problem = bench_quote._problem(3, [], args)
    for k in range(5):
        r = bench_quote._request(f"x{k}", rng, 36, args.step_s, args.grid)
        q = quote(problem, Plan(()), r)
        expected = q.added_travel_s if isinstance(q, Quote) else None
        assert bench_quote.naive_quote(problem, Plan(()), r) == expected
