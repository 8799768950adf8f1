"""Access to the running app's key rings and settings, for services that need them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from registry.core.keys import SigningKeys
from registry.core.master_keys import MasterKeyProvider


@dataclass
class RegistryState:
    signing: SigningKeys
    master: MasterKeyProvider


def state() -> RegistryState:
    value = current_app.extensions["registry"]
    assert isinstance(value, RegistryState)
    return value


def signing_keys() -> SigningKeys:
    """The signing keys, re-read if another process or host may have rotated them."""
    return state().signing.refresh()


def master_keys() -> MasterKeyProvider:
    return state().master


def setting(name: str) -> Any:
    return current_app.config[name]
