"""Access to the running app's key rings and settings, for services that need them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from registry.core.keys import MasterKeys, SigningKeys


@dataclass
class RegistryState:
    signing: SigningKeys
    master: MasterKeys


def state() -> RegistryState:
    value = current_app.extensions["registry"]
    assert isinstance(value, RegistryState)
    return value


def signing_keys() -> SigningKeys:
    return state().signing


def master_keys() -> MasterKeys:
    return state().master


def setting(name: str) -> Any:
    return current_app.config[name]
