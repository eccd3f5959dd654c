"""The OpenAPI document is true: schemathesis with every check, as an admin and as a resident.

The app (the fake fleet, the real map, PostgreSQL) runs under uvicorn on a free
port and ``st run --checks all --mode all`` calls every operation: the examples,
coverage, fuzzing and stateful phases, positive and negative data, a bounded
number of cases each (``NORIAI_ST_MAX_EXAMPLES``, default 3). Any failure of any
check fails the test; the failures are counted per check and printed. One check
is replaced: ``positive_data_acceptance_with_rules`` (schemathesis_hooks.py) lets
schema-valid data be refused by a named service rule (a 422 whose code is not
``validation_error``: outside hours, too far ahead, outside the area ...), which
no schema can state; a field error for schema-valid data still fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from booking_api.db import AccountRow
from booking_api.main import create_app
from booking_api.security import hash_password
from booking_api.settings import Settings
from dispatch.store.base import Base, make_engine
from tests.booking_api.conftest import PASSWORD, Api
from tests.booking_api.fakes import FakeFleet, FixedClock

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("NORIAI_ST_MAX_EXAMPLES", "3"))
SEED = 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_db(pg_tables_url: str) -> Iterator[Engine]:
    """The session's PostgreSQL schema, emptied (PostgreSQL refuses what SQLite lets through)."""
    engine = make_engine(pg_tables_url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def served(
    settings: Settings, clock: FixedClock, city_map: Any, pg_db: Engine
) -> Iterator[tuple[str, dict[str, str]]]:
    """The app under uvicorn; yield its URL and the logins of an admin and of a resident."""
    import uvicorn
    from fastapi.testclient import TestClient

    # The fuzzer's wrong logins must not lock out the logins it runs as.
    limits = {k: 10**6 for k in type(settings).model_fields if k.startswith("login_max_failures")}
    # SMS receipts on, so POST /receipts/sms is checked past its "receipts off" 404.
    settings = settings.model_copy(
        update={**limits, "sms_receipt_secret": "st-receipt-secret-0123456789"}
    )
    app = create_app(settings, engine=FakeFleet(clock), clock=clock, city_map=city_map, db=pg_db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    admin = f"admin{uuid.uuid4().hex[:6]}"
    with Session(pg_db) as s:
        s.add(
            AccountRow(
                username=admin,
                role="admin",
                password_hash=hash_password(PASSWORD),
                display_name=admin,
            )
        )
        s.commit()
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=30) as client:
        # The document is built on its first request and kept: built here, not while
        # schemathesis waits its 10 s for it on a machine busy with the rest of the suite.
        assert client.get("/openapi.json", timeout=180).status_code == 200
        api = Api(client, pg_db)  # type: ignore[arg-type]
        member, _ = api.member(api.login(admin))
    try:
        # The resident first: the admin's run may reset the resident's PIN.
        yield url, {"resident": member["member_number"], "admin": admin}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    del TestClient


def run_schemathesis(url: str, login: str, report: Path) -> tuple[int, Counter[str], str]:
    """Run ``st run`` with every check as ``login``; return the exit code, unique failures
    per check and the output.
    """
    st = Path(sys.executable).with_name("st")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.booking_api.schemathesis_hooks",
        "NORIAI_ST_LOGIN_URL": f"{url}/api/v1/auth/login",
        "NORIAI_ST_LOGIN": login,
        "NORIAI_ST_PASSWORD": PASSWORD,
    }
    cmd = [
        str(st),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        # replaced by positive_data_acceptance_with_rules (schemathesis_hooks.py)
        "--exclude-checks",
        "positive_data_acceptance",
        # An admin fuzzing its own account's password would lock the run out
        # (tests/booking_api/test_signin.py covers that operation).
        "--exclude-path",
        "/api/v1/accounts/{account_id}/password",
        "--mode",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    done = subprocess.run(cmd, env=env, cwd=report.parent, capture_output=True, text=True)
    output = done.stdout + done.stderr
    return done.returncode, failures_by_check(output), output


def failures_by_check(output: str) -> Counter[str]:
    """Count the unique failures per check from the summary of ``st run``."""
    counts: Counter[str] = Counter()
    summary = output.rpartition("SUMMARY")[2]
    for line in summary.splitlines():
        found = re.match(r"\s*(?:❌|🚫)\s+(.+): (\d+)$", line)  # failures and errors
        if found:
            counts[found.group(1)] += int(found.group(2))
    return counts


# Bounded by work (MAX_EXAMPLES per operation), not by time: alone it takes about 5 min on
# 2 cores, and longer beside the rest of the parallel suite than pytest's 300 s default.
@pytest.mark.timeout(900)
def test_the_openapi_document_is_true(
    served: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, logins = served
    problems = []
    for role, login in logins.items():
        code, counts, output = run_schemathesis(url, login, tmp_path / f"{role}.ndjson")
        print(f"\nschemathesis as {role}: exit {code}, {sum(counts.values())} unique failures",
              dict(sorted(counts.items())))
        if code != 0 or counts:
            problems.append(f"{role}: {dict(counts)}\n{output[-6000:]}")
    assert not problems, "\n".join(problems)
