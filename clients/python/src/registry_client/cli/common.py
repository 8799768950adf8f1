"""What the three commands share: the exit codes, a parser whose own errors exit 1, the
connection flags and the client they configure.

The exit codes are the package's (``registry_client.cli``): 0 go, 2 escalate, 3 stop, 1
error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from registry_client._version import __version__
from registry_client.client import RegistryClient

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_ESCALATE = 2
EXIT_STOP = 3


class Parser(argparse.ArgumentParser):
    """Bad flags exit 1 (argparse's own 2 would read as "escalate")."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def connection_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--url", help="the registry, e.g. http://127.0.0.1:5000 ($REGISTRY_URL)")
    group.add_argument(
        "--token-file",
        type=Path,
        help="a file holding the API token ($REGISTRY_TOKEN_FILE; else $REGISTRY_TOKEN)",
    )
    group.add_argument("--timeout", type=float, default=30.0, help="seconds per attempt (30)")
    group.add_argument(
        "--retries",
        type=int,
        default=2,
        help="retries after a lost connection, same Idempotency-Key (2)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")


def client_from(args: argparse.Namespace, jwks: dict[str, Any] | None = None) -> RegistryClient:
    return RegistryClient.from_env(
        args.url,
        token_file=args.token_file,
        timeout=args.timeout,
        retries=args.retries,
        jwks=jwks,
    )


def fail(prog: str, exc: BaseException) -> int:
    print(f"{prog}: error: {exc}", file=sys.stderr)
    return EXIT_ERROR
