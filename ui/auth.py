"""Sign-in for a shared deployment: who is at the page, and nothing else shown until they are known.

The server's file (:mod:`geo.store.deployment`, ``$PLANNER_CONFIG``) chooses the mode:

* no file: *single-user mode*. No sign-in; the page serves only the server's own machine
  (a visitor from another address is refused) and says so in the sidebar;
* ``mode = "password"``: a sign-in form in the page's language; a wrong password counts towards a
  lock-out of that login; a sign-in ends after ``session_hours`` or ``idle_minutes`` without a
  click (a reload asks again);
* ``mode = "proxy"``: the bureau's reverse proxy signs people in and names them in a header; the
  file gives their role. Only the proxy may reach the app (README).

Every sign-in, failure, lock-out and sign-out is written to the server log (never a password).
"""

from __future__ import annotations

import ipaddress
import threading
import time

import streamlit as st

from geo import GeoError, ServerConfig, User, authenticate, server_config, user_from_header
from ui import sidebar
from ui.boundary import LOG
from ui.i18n import text
from ui.messages import error_words, show
from ui.state import PageState, SignIn


class _Failures:
    """Wrong passwords per login, for the lock-out (one per server process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[str, tuple[int, float]] = {}

    def locked(self, login: str, config: ServerConfig, now: float) -> bool:
        with self._lock:
            count, last = self._count.get(login, (0, 0.0))
            if count >= config.max_failures and now - last < config.lockout_minutes * 60:
                return True
            if count >= config.max_failures:  # the wait is over
                self._count.pop(login, None)
            return False

    def failed(self, login: str, now: float) -> int:
        with self._lock:
            count = self._count.get(login, (0, 0.0))[0] + 1
            self._count[login] = (count, now)
            return count

    def cleared(self, login: str) -> None:
        with self._lock:
            self._count.pop(login, None)


@st.cache_resource(show_spinner=False)
def _failures() -> _Failures:
    return _Failures()


def is_local(address: str | None) -> bool:
    """Whether a client address is the server's own machine (None: not known, e.g. a test run).

    >>> is_local("127.0.0.1"), is_local("::1"), is_local("10.1.2.3"), is_local(None)
    (True, True, False, True)
    >>> is_local("::ffff:127.0.0.1"), is_local("::ffff:10.1.2.3")
    (True, False)
    """
    if not isinstance(address, str) or not address:  # streamlit gives None for localhost
        return True
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # a server listening on :: sees ::ffff:127.0.0.1
    return (mapped or ip).is_loopback


def config_or_stop(lang: str) -> ServerConfig:
    """The server's configuration; a wrong file stops the page with words for the visitor (the
    details are in the server log), never a fallback to no sign-in."""
    try:
        return server_config()
    except GeoError as exc:
        LOG.error("configuration: %s", exc)
        show("error", error_words(exc, lang))
        st.stop()
        raise  # not reached: st.stop ends the run


def signed_in_user(s: PageState, config: ServerConfig) -> User | None:
    """Who is at the page: None in single-user mode; else the signed-in user, or the sign-in form
    (with the language switch) and the end of this run (``st.stop``) while nobody is."""
    lang = s.lang
    if config.single_user:
        if not is_local(st.context.ip_address):
            LOG.warning("refused %s: single-user mode serves this machine only", st.context.ip_address)
            show("error", text("single_user_local_only", lang))
            st.stop()
        return None
    if config.mode == "proxy":
        user = user_from_header(config, st.context.headers)
        if user is None:
            LOG.warning("refused a request without a known user in %s", config.proxy_header)
            show("error", text("proxy_user_unknown", lang))
            st.stop()
        return user
    now = time.time()
    current = s.sign_in
    if current is not None:
        if now - current.started > config.session_hours * 3600 or now - current.seen > config.idle_minutes * 60:
            LOG.info("sign-in of %s expired", current.user.name)
            s.sign_in = None
            s.say("info", "signed_out_expired", "sign_in")
        else:
            current.seen = now
            return current.user
    _sign_in_form(s, config, sidebar.language(s))
    st.stop()
    return None  # not reached


def _sign_in_form(s: PageState, config: ServerConfig, lang: str) -> None:
    st.title(text("title", lang))
    for message in s.take_messages("sign_in"):
        show("info", text(message.key, lang))
    with st.form("sign_in"):
        st.subheader(text("sign_in", lang))
        login = st.text_input(text("login", lang), autocomplete="username")
        password = st.text_input(text("password", lang), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(text("sign_in", lang), type="primary")
    if not submitted:
        return
    login = login.strip()
    now = time.time()
    failures = _failures()
    if failures.locked(login, config, now):
        LOG.warning("sign-in of %r refused: locked out", login)
        show("error", text("sign_in_locked", lang).format(minutes=f"{config.lockout_minutes:g}"))
        return
    user = authenticate(config, login, password)
    if user is None:
        count = failures.failed(login, now)
        LOG.warning("sign-in of %r failed (%d in a row) from %s", login, count, st.context.ip_address)
        show("error", text("sign_in_failed", lang))
        return
    failures.cleared(login)
    LOG.info("%s (%s) signed in from %s", user.name, user.role, st.context.ip_address)
    s.sign_in = SignIn(user, now, now)
    st.rerun()


def sign_out(s: PageState) -> None:
    """End this browser session's sign-in (the next run shows the form)."""
    if s.sign_in is not None:
        LOG.info("%s signed out", s.sign_in.user.name)
    s.sign_in = None


def sidebar_identity(s: PageState, config: ServerConfig, user: User | None, lang: str) -> None:
    """Who is signed in and as what, with a sign-out button; or that this is single-user mode."""
    if user is None:
        st.sidebar.caption(text("single_user_mode", lang))
        return
    role = text(f"role_{user.role}", lang)
    st.sidebar.caption(text("signed_in_as", lang).format(name=user.label, role=role))
    if config.mode == "password":
        st.sidebar.button(text("sign_out", lang), on_click=sign_out, args=(s,), key="sign_out")
