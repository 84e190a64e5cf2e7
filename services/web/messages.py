"""What an API's field error says, in the reader's language: every problem+json error carries a
`code` (pydantic's error type, or the domain rule's own) and its `params`; this table turns the
code into a sentence of the catalog. A code not in it shows the API's English message, marked
as English, so nothing is ever hidden."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.web import i18n

if TYPE_CHECKING:
    from services.web.api import ApiProblem


def N_(message: str) -> str:  # the gettext convention for "translate later"
    """Marks a message for the catalog without translating it yet (no request here)."""
    return message


MESSAGES: dict[str, str] = {
    # pydantic's error types
    "missing": N_("Fill in this field."),
    "not_null": N_("Fill in this field."),
    "string_too_short": N_("Fill in this field."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "too_short": N_("Give at least %(min_length)s."),
    "too_long": N_("At most %(max_length)s."),
    "greater_than_equal": N_("At least %(ge)s."),
    "greater_than": N_("More than %(gt)s."),
    "less_than_equal": N_("At most %(le)s."),
    "less_than": N_("Less than %(lt)s."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "date_parsing": N_("Enter a date."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "date_type": N_("Enter a date."),
    "time_parsing": N_("Enter a time, such as 09:00."),
    "time_type": N_("Enter a time, such as 09:00."),
    "string_pattern_mismatch": N_("This is not in the expected form."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "control_characters": N_("Line breaks and control characters are not allowed here."),
    "country_unknown": N_("This is not a country we know; use its name or its code, such as JP."),
    "language_unknown": N_("This is not a language we know; use its name or its code, such as en."),
    "subdivision_unknown": N_("This is not a province we know; use its code, such as ID-NT."),
    "sector_unknown": N_(
        "This is not a sector we know; use one such as kopi, tenun ikat or garam."
    ),
    "email": N_("Enter an e-mail address, such as nama@contoh.go.id."),
    # the domain's rules
    "time-zone-unknown": N_("This is not a time zone; use a name such as Asia/Makassar."),
    "end-before-start": N_("The end date must not be before the start date."),
    "session-outside-dates": N_("This day is outside the expo's dates."),
    "session-ends-before-start": N_("A session must end after it starts."),
    "session-too-short": N_("Too short for one meeting of %(minutes)s minutes."),
    "session-id-twice": N_("This session is listed twice."),
    "sessions-overlap": N_("This session overlaps the one before it."),
    "tables-needed": N_("Give the number of tables."),
    "tables-unused": N_("Meetings at the booths use no tables; leave this empty."),
    "too-many-slots": N_("Too many meeting slots (%(slots)s); at most %(most)s."),
    "delegate-registered": N_("This person is already registered (%(name)s)."),
    "already-requested": N_("You have asked this exhibitor for a meeting already; see below."),
    "window-unattended": N_(
        "You and this exhibitor are not both there in any of these sessions; choose others, "
        "or none for any time."
    ),
}


@dataclass(frozen=True)
class FieldMessage:
    """A message for a form field; `language` is set when it is not the reader's own."""

    text: str
    language: str | None = None

    def __str__(self) -> str:
        return self.text


def explain(code: str | None, params: dict[str, Any], english: str) -> FieldMessage:
    template = MESSAGES.get(code or "")
    if template is None:
        return FieldMessage(english, None if i18n.current().value == "en" else "en")
    try:
        return FieldMessage(i18n._(template, **params) if params else i18n._(template))
    except (KeyError, ValueError, TypeError):
        # A code whose parameters changed: the sentence without them beats a wrong one.
        return FieldMessage(english, None if i18n.current().value == "en" else "en")


# A name the web app could not turn into a code (a country, a province, a sector typed in
# words no table knows) reaches the API as typed and breaks the code's length, pattern or
# choices: said as what it is, not as "at most 2 characters".
TYPED_NAMES = {
    "country": "country_unknown",
    "languages": "language_unknown",
    "province": "subdivision_unknown",
    "sectors": "sector_unknown",
}
AS_TYPED = {"string_too_long", "string_too_short", "string_pattern_mismatch", "enum"}


def input_of(field: str) -> str:
    """The form input an API field belongs to: `body.languages[1]` is `languages`, a seller's
    `body.contact.phone` is `phone`."""
    name = field.removeprefix("body.").removeprefix("contact.")
    return re.split(r"[.\[]", name, maxsplit=1)[0]


def explain_field(
    field: str, code: str | None, params: dict[str, Any], english: str
) -> FieldMessage:
    """An API field error in the reader's words, by the input it belongs to."""
    typed = TYPED_NAMES.get(input_of(field))
    return explain(typed if typed and code in AS_TYPED else code, params, english)


def form_errors(problem: ApiProblem) -> dict[str, FieldMessage]:
    """The API's field errors under a form's inputs, the first of each; a refusal naming no
    field under `form`."""
    shown: dict[str, FieldMessage] = {}
    for name, error in problem.errors.items():
        if name.startswith("body."):
            message = explain_field(name, error.code, error.params, error.message)
            shown.setdefault(input_of(name), message)
    if not shown:
        shown["form"] = explain(problem.code, problem.params, problem.detail)
    return shown
