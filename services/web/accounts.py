"""Accounts of the people who use the web app: the decisions (pure, with who may take them)
and the command line that makes the first organiser.

    python -m services.web.accounts create-organiser --email maria@disperindag.nttprov.go.id \\
        --name "Maria da Costa" [--language id] [--id disperindag-ntt]

An account's id is the `sub` of every token the web app signs for that person, so an
organiser's account id is the subject the expos were created under, a delegate's the subject
of their delegate record, a seller's the owner of their seller.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import secrets
import sys
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict

from shared.contracts.identity import (
    AccountCreated,
    AccountData,
    AccountRole,
    AccountUpdated,
    IdentityEvent,
    Language,
)
from shared.errors import CommandConflict, InvalidCommand, Unauthenticated

MIN_PASSWORD_CHARACTERS = 10  # a passphrase, not a PIN: organisers sign in on shared laptops
STAFF = (AccountRole.organiser, AccountRole.certifier)
# argon2id with the library's defaults (RFC 9106's second recommended profile).
_hasher = PasswordHasher()
# Checked against when no account has the address, so a wrong address costs as long as a
# wrong password and the answer reveals nothing about who has an account.
_ABSENT = _hasher.hash(secrets.token_urlsafe(16))


class Account(BaseModel):
    """What the web app keeps of a person; `password_hash` never leaves the service."""

    model_config = ConfigDict(frozen=True)

    id: str
    email: str
    name: str
    role: AccountRole
    language: Language
    password_hash: str | None = None  # None: signs in only through an invitation link
    expo_id: str | None = None
    record_id: str | None = None
    active: bool = True
    version: int = 1
    signed_in_at: dt.datetime | None = None  # the last sign-in; None: never signed in

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    def data(self) -> AccountData:
        """What the `identity` topic says of the account: no secret, no link."""
        return AccountData(
            id=self.id,
            email=self.email,
            name=self.name,
            language=self.language,
            role=self.role,
            expo_id=self.expo_id,
            record_id=self.record_id,
            active=self.active,
            version=self.version,
        )


@dataclass(frozen=True)
class Decision:
    account: Account
    events: list[IdentityEvent]


def email_key(email: str) -> str:
    """The address as the accounts' index compares it: case does not make another person."""
    return email.strip().casefold()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARACTERS:
        raise InvalidCommand(
            f"a password needs at least {MIN_PASSWORD_CHARACTERS} characters", "password"
        )
    return _hasher.hash(password)


def check_password(account: Account | None, password: str) -> Account:
    """The account the password opens; one answer for every failure, so that it tells nobody
    which addresses have accounts."""
    stored = account.password_hash if account is not None else None
    try:
        _hasher.verify(stored or _ABSENT, password)
    except (VerificationError, InvalidHashError):
        stored = None
    if account is None or stored is None or not account.active:
        raise Unauthenticated("this e-mail address and password do not match", "password")
    return account


def create_account(
    existing: Account | None,
    account_id: str,
    email: str,
    name: str,
    role: AccountRole,
    language: Language,
    password_hash: str | None = None,
    expo_id: str | None = None,
    record_id: str | None = None,
) -> Decision:
    """`existing`: the account that already has this address, if any."""
    if existing is not None:
        raise CommandConflict(f"{email} already has an account ({existing.id})", "email")
    account = Account(
        id=account_id,
        email=email.strip(),
        name=name,
        role=role,
        language=language,
        password_hash=password_hash,
        expo_id=expo_id,
        record_id=record_id,
    )
    return Decision(account, [AccountCreated(account=account.data())])


def choose_language(account: Account, language: Language) -> Decision:
    """A person's language, remembered for every page and every message sent to them."""
    if account.language is language:
        return Decision(account, [])
    changed = account.model_copy(update={"language": language, "version": account.version + 1})
    return Decision(changed, [AccountUpdated(account=changed.data())])


def signed_in(account: Account, now: dt.datetime) -> Decision:
    """The person signed in: kept for the organiser's "signed in" filter, not announced."""
    changed = account.model_copy(update={"signed_in_at": now, "version": account.version + 1})
    return Decision(changed, [])


def set_password(account: Account, password_hash: str) -> Decision:
    """A new password (a reset); the identity topic is not told, it holds no secret."""
    changed = account.model_copy(
        update={"password_hash": password_hash, "version": account.version + 1}
    )
    return Decision(changed, [])


# -- the command line ---------------------------------------------------------------------------
def _password(arguments: argparse.Namespace) -> str:
    if arguments.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the two passwords differ")
    return first


async def _create(arguments: argparse.Namespace) -> str:
    from services.web.store import AccountStore, store_for_command_line

    async with store_for_command_line() as store:
        assert isinstance(store, AccountStore)
        account = await store.create_staff(
            arguments.id,
            arguments.email,
            arguments.name,
            AccountRole(arguments.role),
            Language(arguments.language),
            hash_password(_password(arguments)),
        )
    return account.id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Accounts of the web app")
    commands = parser.add_subparsers(dest="command", required=True)
    for role in STAFF:
        create = commands.add_parser(f"create-{role.value}", help=f"a new {role.value} account")
        create.set_defaults(role=role.value)
        create.add_argument("--email", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--language", choices=[lang.value for lang in Language], default="id")
        create.add_argument("--id", help="the subject of their tokens (default: a new id)")
        create.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    arguments = parser.parse_args(argv)
    try:
        account_id = asyncio.run(_create(arguments))
    except (InvalidCommand, CommandConflict) as refused:
        raise SystemExit(f"{refused.field}: {refused.detail}") from None
    print(f"created {arguments.role} {account_id} <{arguments.email}>")


if __name__ == "__main__":
    main()
