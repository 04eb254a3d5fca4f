"""quizapp.mail without an SMTP server: the message goes to the log, readable and with its links whole."""
import logging

from quizapp.mail import send_mail

LINK = "http://127.0.0.1:5000/signup/confirm/" + "x" * 120


def test_without_smtp_the_log_holds_the_decoded_text_with_the_whole_link(caplog):
    with caplog.at_level(logging.WARNING, logger="quizapp.mail"):
        send_mail({}, "learner@example.org", "Confirm your quizapp account", f"Open this link:\n\n{LINK}\n")
    logged = caplog.text
    assert "To: learner@example.org" in logged and "Subject: Confirm your quizapp account" in logged
    assert LINK in logged  # quoted-printable would have broken it with "=" line ends
    assert "quoted-printable" not in logged
