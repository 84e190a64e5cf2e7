"""The expo form: what it sends and where the API's errors land, without I/O."""

from __future__ import annotations

from services.web import i18n
from services.web.api import ApiFieldError, ApiProblem
from services.web.expo_form import ExpoForm
from shared.contracts.identity import Language

TYPED = {
    "name": " Sunda Kecil Expo 2019 ", "venue": "Aula El Tari, Kupang",
    "time_zone": "Asia/Makassar", "start_date": "2019-11-14", "end_date": "2019-11-17",
    "slot_minutes": "20", "break_minutes": "5", "mode": "booth", "tables": "8",
    "sessions[0].day": "2019-11-14", "sessions[0].start": "09:00", "sessions[0].end": "12:00",
    "sessions[1].day": "", "sessions[1].start": "", "sessions[1].end": "",
    "sessions[2].day": "2019-11-15", "sessions[2].start": "13:30", "sessions[2].end": "12:00",
    "sessions[2].id": "d2-pm",
}  # fmt: skip


def test_the_form_sends_what_was_typed_and_leaves_out_empty_rows() -> None:
    body, rows = ExpoForm.from_form(TYPED).body()
    assert body["name"] == "Sunda Kecil Expo 2019"
    assert body["tables"] is None  # meetings at the booths use no tables
    assert [s["id"] for s in body["sessions"]] == ["2019-11-14-0900", "d2-pm"]
    assert rows == [0, 1]  # the form shows the filled rows first, then empty ones


def test_the_apis_errors_go_to_the_rows_they_came_from_in_the_readers_language() -> None:
    form = ExpoForm.from_form(TYPED)
    _, rows = form.body()
    refused = ApiProblem(
        422, "body.sessions[1].end: a session must end after it starts", "invalid-field",
        {
            "body.sessions[1].end": ApiFieldError(
                "a session must end after it starts", "session-ends-before-start"
            ),
            "body.sessions[0].id": ApiFieldError("session id used twice", "session-id-twice"),
            "body.venue": ApiFieldError("some new rule", "a-code-the-page-does-not-know"),
        },
    )  # fmt: skip
    i18n.use(Language.id)
    errors = form.errors(refused, rows)
    assert str(errors["sessions[1].end"]) == "Sesi harus berakhir setelah dimulai."
    assert errors["sessions[1].end"].language is None
    assert str(errors["sessions[0].start"]) == "Sesi ini tercantum dua kali."
    # A rule the page has no words for is shown as the API said it, marked as English.
    assert (str(errors["venue"]), errors["venue"].language) == ("some new rule", "en")


def test_a_form_always_has_room_for_another_session() -> None:
    form = ExpoForm.from_form(TYPED)
    assert len(form.sessions) == 4 and form.sessions[-1].empty and form.sessions[-2].empty
