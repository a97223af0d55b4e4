"""Cross-cutting HTTP behaviour of the simulated engine: errors, authentication, injected faults.

Order matters and mirrors a real deployment: a request is first authenticated (401 before anything
else, also when an `auth_fail` fault is armed), then the armed faults may delay or replace the answer,
and the simulator's own exceptions turn into the status codes the engine uses (400 bad parameters, OQL
or refused actions, 404 unknown plan, 415 an action without a JSON content type).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from twspulse.simulator.api_shapes import error_json
from twspulse.simulator.exceptions import (
    ActionRefusedError,
    BadParameterError,
    FaultSpecError,
    OqlSyntaxError,
    UnknownPlanError,
    UnsupportedMediaTypeError,
)
from twspulse.simulator.faults import FaultInjector

TWS_API_PREFIX = "/twsd/api/"


@dataclass(frozen=True)
class Credentials:
    """What the simulated engine accepts: HTTP Basic user/password, or a Bearer token if one is set."""

    user: str
    password: str
    token: str | None = None

    def accepts(self, authorization: str | None) -> bool:
        """True if the Authorization header value carries valid credentials."""
        if not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer":
            return self.token is not None and hmac.compare_digest(value.encode(), self.token.encode())
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, separator, password = decoded.partition(":")
        if not separator:
            return False
        return hmac.compare_digest(user.encode(), self.user.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A compact, deterministic JSON answer."""
    return web.json_response(body, status=status, headers=headers, dumps=compact_json)


def compact_json(value: object) -> str:
    """JSON text without spaces; key order is the order the shapes were built in."""
    return json.dumps(value, separators=(",", ":"))


def error_middleware() -> Middleware:
    """Turn the simulator's exceptions into the engine's HTTP errors."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except OqlSyntaxError as error:
            return json_response(
                error_json("OQL_FILTER_SYNTAX_ERROR", f"The OQL filter is not valid: {error}"), status=400
            )
        except BadParameterError as error:
            return json_response(
                error_json("INVALID_PARAMETER", f"The provided parameters are not valid: {error}"), status=400
            )
        except FaultSpecError as error:
            return json_response(error_json("INVALID_FAULT", str(error)), status=400)
        except UnknownPlanError as error:
            return json_response(error_json("NOT_FOUND", f"No plan was found: {error}"), status=404)
        except ActionRefusedError as error:
            return json_response(
                error_json("INVALID_ACTION", f"The provided parameters are not valid: {error}"), status=400
            )
        except UnsupportedMediaTypeError as error:
            return json_response(error_json("UNSUPPORTED_MEDIA_TYPE", str(error)), status=415)

    return middleware


def auth_middleware(credentials: Credentials, faults: FaultInjector | None = None) -> Middleware:
    """Answer 401 to TWS API requests without valid Basic or Bearer credentials, or with an armed auth_fail."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(TWS_API_PREFIX):
            # An armed auth_fail is consumed by every TWS request, good credentials or not.
            forced = faults is not None and faults.next_auth_failure()
            if forced or not credentials.accepts(request.headers.get("Authorization")):
                return json_response(
                    error_json("UNAUTHORIZED", "Not Authorized"),
                    status=401,
                    headers={"WWW-Authenticate": 'Basic realm="twsd"'},
                )
        return await handler(request)

    return middleware


def fault_middleware(
    faults: FaultInjector,
) -> Middleware:
    """Serve armed faults (delay, 429, 500) on TWS API requests."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(TWS_API_PREFIX):
            return await handler(request)
        fault = faults.next_response()
        if fault is None:
            return await handler(request)
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.status == 429:
            return json_response(
                error_json("TOO_MANY_REQUESTS", fault.message or "Too Many Requests"),
                status=429,
                headers={"Retry-After": fault.retry_after or "1"},
            )
        if fault.status == 500:
            return json_response(error_json("AWSJSY404E", fault.message or ""), status=500)
        return await handler(request)

    return middleware
