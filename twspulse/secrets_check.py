"""The compose stack's secrets before anything starts: refuse example passwords, hand the Grafana role its own.

Run by compose.yaml, not by users, so it is no twspulse subcommand:

- ``python -m twspulse.secrets_check check`` (the one-shot ``secrets-check`` service, which every other service
  waits for): exits 1 with one line naming every secret variable that still has .env.example's placeholder
  value, unless the demo profile is on (``COMPOSE_PROFILES`` holds ``demo``), where the placeholders are the
  point.
- ``python -m twspulse.secrets_check grafana-reader`` (the ``migrate`` service, after the migrations): lets the
  read-only role of twspulse/sql/020_grafana_reader.sql log in, with ``GRAFANA_READER_PASSWORD``. The password is hashed
  here (SCRAM, by libpq) so the statement the server sees, and may log, holds no clear text.

These variables are compose's own (the database and Grafana passwords, the active profiles), not settings of a
twspulse process, so they are read from the environment compose gives the container, at the edge (``main``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence

import psycopg
from psycopg import sql

from twspulse.settings import load_settings

# The example values of .env.example (tests/test_compose_secrets.py checks that every secret it sets is one).
PLACEHOLDERS = frozenset({"change-me", "twspass"})
# Variable names that hold a secret; what compose passes the check decides which of them are looked at.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN$|API_KEY|PRIVATE_KEY|WEBHOOK_URLS", re.IGNORECASE)
DEMO_PROFILE = "demo"
READER_ROLE = "twspulse_grafana"
READER_PASSWORD_VAR = "GRAFANA_READER_PASSWORD"


class SecretsCheckError(RuntimeError):
    """The secrets are not fit to start the stack with (the message names the variables)."""


def placeholder_secrets(environ: Mapping[str, str]) -> list[str]:
    """Names of the secret variables of ``environ`` whose value is still an example value, sorted."""
    return sorted(name for name, value in environ.items() if SECRET_NAME.search(name) and value.strip() in PLACEHOLDERS)


def demo_profile_on(environ: Mapping[str, str]) -> bool:
    """Whether compose runs the demo profile (``COMPOSE_PROFILES`` is a comma-separated list)."""
    return DEMO_PROFILE in {p.strip() for p in environ.get("COMPOSE_PROFILES", "").split(",")}


def check_secrets(environ: Mapping[str, str]) -> None:
    """Raise SecretsCheckError naming the placeholder secrets, unless there are none or the demo profile is on."""
    names = placeholder_secrets(environ)
    if names and not demo_profile_on(environ):
        raise SecretsCheckError(
            f"refusing to start: {', '.join(names)} still {'has' if len(names) == 1 else 'have'} the example value "
            "of .env.example; set a real secret in .env (placeholders are accepted only with COMPOSE_PROFILES=demo)"
        )


def set_reader_password(conn: psycopg.Connection, password: str, role: str = READER_ROLE) -> None:
    """Let ``role`` log in with ``password`` (an existing role: the migrations create it NOLOGIN)."""
    if not password:
        raise SecretsCheckError(f"{READER_PASSWORD_VAR} is empty; the {role} role would accept no password")
    # ALTER ROLE takes no bind parameters: the hash goes in as a quoted literal, the clear text never does.
    hashed = conn.pgconn.encrypt_password(password.encode(), role.encode()).decode()
    conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(hashed)))


def _grafana_reader(environ: Mapping[str, str]) -> None:
    password = environ.get(READER_PASSWORD_VAR)
    if password is None:
        raise SecretsCheckError(f"{READER_PASSWORD_VAR} is not set")
    url = load_settings().database_url
    if url is None:
        raise SecretsCheckError("TWSPULSE_DATABASE_URL is not set; compose sets it for the migrate service")
    with psycopg.connect(url, autocommit=True) as conn:
        set_reader_password(conn, password)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Entry point: ``check`` (default) or ``grafana-reader``; returns the exit code (1 with one line on stderr)."""
    import os

    args = list(sys.argv[1:] if argv is None else argv) or ["check"]
    env = os.environ if environ is None else environ
    try:
        if args == ["check"]:
            check_secrets(env)
        elif args == ["grafana-reader"]:
            _grafana_reader(env)
            print(f"role {READER_ROLE} can log in with {READER_PASSWORD_VAR}")
        else:
            print(f"usage: python -m twspulse.secrets_check [check | grafana-reader], not {args}", file=sys.stderr)
            return 2
    except SecretsCheckError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
