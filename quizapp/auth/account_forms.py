"""Forms of the account features: change or reset the password, log out everywhere, delete the account."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from quizapp.auth.passwords import MIN_LENGTH, password_problems


class _NewPassword(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description=f"at least {MIN_LENGTH} characters; not your email, not a common password")
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password",
                            message="the passwords differ")])
    email_for_check = ""

    def validate_password(self, field: PasswordField) -> None:
        problems = password_problems(field.data or "", self.email_for_check)
        if problems:
            raise ValidationError("; ".join(problems))


class ChangePasswordForm(_NewPassword):
    current = PasswordField("Current password", validators=[DataRequired()])


class ResetPasswordForm(_NewPassword):
    pass


class ForgotPasswordForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])
    confirm = StringField("Type DELETE to confirm", validators=[DataRequired()])

    def validate_confirm(self, field: StringField) -> None:
        if (field.data or "").strip() != "DELETE":
            raise ValidationError("type DELETE (in capitals) to confirm")
