"""E-mail over SMTP: ``REGISTRY_SMTP_URL`` parsing, message building, one connection per batch.

URL forms: ``smtp://host:port`` (plain), ``smtp://host:port?starttls=1`` (STARTTLS, required),
``smtps://host:port`` (TLS from the start); ``user:password@`` for AUTH (percent-encoded);
``?cafile=/path.pem`` to trust a private CA; ``?timeout=30`` seconds.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit


class MailConfigError(ValueError):
    """``REGISTRY_SMTP_URL`` cannot be used; the message says why."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 30.0


def parse_smtp_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("REGISTRY_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("REGISTRY_SMTP_URL names no host")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    tls = parts.scheme == "smtps"
    starttls = query.get("starttls", "0").lower() in ("1", "true", "yes")
    try:
        port = parts.port or (465 if tls else 587 if starttls else 25)
        timeout = float(query.get("timeout", "30"))
    except ValueError as exc:
        raise MailConfigError(f"REGISTRY_SMTP_URL: {exc}") from exc
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        tls=tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        cafile=query.get("cafile"),
        timeout=timeout,
    )


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: dict[str, str],
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in headers.items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def login(conn: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN with UTF-8 credentials when offered (one round trip; smtplib's own ``auth``
    only encodes ASCII), else smtplib's negotiation (CRAM-MD5, PLAIN, LOGIN)."""
    if "plain" in conn.esmtp_features.get("auth", "").lower().split():
        token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode())
        code, answer = conn.docmd("AUTH", "PLAIN " + token.decode("ascii"))
        if code not in (235, 503):  # 503: already authenticated
            raise smtplib.SMTPAuthenticationError(code, answer)
        return
    conn.login(username, password)


class SmtpSender:
    """Opens the connection on first use; reconnects after any failed message."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.tls:
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            conn.ehlo()
            if s.starttls:
                conn.starttls(context=self._context())
                conn.ehlo()
            if s.username:
                login(conn, s.username, s.password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, message: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
