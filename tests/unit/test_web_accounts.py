"""The accounts' decisions, without I/O."""

from __future__ import annotations

import pytest

from services.web.accounts import (
    Account,
    Decision,
    check_password,
    choose_language,
    create_account,
    email_key,
    hash_password,
)
from shared.contracts.identity import AccountCreated, AccountRole, AccountUpdated, Language
from shared.errors import CommandConflict, InvalidCommand, Unauthenticated

PASSWORD = "garam-kupang-beryodium"


def _organiser(active: bool = True) -> tuple[Account, Decision]:
    decision = create_account(
        None, "acc-1", " Maria@Disperindag.example ", "Maria da Costa",
        AccountRole.organiser, Language.id, hash_password(PASSWORD),
    )  # fmt: skip
    return decision.account.model_copy(update={"active": active}), decision


def test_a_new_account_is_announced_without_its_password() -> None:
    account, decision = _organiser()
    assert account.email == "Maria@Disperindag.example"
    [event] = decision.events
    assert isinstance(event, AccountCreated)
    assert "password" not in event.model_dump_json()
    assert event.account.language is Language.id


def test_an_address_has_one_account_whatever_its_case() -> None:
    account, _ = _organiser()
    assert email_key("MARIA@disperindag.EXAMPLE") == email_key(account.email)
    with pytest.raises(CommandConflict, match="already has an account") as refused:
        create_account(
            account, "acc-2", "maria@disperindag.example", "M", AccountRole.certifier, Language.en
        )
    assert refused.value.field == "email"


def test_a_short_password_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidCommand) as refused:
        hash_password("kopi")
    assert refused.value.field == "password"


def test_a_wrong_password_an_unknown_address_and_a_closed_account_get_one_answer() -> None:
    account, _ = _organiser()
    assert check_password(account, PASSWORD) == account
    answers = []
    for who, password in [
        (account, "wrong-password"),
        (None, PASSWORD),
        (_organiser(False)[0], PASSWORD),
    ]:
        with pytest.raises(Unauthenticated) as refused:
            check_password(who, password)
        answers.append(refused.value.detail)
    assert len(set(answers)) == 1


def test_choosing_the_same_language_changes_nothing() -> None:
    account, _ = _organiser()
    assert choose_language(account, Language.id).events == []
    changed = choose_language(account, Language.en)
    assert changed.account.version == account.version + 1
    assert isinstance(changed.events[0], AccountUpdated)
