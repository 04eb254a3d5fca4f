"""A real SMTP server in the test process (aiosmtpd on a free loopback port) that keeps what it receives, and
the helpers that read links out of the messages. The `mailbox` fixture (tests/conftest.py) points the app at it.
"""
from __future__ import annotations

import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import Message


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self._lock = threading.Lock()
        self.port = 0
        self._controller = None

    def start(self) -> "Mailbox":
        from aiosmtpd.controller import Controller

        mailbox = self

        class Keep:
            async def handle_DATA(self, server, session, envelope):
                with mailbox._lock:
                    mailbox.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def config(self) -> dict[str, object]:
        """The app settings that send mail here."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none",
                "MAIL_FROM": "quiz@example.org"}

    def environ(self) -> dict[str, str]:
        """The same, as `quizapp serve` reads it from the environment."""
        return {"QUIZAPP_SMTP_HOST": "127.0.0.1", "QUIZAPP_SMTP_PORT": str(self.port),
                "QUIZAPP_SMTP_SECURITY": "none", "QUIZAPP_MAIL_FROM": "quiz@example.org"}

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [message for recipients, message in self.messages if address in recipients]

    def last_to(self, address: str) -> Message:
        messages = self.to(address)
        assert messages, f"no mail to {address}; mail so far: {[r for r, _ in self.messages]}"
        return messages[-1]

    def link(self, address: str, path: str) -> str:
        """The URL starting with `path` (e.g. /signup/confirm/) in the newest mail to `address`."""
        return link_in(self.last_to(address), path)


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message: Message, path: str) -> str:
    match = re.search(r"https?://[^/\s]+" + re.escape(path) + r"\S+", body_of(message))
    assert match, f"no {path} link in:\n{body_of(message)}"
    return match.group(0)
