"""Sign-in defences (issue 14, items 1-5): throttling failed sign-ins and failed token checks,
session lifetimes kept on the server, second factors for admin and legal.

``init_app`` (called once by ``registry.app``) installs, per app:

- ProxyFix, when ``PROXY_FIX_HOPS`` > 0: the client address (``X-Forwarded-For``) and scheme
  (``X-Forwarded-Proto``) come from that many proxies in front; never from a client directly;
- a rate-limit store for this app (Redis at ``REDIS_URL``, else memory) with the moving-window
  strategy, both from ``limits`` (the library Flask-Limiter is built on; Flask-Limiter's own
  per-route decorators and request hooks are not used: no route has a limit, and its three
  hooks cost about 60 us on every request for nothing), and the three throttles on it
  (``throttle.py``): failed sign-ins per account and per client address, failed API token
  checks per client address;
- a check before every API request that presents a token: a client address with too many
  failed token checks is refused (429) before its token is looked at; a 401 to a request that
  presented one counts as a failure. Requests without a token are not counted, and a good
  token costs one look-up per limit, never a write;
- after each page request of a signed-in session, its ``last_seen_at`` is moved on (at most
  once a minute: ``services.TOUCH_EVERY``), which the idle timeout reads.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``audit``, ``web`` (and the
accounts feature itself).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from registry.accounts import services
from registry.accounts.throttle import Store, Throttle, parse_limit
from registry.audit.trail import record
from registry.transactions import unit_of_work
from registry.web.errors import error_response

log = logging.getLogger("registry.accounts.security")
EXTENSION = "registry_sign_in"
TOKEN_REFUSED = "Too many failed token checks from your address; try again later."


@dataclass
class Defences:
    """This app's rate-limit store and throttles."""

    storage: Storage
    accounts: Throttle
    addresses: Throttle
    tokens: Throttle

    def sign_in_refused(self, email: str, address: str) -> bool:
        """Whether a sign-in for ``email`` from ``address`` is refused now (too many failures
        of either). Both refusals answer alike, and an unknown e-mail like a known one."""
        account = services.normalise_email(email)
        return self.accounts.refused(account) or self.addresses.refused(address)

    def sign_in_failed(self, email: str, address: str) -> None:
        """Count a failed sign-in (a wrong password or second factor); record in the audit
        trail when it locks a known account."""
        account = services.normalise_email(email)
        if self.accounts.failed(account):
            user_id = services.user_id_for_email(account)
            if user_id is not None:
                record(
                    "user.sign_in_locked",
                    "user",
                    user_id,
                    {"seconds": self.accounts.lock_seconds, "after": str(self.accounts.lock_after)},
                    actor_id=None,
                )
        if self.addresses.failed(address):
            log.warning(
                "sign-in locked for %s s for client %s after %s",
                self.addresses.lock_seconds,
                _address_digest(address),
                self.addresses.lock_after,
            )

    def sign_in_succeeded(self, email: str) -> None:
        """Forget the account's failures (never the address's: one good account must not wipe
        the count of guesses at others)."""
        self.accounts.succeeded(services.normalise_email(email))

    def reset(self) -> None:
        """Forget every count (the memory store; Redis keeps its counts under ``prefix``)."""
        self.storage.reset()


def _address_digest(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:12]


def client_address() -> str:
    """The calling client's address (after ProxyFix, when proxies are configured)."""
    return request.remote_addr or "127.0.0.1"


def defences(app: Flask | None = None) -> Defences:
    """The defences of ``app`` (default: the current app)."""
    value = (app or current_app).extensions[EXTENSION]
    return cast(Defences, value)


def _make(app: Flask) -> Defences:
    config = app.config
    redis_url = config.get("REDIS_URL")
    storage_options: dict[str, Any] = {"wrap_exceptions": True}
    if redis_url:
        storage_options.update(socket_connect_timeout=1, socket_timeout=1)
    elif str(config.get("ENV", "")).lower() == "production":
        log.warning(
            "REGISTRY_REDIS_URL is not set: failed sign-ins are counted per process; with "
            "several processes or hosts set it, so that they share the counts"
        )
    storage = storage_from_string(str(redis_url) if redis_url else "memory://", **storage_options)
    if not isinstance(storage, Storage):  # an async scheme (async+redis://) cannot serve Flask
        raise ValueError("REGISTRY_REDIS_URL must be a redis://, rediss:// or sentinel URL")
    strategy = MovingWindowRateLimiter(storage)
    store = Store(strategy, str(config.get("RATELIMIT_KEY_PREFIX") or "registry"))
    secret = hashlib.sha256(b"registry throttle keys\0" + str(app.secret_key).encode()).digest()
    lock_seconds = int(config["LOCKOUT_SECONDS"])

    def throttle(name: str, limit: str, lock_after: str) -> Throttle:
        return Throttle(
            store,
            name,
            limit=parse_limit(config[limit], limit),
            lock_after=parse_limit(config[lock_after], lock_after),
            lock_seconds=lock_seconds,
            secret=secret,
        )

    return Defences(
        storage,
        accounts=throttle("sign-in-account", "SIGN_IN_ACCOUNT_LIMIT", "SIGN_IN_ACCOUNT_LOCK_AFTER"),
        addresses=throttle(
            "sign-in-address", "SIGN_IN_ADDRESS_LIMIT", "SIGN_IN_ADDRESS_LOCK_AFTER"
        ),
        tokens=throttle("token-address", "TOKEN_FAILURE_LIMIT", "TOKEN_FAILURE_LOCK_AFTER"),
    )


def _presents_token() -> bool:
    return request.path.startswith("/api/") and "Authorization" in request.headers


def _refuse_throttled_token_checks() -> Response | None:
    """``before_request``: a client with too many failed token checks gets 429 before its
    token is even looked at (a right guess then would be refused too)."""
    if _presents_token() and defences().tokens.refused(client_address()):
        return error_response(429, TOKEN_REFUSED)
    return None


def _after_request(response: Response) -> Response:
    if request.path.startswith("/api/"):
        if response.status_code == 401 and "Authorization" in request.headers:
            address = client_address()
            if defences().tokens.failed(address):
                log.warning(
                    "token checks locked for %s s for client %s",
                    defences().tokens.lock_seconds,
                    _address_digest(address),
                )
        return response
    user = g.get("_login_user")
    if user is not None and getattr(user, "login_session_touch_due", False):
        with unit_of_work():
            services.touch_login_session(user)
    return response


def init_app(app: Flask) -> None:
    """Install the sign-in defences on the app."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops < 0:
        raise ValueError(f"REGISTRY_PROXY_FIX_HOPS must be 0 or more, got {hops}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.extensions[EXTENSION] = _make(app)
    app.before_request(_refuse_throttled_token_checks)
    app.after_request(_after_request)
