"""Events of the web app's accounts (topic `identity`, keyed by account id): who a person is
and how to reach them, so other services (notifications) learn an address and a language from
events. Never a password, a session or a sign-in link."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from shared.contracts import topics
from shared.contracts.base import Event
from shared.types import Email, Identifier, ShortText


class Language(StrEnum):
    id = "id"  # Bahasa Indonesia
    en = "en"


class AccountRole(StrEnum):
    organiser = "organiser"
    certifier = "certifier"
    delegate = "delegate"
    seller = "seller"


class AccountData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: Identifier
    email: Email
    name: ShortText
    language: Language
    role: AccountRole
    # The participant record the account speaks for: a delegate's expo and delegate id, a
    # seller's seller id. None for staff.
    expo_id: Identifier | None = None
    record_id: Identifier | None = None
    active: bool = True
    version: int


class IdentityEvent(Event):
    topic: ClassVar[str] = topics.IDENTITY

    account: AccountData

    @property
    def key(self) -> str:
        return self.account.id


class AccountCreated(IdentityEvent):
    type: ClassVar[str] = "identity.account.created"
    summary: ClassVar[str] = "A person has an account: their address, name and language."


class AccountUpdated(IdentityEvent):
    type: ClassVar[str] = "identity.account.updated"
    summary: ClassVar[str] = "A person's address, name, language or standing changed."
