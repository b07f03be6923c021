"""The error boundary: an unexpected error in one panel shows one message in the page's language with
a short reference; the traceback goes to the server log under the same reference; the rest of the
page keeps working.

Streamlit's own control flow (``st.rerun``, ``st.stop``) derives from ``BaseException`` and passes
through untouched. ``client.showErrorDetails`` is off in ``.streamlit/config.toml``, so even an
error outside every boundary shows no traceback.

For the browser tests only, ``PLANNER_TEST_FAULT=<panel>`` makes that panel raise, so the boundary
can be seen working in a real page (nothing else reads it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sys
from collections.abc import Iterator

from ui.i18n import text
from ui.messages import show

LOG = logging.getLogger("planner")
if not LOG.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False

#: Environment variable naming a panel that raises on purpose (browser tests of the boundary).
FAULT_ENV = "PLANNER_TEST_FAULT"


class InjectedFault(RuntimeError):
    """Raised in the panel named by ``$PLANNER_TEST_FAULT`` (tests only)."""


def fault_point(panel: str) -> None:
    """Raise :class:`InjectedFault` when ``$PLANNER_TEST_FAULT`` names ``panel`` (browser tests only)."""
    if os.environ.get(FAULT_ENV) == panel:
        raise InjectedFault(f"fault injected in panel {panel} ({FAULT_ENV})")


def new_reference() -> str:
    """A short reference a planner can read out to the administrator, e.g. ``E-7K2Q9``.

    >>> ref = new_reference(); ref.startswith("E-") and len(ref) == 7
    True
    """
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "E-" + "".join(secrets.choice(alphabet) for _ in range(5))


def report(exc: BaseException, panel: str) -> str:
    """Log ``exc`` with its traceback under a new reference; return the reference."""
    ref = new_reference()
    LOG.error("unexpected error %s in panel %s", ref, panel, exc_info=(type(exc), exc, exc.__traceback__))
    return ref


@contextlib.contextmanager
def boundary(panel: str, lang: str) -> Iterator[None]:
    """Run a panel; an unexpected error becomes one message with a reference (see the module)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - that is the point of a boundary
        ref = report(exc, panel)
        show("error", text("unexpected_error", lang).format(ref=ref))


def guarded(callback, panel: str):
    """``callback`` for a widget's ``on_click``/``on_change``, inside the boundary: an unexpected
    error is logged with a reference and the page shows the message on its next run."""
    import functools

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a callback runs outside every panel's boundary
            from ui.state import state

            ref = report(exc, panel)
            state().say("error", "unexpected_error", ref=ref)
            return None

    return run
