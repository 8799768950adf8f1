"""The development mail catcher (``flask mailcatcher``): it keeps and prints each message."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_mailcatcher_keeps_and_prints_each_message(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mailcatcher", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the mail catcher did not start"
                time.sleep(0.2)
        message = EmailMessage()
        message["From"] = "registry@localhost"
        message["To"] = "rep@demo.test"
        message["Subject"] = "Consent for Mara Quill expires in 7 days"
        message.set_content("hello")
        with smtp:
            smtp.send_message(message)
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output
    assert "to rep@demo.test: Consent for Mara Quill expires in 7 days" in output
    [kept] = list((tmp_path / "mail").glob("*.eml"))
    assert b"Subject: Consent for Mara Quill expires in 7 days" in kept.read_bytes()
