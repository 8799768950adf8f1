"""Failures counted, and attempts refused while there were too many: one ``Throttle`` for each
kind (an account's sign-ins, an address's sign-ins, an address's API token checks).

The counts live in the app's rate-limit store (``limits``, which Flask-Limiter is built on;
``security.py`` makes it: Redis when ``REDIS_URL`` is set, so that every process and host sees
the same counts; else this process's memory) with the moving-window strategy. Only failures
are counted; checking whether an attempt is refused counts nothing, so callers that succeed
cost one look-up per limit and write nothing.

- Past ``limit`` failures in its window, attempts are refused until the oldest of them leaves
  the window: the account (or address) is *slowed*.
- Once ``lock_after`` failures fall in its window, attempts are refused for ``lock_seconds``:
  it is *locked*; ``failed`` returns True for the failure that started the lock (once per lock,
  for the audit trail).

Keys are HMACs (under the app's secret key) of the account or address, so the store holds no
e-mail addresses or IP addresses. If the store cannot be reached, the counts go on in this
process's memory (and the store is asked again after ``RETRY_STORE_SECONDS``): a Redis outage
neither opens sign-in to guessing nor takes the registry down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

log = logging.getLogger("registry.accounts.throttle")
T = TypeVar("T")
RETRY_STORE_SECONDS = 30.0


def parse_limit(value: object, setting: str) -> RateLimitItem:
    """A limit such as ``"5 per minute"`` (``limits``' notation); a clear error naming the
    setting otherwise."""
    try:
        return parse(str(value))
    except ValueError as exc:
        raise ValueError(
            f"REGISTRY_{setting} must be a limit such as '5 per minute', got {value!r}"
        ) from exc


class Store:
    """The rate limiter's strategy on the shared store, with this process's memory standing in
    while the shared store is unreachable."""

    def __init__(self, strategy: RateLimiter, prefix: str) -> None:
        self._primary = strategy
        self._fallback: RateLimiter | None = None
        self._down_until = 0.0
        self._lock = threading.Lock()
        self.prefix = prefix

    def _standby(self) -> RateLimiter:
        with self._lock:
            if self._fallback is None:
                self._fallback = MovingWindowRateLimiter(MemoryStorage())
            return self._fallback

    def run(self, action: Callable[[RateLimiter], T]) -> T:
        if time.monotonic() >= self._down_until:
            try:
                return action(self._primary)
            except StorageError as exc:
                log.warning(
                    "rate limit store unreachable (%s); counting in this process's memory "
                    "for %.0f s",
                    exc.storage_error,
                    RETRY_STORE_SECONDS,
                )
                self._down_until = time.monotonic() + RETRY_STORE_SECONDS
        return action(self._standby())


class Throttle:
    """Failures of one kind, counted per key (an account, an address)."""

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        limit: RateLimitItem,
        lock_after: RateLimitItem,
        lock_seconds: int,
        secret: bytes,
    ) -> None:
        self.store = store
        self.name = name
        self.limit = limit
        self.lock_after = lock_after
        self.lock_seconds = int(lock_seconds)
        self.lock = RateLimitItemPerSecond(1, self.lock_seconds)
        self._secret = secret

    def _key(self, value: str) -> tuple[str, str, str]:
        digest = hmac.new(self._secret, value.encode(), hashlib.sha256).hexdigest()[:32]
        return self.store.prefix, self.name, digest

    def refused(self, value: str) -> bool:
        """Whether an attempt for ``value`` is refused now (slowed or locked)."""
        key = self._key(value)
        return self.store.run(lambda s: not (s.test(self.lock, *key) and s.test(self.limit, *key)))

    def failed(self, value: str) -> bool:
        """Count a failure for ``value``; True when it is the one that locks it."""
        key = self._key(value)

        def count(s: RateLimiter) -> bool:
            s.hit(self.limit, *key)
            s.hit(self.lock_after, *key)
            if s.test(self.lock_after, *key):
                return False
            return s.hit(self.lock, *key)

        return self.store.run(count)

    def succeeded(self, value: str) -> None:
        """Forget ``value``'s failures (a lock in force stays: nothing succeeds under it)."""
        key = self._key(value)

        def clear(s: RateLimiter) -> None:
            s.clear(self.limit, *key)
            s.clear(self.lock_after, *key)

        self.store.run(clear)
