"""Sending e-mail: a real SMTP client configured by environment, or the log in development.

    QUIZAPP_SMTP_HOST       the SMTP server; unset: messages are written to the log (logger `quizapp.mail`, WARNING)
    QUIZAPP_SMTP_PORT       default 587 (25 or 465 as your server wants)
    QUIZAPP_SMTP_USER, QUIZAPP_SMTP_PASSWORD   login, when the server asks for one
    QUIZAPP_SMTP_SECURITY   starttls (default), ssl (implicit TLS, port 465) or none (a local relay)
    QUIZAPP_MAIL_FROM       the sender, default quizapp@localhost
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Mapping

log = logging.getLogger("quizapp.mail")
SECURITY = ("starttls", "ssl", "none")


def mail_config(environ: Mapping[str, str]) -> dict[str, object]:
    security = (environ.get("QUIZAPP_SMTP_SECURITY") or "starttls").lower()
    if security not in SECURITY:
        raise ValueError(f"QUIZAPP_SMTP_SECURITY={security!r}: use one of {', '.join(SECURITY)}")
    return {"SMTP_HOST": environ.get("QUIZAPP_SMTP_HOST") or "",
            "SMTP_PORT": int(environ.get("QUIZAPP_SMTP_PORT") or 587),
            "SMTP_USER": environ.get("QUIZAPP_SMTP_USER") or "",
            "SMTP_PASSWORD": environ.get("QUIZAPP_SMTP_PASSWORD") or "",
            "SMTP_SECURITY": security,
            "MAIL_FROM": environ.get("QUIZAPP_MAIL_FROM") or "quizapp@localhost"}


def send_mail(config: Mapping[str, object], to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = str(config.get("MAIL_FROM") or "quizapp@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = str(config.get("SMTP_HOST") or "")
    if not host:
        log.disabled = False  # alembic's fileConfig (migrations/env.py) disables loggers that existed before it ran
        # The decoded text, not the MIME form: quoted-printable breaks long links with "=" (unusable when copied).
        log.warning("e-mail not sent (QUIZAPP_SMTP_HOST is not set); it would have been:\nTo: %s\nSubject: %s\n\n%s",
                    to, subject, body)
        return
    port = int(config.get("SMTP_PORT") or 587)
    security = config.get("SMTP_SECURITY") or "starttls"
    context = ssl.create_default_context()
    if security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=20)
    with client:
        if security == "starttls":
            client.starttls(context=context)
        if config.get("SMTP_USER"):
            client.login(str(config["SMTP_USER"]), str(config.get("SMTP_PASSWORD") or ""))
        client.send_message(message)
