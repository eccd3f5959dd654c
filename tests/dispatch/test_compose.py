"""docker-compose.yml parses, has the services and health checks, and uses real settings names."""

from __future__ import annotations

from pathlib import Path

import yaml

from booking_api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _env_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"NORIAI_{name.upper()}")
        alias = field.validation_alias
        for choice in getattr(alias, "choices", ()):
            names.add(str(choice))
    return names


def test_services_and_health_checks() -> None:
    """postgres, redis, api and dispatcher exist; the long-running ones have health checks."""
    services = _compose()["services"]
    assert {"postgres", "redis", "api", "dispatcher"} <= set(services)
    for name in ("postgres", "redis", "api", "dispatcher"):
        assert "healthcheck" in services[name], name
    assert services["dispatcher"]["command"][:2] == ["noriai", "dispatcher"]
    assert services["api"]["command"][:2] == ["noriai", "serve"]
    assert "pgdata" in _compose()["volumes"]


def test_env_names_are_settings_fields() -> None:
    """Every variable given to the Noriai services is one Settings reads."""
    known = _env_names()
    services = _compose()["services"]
    for name in ("api", "dispatcher", "migrate"):
        env = services[name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name}: {sorted(unknown)} are not Settings fields"
        assert {"DATABASE_URL", "REDIS_URL", "NORIAI_SECRET_KEY"} <= set(env)
    assert services["api"]["environment"]["NORIAI_HOST"] == "0.0.0.0"


def test_dispatcher_command_exists() -> None:
    """The compose file's dispatcher command is registered on the noriai CLI."""
    from booking_api.cli import build_parser

    args = build_parser().parse_args(["dispatcher", "--interval", "5"])
    assert callable(args.handler)
    args = build_parser().parse_args(["simulate", "--vehicles", "2", "--json"])
    assert callable(args.handler)
