"""Pack forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

VISIBILITY_CHOICES = [
    SelectChoice("private", "Private (owners only)"),
    SelectChoice("classes", "Its classes"),
    SelectChoice("public", "Public (everyone)"),
]


class UploadForm(FlaskForm):
    files = MultipleFileField("Markdown files, or a .zip of the pack folder (with its scenario files)",
                              validators=[DataRequired(message="choose one or more .md files or a .zip")])


class VisibilityForm(FlaskForm):
    visibility = SelectField("Who can study this pack", choices=VISIBILITY_CHOICES)


class OwnerForm(FlaskForm):
    email = StringField("Add an owner (an instructor's email)",
                        validators=[DataRequired(), Length(max=254),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="enter an email address")])
