"""The servers of ``noriai bench load``: a throwaway database, ``noriai serve`` and
``noriai dispatcher`` as subprocesses in their own process groups.

Everything is torn down on the way out of the context managers (also on Ctrl-C
or an error): the process groups are terminated, then killed; the database is
dropped with its connections; the Redis database is flushed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NORIAI = [sys.executable, "-m", "booking_api.cli"]
DB_PREFIX = "noriai_bench_load_"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    # The children get this process's environment (PATH, HOME ...) but none of the
    # caller's service configuration: the stack is configured only by what we set.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NORIAI_") and k not in {"DATABASE_URL", "REDIS_URL"}}
    return {**env, **extra}


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a child's whole process group (uvicorn's workers too), then kill it."""
    for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # a worker left behind by a dead parent


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def tracebacks(path: Path) -> list[str]:
    """Return the tracebacks a server logged (each up to its exception line)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found, current = [], None
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line and not line.startswith((" ", "\t", "Traceback", "During", "The above")):
                found.append("\n".join(current))
                current = None
    return found


@dataclass
class Stack:
    """A running ``noriai serve`` (and ``noriai dispatcher``) on one database."""

    base: str
    logs: list[Path]


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, limit_s: float) -> None:
    import httpx

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"noriai serve exited ({proc.returncode}):\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            health = httpx.get(f"{base}/health", timeout=2).json()
            # bus == redis: it is our server on this port, not someone else's
            if health.get("status") == "ok" and health.get("bus") == "redis":
                return
        time.sleep(0.5)
    raise RuntimeError(f"noriai serve was not healthy after {limit_s:.0f} s:\n{_tail(log)}")


def create_admin(url: str, username: str, password: str) -> None:
    """The admin account, written to the store as ``noriai admin create`` does (a
    subprocess for it costs ~15 s of start-up on a busy machine).
    """
    from booking_api.db import AccountRow
    from booking_api.security import hash_password
    from dispatch.store.base import make_engine
    from dispatch.store.repo import change_session

    engine = make_engine(url)
    try:
        with change_session(engine) as db:
            db.add(AccountRow(username=username, role="admin", display_name="負荷試験",
                              password_hash=hash_password(password)))
    finally:
        engine.dispose()


@contextlib.contextmanager
def database(server_url: str, name: str, template: str | None = None) -> Iterator[tuple[str, str]]:
    """Create a throwaway database (a copy of ``template`` if given); yield its name and URL."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url)
    db_name = f"{DB_PREFIX}{os.getpid()}_{secrets.token_hex(3)}_{name}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db_name}"{copy}'))
        try:
            yield db_name, url.set(database=db_name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextlib.contextmanager
def stack(db_url: str, redis_url: str, workers: int, extra: dict[str, str], folder: Path,
          cache_dir: Path, *, dispatcher: bool = True, admin: tuple[str, str] | None = None,
          code_dir: Path | None = None) -> Iterator[Stack]:
    """Start ``noriai serve`` (which migrates the database) and the dispatcher; yield
    when it answers; stop them and flush the Redis database on the way out.

    ``code_dir``: run the servers from that checkout (e.g. a worktree of an older
    commit, for before/after figures) instead of this one.
    """
    import redis

    rdb = redis.Redis.from_url(redis_url)
    procs: list[subprocess.Popen[bytes]] = []
    folder.mkdir(parents=True, exist_ok=True)
    try:
        rdb.flushdb()
        env = _child_env({
            "DATABASE_URL": db_url, "REDIS_URL": redis_url,
            "NORIAI_DATA_DIR": str(folder / "data"), "NORIAI_CACHE_DIR": str(cache_dir),
            "NORIAI_SECRET_KEY": secrets.token_urlsafe(32), **extra,
            **({"PYTHONPATH": str(code_dir.resolve())} if code_dir else {})})
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        commands = [["serve", "--workers", str(workers), "--port", str(port)]]
        commands += [["dispatcher"]] if dispatcher else []
        logs = []
        for cmd in commands:
            log = folder / f"{cmd[0]}.log"
            logs.append(log)
            with log.open("wb") as out:
                # cwd: the temporary folder, so no .env of the caller's checkout is read
                procs.append(subprocess.Popen([*NORIAI, *cmd], cwd=folder, env=env, stdout=out,
                                              stderr=subprocess.STDOUT, start_new_session=True))
            if cmd[0] == "serve":
                _wait_healthy(base, procs[0], log, 300)
                if admin and code_dir:  # another version's tables: its own command
                    done = subprocess.run(
                        [*NORIAI, "admin", "create", admin[0], "--role", "admin", "--password",
                         admin[1]], cwd=folder, env=env, capture_output=True, timeout=300)
                    if done.returncode:
                        raise RuntimeError(f"admin create failed: {done.stderr.decode()[-999:]}")
                elif admin:
                    create_admin(db_url, *admin)
        yield Stack(base, logs)
    finally:
        for proc in reversed(procs):
            _stop(proc)
        with contextlib.suppress(redis.RedisError):
            rdb.flushdb()
        rdb.close()
