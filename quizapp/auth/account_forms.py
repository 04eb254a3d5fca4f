"""Forms of the account features: change or reset the password, log out everywhere, delete the account."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from quizapp.auth.passwords import MIN_LENGTH, password_problems


class _NewPassword(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("at least %(count)d characters; not your email, not a common password",
                                            count=MIN_LENGTH))
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired(), EqualTo("password",
                            message=_l("the passwords differ"))])
    email_for_check = ""

    def validate_password(self, field: PasswordField) -> None:
        problems = password_problems(field.data or "", self.email_for_check)
        if problems:
            raise ValidationError("; ".join(problems))


class ChangePasswordForm(_NewPassword):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ResetPasswordForm(_NewPassword):
    pass


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    confirm = StringField(_l("Type %(word)s to confirm", word="DELETE"), validators=[DataRequired()])

    def validate_confirm(self, field: StringField) -> None:
        if (field.data or "").strip() != "DELETE":
            raise ValidationError(_l("type %(word)s (in capitals) to confirm", word="DELETE"))
