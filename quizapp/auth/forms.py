"""Account forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError

from quizapp.auth.passwords import MIN_LENGTH, password_problems
from quizapp.auth.service import email_problem

TIMEZONES = sorted(available_timezones() | {"UTC"})


def _known_zone(_form: FlaskForm, field: HiddenField) -> None:
    if field.data and field.data not in TIMEZONES:
        raise ValidationError(_l("unknown time zone"))


class SignupForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("enter an email address like name@example.org")), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("at least %(count)d characters; not your email, not a common password",
                                         count=MIN_LENGTH))
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), EqualTo("password",
                            message=_l("the passwords differ"))])
    timezone = HiddenField(validators=[Optional(), _known_zone])  # filled in by the browser's JS when it can

    def validate_email(self, field: StringField) -> None:
        problem = email_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_password(self, field: PasswordField) -> None:
        problems = password_problems(field.data or "", self.email.data or "")
        if problems:
            raise ValidationError("; ".join(problems))


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))


class SettingsForm(FlaskForm):
    desired_retention = FloatField(_l("Desired retention"), validators=[DataRequired(), NumberRange(0.7, 0.97,
                                   message=_l("choose between 0.70 and 0.97"))])
    new_per_day = IntegerField(_l("New cards per day"), validators=[NumberRange(0, 1000)])
    reviews_per_day = IntegerField(_l("Maximum reviews per day"), validators=[NumberRange(0, 10000)])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONES)
    rollover_hour = IntegerField(_l("Next day starts at (hour)"), validators=[NumberRange(0, 23)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])


class PostForm(FlaskForm):
    """A form with nothing but the CSRF token: logout, undo, reset, revoke."""


class ResendForm(FlaskForm):
    """"Send the confirmation link again", offered on the log-in page to an unconfirmed account."""
    email = HiddenField(validators=[DataRequired(), Length(max=254)])
