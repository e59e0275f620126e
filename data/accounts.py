"""Local accounts and wall keys, for sites without an identity provider: python -m data.accounts add|disable|reset|list.

They live in ``<db>.accounts.json`` beside the database (mode 600): passwords hashed with argon2id
(argon2-cffi), never kept or logged in clear; a wall key (a URL ``?key=...`` a wall screen opens read-only
with) kept as its SHA-256, since it is a long random token, not something a person chose. Every change
reads, changes and replaces the whole file under an flock (written to a temporary file and renamed), so
the command line and the dashboard's admins never lose each other's changes nor leave half a file.
"""

from __future__ import annotations

import argparse
import fcntl
import getpass
import hashlib
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from data import audit, db

ROLES = ("viewer", "duty", "manager", "admin")
HASHER = PasswordHasher()
DUMMY = HASHER.hash("an account that does not exist")  # checked against, so an unknown name takes as long


@dataclass
class Account:
    name: str
    hash: str
    roles: list[str]
    districts: list[str] = field(default_factory=list)  # a manager's districts
    disabled: bool = False
    changed: str = ""


@dataclass
class WallKey:
    label: str  # which screen, as the admin named it
    created: str
    by: str
    revoked: str | None = None


def path_for(database: str | Path) -> Path:
    database = Path(database)
    return database.with_name(f"{database.stem}.accounts.json")


def load(database: str | Path) -> tuple[dict[str, Account], dict[str, WallKey]]:
    """The accounts by name and the wall keys by their hash; both empty when there is no file."""
    path = path_for(database)
    if not path.exists():
        return {}, {}
    status = path.stat()
    kept = _kept(path, status.st_mtime_ns, status.st_size, status.st_ino)
    return ({name: Account(name=name, **values) for name, values in kept.get("accounts", {}).items()},
            {digest: WallKey(**values) for digest, values in kept.get("wall_keys", {}).items()})


@contextmanager
def changing(database: str | Path) -> Iterator[tuple[dict[str, Account], dict[str, WallKey]]]:
    """The accounts and keys to change in place; written back whole, atomically, when the block ends."""
    path = path_for(database)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        accounts, keys = load(database)
        yield accounts, keys
        kept = {"accounts": {name: {k: v for k, v in asdict(a).items() if k != "name"} for name, a in accounts.items()},
                "wall_keys": {digest: asdict(key) for digest, key in keys.items()}}
        descriptor, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump(kept, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def checked_roles(roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"role {', '.join(unknown) or '(none)'}: expected one or more of {', '.join(ROLES)}")
    return list(dict.fromkeys(roles))


def add(database: str | Path, name: str, password: str, roles: list[str], districts: list[str] = ()) -> None:
    if not name.strip() or not password:
        raise ValueError("an account needs a name and a password")
    roles = checked_roles(roles)
    with changing(database) as (accounts, _):
        if name in accounts:
            raise ValueError(f"account {name!r} exists: use reset to change its password or roles")
        accounts[name] = Account(name, HASHER.hash(password), roles, list(districts), changed=_now())


def reset(database: str | Path, name: str, password: str | None = None, roles: list[str] | None = None,
          districts: list[str] | None = None) -> None:
    """A new password, roles or districts; also enables a disabled account."""
    with changing(database) as (accounts, _):
        account = _known(accounts, name)
        if password:
            account.hash = HASHER.hash(password)
        if roles:
            account.roles = checked_roles(roles)
        if districts is not None:
            account.districts = list(districts)
        account.disabled, account.changed = False, _now()


def disable(database: str | Path, name: str) -> None:
    with changing(database) as (accounts, _):
        account = _known(accounts, name)
        account.disabled, account.changed = True, _now()


def verify(database: str | Path, name: str, password: str) -> Account | None:
    """The account when the name is enabled and the password is its own, else None (in about the same time)."""
    account = load(database)[0].get(name)
    try:
        matched = HASHER.verify(account.hash if account else DUMMY, password)
    except (VerificationError, InvalidHashError):
        matched = False
    return account if matched and account and not account.disabled else None


def create_key(database: str | Path, label: str, by: str) -> str:
    """A new wall key; the key itself is returned once and kept only as its hash."""
    key = secrets.token_urlsafe(24)
    with changing(database) as (_, keys):
        keys[_digest(key)] = WallKey(label, _now(), by)
    return key


def revoke_key(database: str | Path, digest: str) -> None:
    with changing(database) as (_, keys):
        if digest not in keys:
            raise ValueError(f"no wall key {digest[:8]}")
        keys[digest].revoked = _now()


def wall_key(database: str | Path, key: str) -> WallKey | None:
    """The wall key this URL key is, unless revoked."""
    found = load(database)[1].get(_digest(key)) if key else None
    return found if found and not found.revoked else None


def configured(database: str | Path) -> bool:
    """Whether local login is on: any account, even disabled (disabling the last must not open the dashboard)."""
    return bool(load(database)[0])


@lru_cache(maxsize=8)
def _kept(path: Path, *version: int) -> dict:
    """The file as last read: every panel of every run asks who may see it, and it seldom changes."""
    return json.loads(path.read_text(encoding="utf-8"))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _known(accounts: dict[str, Account], name: str) -> Account:
    if name not in accounts:
        raise ValueError(f"no account {name!r}")
    return accounts[name]


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    typed = getpass.getpass(f"password for {args.name}: ")
    if typed != getpass.getpass("again: "):
        raise ValueError("the two passwords differ")
    return typed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m data.accounts", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(db.db_path()))
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("add", "reset"):
        one = commands.add_parser(command)
        one.add_argument("name")
        one.add_argument("--role", action="append", choices=ROLES, help="repeat for several (add: viewer if none)")
        one.add_argument("--district", action="append", help="a manager's district; repeat for several")
        one.add_argument("--password-stdin", action="store_true", help="read the password from a line of stdin")
        if command == "reset":
            one.add_argument("--keep-password", action="store_true", help="change only roles or districts")
    commands.add_parser("disable").add_argument("name")
    commands.add_parser("list")
    args = parser.parse_args(argv)
    by = f"cli:{getpass.getuser()}"
    try:
        if args.command == "add":
            add(args.db, args.name, _password(args), args.role or ["viewer"], args.district or [])
        elif args.command == "reset":
            reset(args.db, args.name, None if args.keep_password else _password(args), args.role, args.district)
        elif args.command == "disable":
            disable(args.db, args.name)
        else:
            accounts, keys = load(args.db)
            for account in accounts.values():
                print(f"{account.name}\t{','.join(account.roles)}\t{','.join(account.districts)}\t"
                      f"{'disabled' if account.disabled else 'enabled'}\t{account.changed}")
            for digest, key in keys.items():
                print(f"wall key {digest[:8]}\t{key.label}\t{key.created}\t{'revoked ' + key.revoked if key.revoked else ''}")
            return
    except ValueError as wrong:
        parser.exit(2, f"accounts: {wrong}\n")
    audit.record(args.db, by, "admin", "account", change=args.command, account=args.name,
                 roles=getattr(args, "role", None), districts=getattr(args, "district", None))
    print(f"accounts: {args.command} {args.name}: done")


if __name__ == "__main__":
    main()
