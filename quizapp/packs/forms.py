"""Pack forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from quizapp.packs.foreign import FORMAT_CHOICES

VISIBILITY_CHOICES = [
    SelectChoice("private", _l("Private (owners only)")),
    SelectChoice("classes", _l("Its classes")),
    SelectChoice("public", _l("Public (everyone)")),
]


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Markdown files, or a .zip of the pack folder (with its scenario files); or a GIFT, "
                                 "Moodle XML, text2qti or Anki file"),
                              validators=[DataRequired(message=_l("choose one or more .md files or a .zip"))])
    fmt = SelectField(_l("Format"), choices=[SelectChoice(value, label) for value, label in FORMAT_CHOICES],
                      default="auto")
    pack_id = StringField(_l("Pack id for a GIFT, Moodle XML, text2qti or Anki file (default: from the file name)"),
                          validators=[Optional(), Length(max=60),
                                      Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                             message=_l("use lowercase letters, digits and single dashes"))])


class VisibilityForm(FlaskForm):
    visibility = SelectField(_l("Who can study this pack"), choices=VISIBILITY_CHOICES)


class OwnerForm(FlaskForm):
    email = StringField(_l("Add an owner (an instructor's email)"),
                        validators=[DataRequired(), Length(max=254),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("enter an email address"))])
