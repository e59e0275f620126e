"""Who is using the dashboard, what their role lets them do, the login page, and the audit entries they leave.

A user comes from one of four places, looked at on every run: a wall key in the URL (``?key=...``, read-only,
revocable), Streamlit's own OIDC login (``st.login``, ``[auth]`` in ``.streamlit/secrets.toml``; roles and
districts from claims of the identity token), a local account (data/accounts.py), or, when no login is
configured at all, an anonymous reader. A local account is read again at every run, so a disabled account or a
changed role takes effect at the next click; a provider's login is taken again after CITYOPS_LOGIN_HOURS, since
Streamlit keeps its cookie 30 days and never reads the claims again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import streamlit as st

from dashboard.escaping import plain
from dashboard.i18n import t
from data import accounts, audit, db
from queries import Filter, settings

RIGHTS = {"viewer": set(), "duty": {"act"}, "manager": set(), "admin": {"import", "accounts", "audit"}}


class Denied(Exception):
    """This session has nobody logged in (any more): a panel asked for shows nothing."""


@dataclass(frozen=True)
class User:
    name: str
    roles: tuple[str, ...]
    districts: tuple[str, ...] = ()
    via: str = "open"  # open (no login configured), oidc, local, wall

    @property
    def role(self) -> str:
        return ",".join(self.roles)

    def can(self, right: str) -> bool:
        """act (warnings, emergency mode), import, accounts, audit, as the roles give; a wall or anonymous: none."""
        return self.via in ("oidc", "local") and any(right in RIGHTS[role] for role in self.roles)

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The districts a manager may see, whatever else they are; None: the whole city."""
        return self.districts if "manager" in self.roles else None


def listed(claim: object) -> tuple[str, ...]:
    """A claim's values: a list, or one string of them separated by commas or spaces."""
    if isinstance(claim, str):
        claim = claim.replace(",", " ").split()
    return tuple(str(value) for value in claim) if isinstance(claim, Iterable) else ()


def known_roles(values: Iterable[str]) -> tuple[str, ...]:
    """The roles cityops knows among these; none known: a viewer."""
    return tuple(role for role in dict.fromkeys(values) if role in RIGHTS) or ("viewer",)


def providers() -> list[str | None]:
    """The OIDC providers in secrets.toml: each [auth.NAME], or None for a provider written in [auth] itself."""
    if not st.secrets.load_if_toml_exists():
        return []
    section = st.secrets.get("auth") or {}
    named = [name for name, value in section.items() if hasattr(value, "keys")]
    return named or ([None] if "server_metadata_url" in section else [])


def login_configured() -> bool:
    return bool(providers()) or accounts.configured(db.db_path())


def expired() -> bool:
    """A provider login older than CITYOPS_LOGIN_HOURS (its identity token's iat)."""
    issued = st.user.get("iat")
    return isinstance(issued, int | float) and time.time() - issued > settings.value("CITYOPS_LOGIN_HOURS") * 3600


def wall_key() -> str | None:
    """The URL's ?key=..., kept for the session: a rotating wall's page switch clears the URL (checked every run)."""
    if "wall_key" not in st.session_state:
        st.session_state.wall_key = st.query_params.get("key")
    return st.session_state.wall_key


def current() -> User | None:
    """This session's user, or None when someone must log in first."""
    database = db.db_path()
    key = wall_key()
    if key:
        found = accounts.wall_key(database, key)
        return User(f"wall:{found.label}", ("viewer",), via="wall") if found else None
    if providers() and st.user.is_logged_in and not expired():
        who = st.user.get("email") or st.user.get("name") or st.user.get("sub") or "?"
        return User(str(who), known_roles(listed(st.user.get(settings.value("CITYOPS_ROLE_CLAIM")))),
                    listed(st.user.get(settings.value("CITYOPS_DISTRICT_CLAIM"))), via="oidc")
    name = st.session_state.get("account")
    if name:
        account = accounts.load(database)[0].get(name)
        if account and not account.disabled:
            return User(name, known_roles(account.roles), tuple(account.districts), via="local")
        st.session_state.pop("account")
    return None if login_configured() else User("anonymous", ("viewer",))


def user() -> User:
    """This session's user; Denied when nobody is logged in (a revoked wall key, a disabled account)."""
    found = current()
    if found is None:
        raise Denied("nobody is logged in")
    return found


def scoped(flt: Filter) -> Filter:
    """The filter as this user may read it: a manager's districts as its scope (queries.run applies it)."""
    return replace(flt, scope=user().scope)


def record(action: str, who: User | None = None, **details: object) -> None:
    """An audit entry for this session's user (or who), beside the database."""
    who = who or current() or User("?", ("viewer",), via="none")
    audit.record(db.db_path(), who.name, who.role, action, **details)


def audited(action: str, make: Callable[[], bytes | str], **details: object) -> Callable[[], bytes | str]:
    """A download's deferred data that writes its audit entry when clicked (it runs outside the session's run)."""
    who, database = current() or User("?", ("viewer",), via="none"), db.db_path()

    def made() -> bytes | str:
        audit.record(database, who.name, who.role, action, **details)
        return make()

    return made


class Throttle:
    """Failed logins per account and per client: after CITYOPS_LOGIN_FAILURES, a wait that doubles each time."""

    def __init__(self, failures: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.seconds, self.clock = failures, seconds, clock
        self.failed: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until every key may try again; 0: now."""
        with self.lock:
            return max((last + self.seconds * 2 ** (count - self.failures) - self.clock()
                        for count, last in (self.failed.get(key, (0, 0.0)) for key in keys)
                        if count >= self.failures), default=0.0) if keys else 0.0

    def failure(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failed[key] = (self.failed.get(key, (0, 0.0))[0] + 1, self.clock())

    def success(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.failed.pop(key, None)


@st.cache_resource(show_spinner=False)
def throttle() -> Throttle:
    """One per server process, shared by its sessions."""
    return Throttle(settings.value("CITYOPS_LOGIN_FAILURES"), settings.value("CITYOPS_LOGIN_LOCK_SECONDS"))


def attempt(name: str, password: str) -> None:
    """A local login: throttled, audited, and on success this session's account."""
    database = db.db_path()
    keys = (f"account:{name}", f"client:{st.context.ip_address or 'unknown'}")
    waiting = throttle().wait(*keys)
    if waiting > 0:
        audit.record(database, name, "", "login_failed", via="local", reason="throttled")
        st.error(t("login_wait", n=int(waiting) + 1), icon=":material/timer:")
        return
    account = accounts.verify(database, name, password)
    if account is None:
        throttle().failure(*keys)
        audit.record(database, name, "", "login_failed", via="local", reason="wrong name or password")
        st.error(t("login_wrong"), icon=":material/lock:")
        return
    throttle().success(*keys)
    st.session_state.account = name
    audit.record(database, name, ",".join(known_roles(account.roles)), "login", via="local")
    st.rerun()


def gate() -> User:
    """This session's user; else the login page, and the run stops there."""
    found = current()
    if found is not None:
        if found.via == "oidc" and not st.session_state.get("login_recorded"):
            st.session_state.login_recorded = True  # a provider login is recorded once per session it opens
            record("login", found, via="oidc")
        return found
    if wall_key():
        st.error(t("wall_key_invalid"), icon=":material/key_off:")
        st.stop()
    st.title(t("login_title"))
    if providers() and st.user.is_logged_in:  # logged in, but long ago: roles may have changed since
        st.info(t("login_expired"), icon=":material/schedule:")
    for provider in providers():
        if st.button(t("login_with", name=provider or t("login_provider")), key=f"login_{provider or 'default'}",
                     type="primary", icon=":material/login:"):
            st.login(provider)
    if accounts.configured(db.db_path()):
        with st.form("login_form"):
            name = st.text_input(t("login_name"), key="login_name")
            password = st.text_input(t("login_password"), type="password", key="login_password")
            if st.form_submit_button(t("login_submit")):
                attempt(name.strip(), password)
    st.stop()


def sidebar(found: User) -> None:
    """Who is logged in, as what, and the way out; or, with no login configured, how to turn it on."""
    if found.via == "open":
        st.sidebar.caption(t("login_off"))
        return
    st.sidebar.caption(plain(f"{found.name} · {' / '.join(t(f'role_{role}') for role in found.roles)}"
                             + (f" · {'、'.join(found.districts)}" if found.scope is not None else "")))
    if found.via in ("oidc", "local") and st.sidebar.button(t("logout"), key="logout", icon=":material/logout:"):
        record("logout", found, via=found.via)
        if found.via == "oidc":
            st.logout()
        else:
            st.session_state.pop("account", None)
            st.rerun()
