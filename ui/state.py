"""The page's state: one typed object per browser session, kept in ``st.session_state`` under one key.

Everything the planner made or typed lives here, not in widget keys: Streamlit forgets the value of
a widget that is not drawn in a run (a lazy tab that is closed, a label that changed with the
language), so a widget is only a view of a field. :func:`bound` gives a widget its key, seeded from
the field when the widget (re)appears; the panel writes the widget's value back to the field.

The work on a dataset (edit session, open proposal, save form, selection, export) is kept *per
dataset fingerprint* (:class:`Work`): changing the data closes the proposal of the other data
without losing its unsaved zoning, and coming back finds it as it was.

Example
-------
>>> s = PageState()
>>> w = s.work_for("abc")
>>> w.selection.append("C0001")
>>> s.work_for("abc").selection, s.work_for("other").selection
(['C0001'], [])
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

STATE_KEY = "planner_state"
#: Prefix of every widget key this package makes (see :func:`bound`).
WIDGET_PREFIX = "w:"


@dataclass
class Message:
    """A message shown once at the top of a panel: a catalogue key and its parameters."""

    kind: str  # "success" | "info" | "warning" | "error"
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    panel: str = "any"


@dataclass
class SaveForm:
    """What the planner typed in the save form."""

    name: str = ""
    author: str = ""
    notes: str = ""
    as_new: bool = False


@dataclass
class Conflict:
    """A save the workspace refused, waiting for the planner's choice."""

    proposal: Any  # geo.store.workspace.Proposal
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PendingOpen:
    """A proposal made on other data, waiting for the planner's choice of how to open it."""

    proposal: Any  # geo.store.workspace.Proposal
    missing: int
    total: int
    own_data: str | None  # key of a loaded dataset it was made on, when this session has it


@dataclass
class ExportFile:
    """A prepared download and what it was made from."""

    signature: tuple
    data: bytes
    file_name: str
    mime: str


@dataclass
class Work:
    """The planner's work on one dataset."""

    edit: Any = None  # geo.zoning.editing.EditSession
    proposal: Any = None  # geo.store.workspace.Proposal: the open one (revision saved or opened)
    based_on: str = ""  # name of a proposal of other data this zoning was opened from
    save: SaveForm = field(default_factory=SaveForm)
    selection: list[str] = field(default_factory=list)  # community ids
    zoom_to: str | None = None  # zone id picked in the zones table
    zone_order: list[str] = field(default_factory=list)  # zone ids of the zones table as shown
    table_version: int = 0  # bumped when the zones table's rows change (resets its row selection)
    last_event: str = ""
    pipeline_selected: str | None = None
    impact: tuple[str, list[str]] | None = None
    lead_choices: dict[str, str] = field(default_factory=dict)
    export: ExportFile | None = None
    conflict: Conflict | None = None
    pending_open: PendingOpen | None = None
    edit_error: tuple[str, dict] | None = None


@dataclass
class PlanForm:
    """The planner's settings of the Plans tab."""

    year: int = field(default_factory=lambda: _dt.date.today().year + 1)
    preset: str = "policy"
    target_year: int | None = None  # None: year + 3 until the planner sets it
    notice_start: _dt.date | None = None
    budget_wan: float = 30000.0
    max_households: int = 0
    max_communities: int = 0
    budget_per_year_wan: float = 0.0
    weights: dict[str, dict[str, float]] = field(default_factory=dict)  # preset -> factor -> weight
    item_edits: list[dict] = field(default_factory=list)
    item_load_id: str = ""


@dataclass(frozen=True)
class Data:
    """A dataset the page works on: the demo city or layers a planner uploaded and chose to use."""

    dataset: Any  # geo.io.load.Dataset
    key: str  # its fingerprint (geo.io.load.dataset_fingerprint)
    name: str  # what the page calls it: the demo's or the communities file's name
    crs: str = ""  # the analysis CRS, as the page shows it
    datum: str = ""  # the datum the data was converted from (uploads)


@dataclass
class SignIn:
    """The signed-in user of a browser session (a geo.store.access.User), when they signed in and
    when they last clicked (epoch seconds): :mod:`ui.auth` ends it after the configured times."""

    user: Any
    started: float
    seen: float


@dataclass
class PageState:
    """Everything one browser session holds."""

    lang: str = ""
    source: str = "demo"
    upload: Data | None = None
    pending_upload: Any = None  # (Dataset, file name): checked in the Data in tab, not yet used
    upload_files: dict[str, tuple[str, str]] = field(default_factory=dict)  # layer -> (file name, stored copy)
    dataset_key: str = ""
    works: dict[str, Work] = field(default_factory=dict)
    known: dict[str, str] = field(default_factory=dict)  # fingerprint -> "demo" / "upload"
    plan: PlanForm = field(default_factory=PlanForm)
    messages: list[Message] = field(default_factory=list)
    layer_js: dict = field(default_factory=dict)
    plan_layer_js: dict = field(default_factory=dict)
    selected_proposal: str | None = None  # proposal id picked in the Proposals tab
    tab: str = "tab_map"  # the open tab (kept through a language switch)
    draft_id: str = ""  # the page's draft on the server (ui.drafts): survives a reload
    draft_works: dict[str, dict] = field(default_factory=dict)  # drafted work of data not loaded yet
    draft_signature: str = ""
    draft_warned: bool = False  # the planner was told that the draft cannot be written
    sign_in: SignIn | None = None  # None: nobody signed in (or single-user mode)
    user: Any = None  # who this run acts as (geo.store.access.User; None in single-user mode)

    def work_for(self, key: str) -> Work:
        """The work on the dataset ``key`` (created empty the first time)."""
        if key not in self.works:
            self.works[key] = Work()
        return self.works[key]

    @property
    def work(self) -> Work:
        """The work on the page's current dataset."""
        return self.work_for(self.dataset_key)

    def say(self, kind: str, key: str, panel: str = "any", **params: Any) -> None:
        """Queue a message for the next run of ``panel``."""
        self.messages.append(Message(kind, key, params, panel))

    def take_messages(self, panel: str) -> list[Message]:
        """The queued messages of ``panel`` (and of any panel), removed from the queue."""
        mine = [m for m in self.messages if m.panel in (panel, "any")]
        self.messages = [m for m in self.messages if m not in mine]
        return mine


def state() -> PageState:
    """This browser session's :class:`PageState`."""
    import streamlit as st

    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = PageState()
    return st.session_state[STATE_KEY]


def widget_key(name: str, lang: str | None = None) -> str:
    """The key of the widget showing field ``name``; per language when its option labels are words.

    >>> widget_key("source", "zh")
    'w:source:zh'
    """
    return f"{WIDGET_PREFIX}{name}" + (f":{lang}" if lang else "")


def bound(name: str, value: Any, lang: str | None = None) -> str:
    """The key of the widget of field ``name``, seeded with ``value`` when the widget has no state.

    Pass the key to the widget *without* a ``value``/``index``: the widget shows the field, and
    after the run the panel copies the widget's value back into the field.
    """
    import streamlit as st

    key = widget_key(name, lang)
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def bind(name: str, value: Any, lang: str | None = None, *,
         keep: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """``key`` and ``value`` (and ``on_change``) for a text, number, date or check widget of field ``name``.

    The value is given both ways on purpose: seeded into the widget's state (:func:`bound`) and as
    the widget's default, so that a widget the browser draws again (a lazy tab reopened) shows the
    field, not its minimum ("global.disableWidgetStateDuplicationWarning" is on for this).

    ``keep`` receives the widget's new value in a callback, which Streamlit runs before anything
    else in the next run. Without it a value typed just before a tab click is lost: the click
    interrupts the run that would copy it into the field, and the next run, which no longer draws
    the widget, drops the widget's state.
    """
    import streamlit as st

    key = bound(name, value, lang)
    out: dict[str, Any] = {"key": key, "value": st.session_state[key]}
    if keep is not None:
        out["on_change"] = lambda: keep(st.session_state.get(key))
    return out


def keep_in(owner: Callable[[], Any], attribute: str, cast: Callable[[Any], Any] = lambda v: v) -> Callable[[Any], None]:
    """A ``keep`` for :func:`bind`: sets ``owner().attribute`` to ``cast(value)`` (an empty value is
    ignored). ``owner`` is looked up when the callback runs, so it finds the state of that run.

    >>> form = SaveForm()
    >>> keep_in(lambda: form, "name", str)("北片")
    >>> form.name
    '北片'
    """
    def keep(value: Any) -> None:
        if value is not None:
            setattr(owner(), attribute, cast(value))
    return keep


def bind_choice(name: str, value: Any, options, lang: str | None = None) -> dict[str, Any]:
    """``key`` and ``index`` for a radio or select box of ``options`` showing field ``name``."""
    import streamlit as st

    options = list(options)
    key = bound(name, value, lang)
    if st.session_state[key] not in options:  # the options changed (a zone dissolved, a proposal deleted)
        st.session_state[key] = value if value in options else (options[0] if options else None)
    current = st.session_state[key]
    return {"key": key, "index": options.index(current) if current in options else None}


def widget_value(key: str, default: Any = None) -> Any:
    """The current value of the widget with ``key`` (a callback reads what was just typed or picked)."""
    import streamlit as st

    return st.session_state[key] if key in st.session_state else default


def set_widget(key: str, value: Any) -> None:
    """Set the state of the widget (or component) with ``key`` before it is drawn."""
    import streamlit as st

    st.session_state[key] = value


def bind_multi(name: str, value: list, options: list) -> dict[str, Any]:
    """``key`` and ``default`` of a multiselect showing field ``name`` (options that went are dropped)."""
    key = bound(name, value)
    kept = [v for v in widget_value(key, []) if v in options]
    set_widget(key, kept)
    return {"key": key, "default": kept}


def bound_tab(lang: str, opened: str) -> str:
    """The key of the main tab bar in ``lang``, opened on the label ``opened`` when it is new (a
    new language: the tab that was open stays open)."""
    return bound("main_tab", opened, lang)


def forget(*names: str) -> None:
    """Drop the widget state of fields ``names`` (every language): the next run shows the fields'
    values again (after the code changed them, e.g. opening a proposal fills the save form)."""
    import streamlit as st

    for key in list(st.session_state.keys()):
        if not isinstance(key, str) or not key.startswith(WIDGET_PREFIX):
            continue
        field_name = key[len(WIDGET_PREFIX):].split(":", 1)[0]
        if field_name in names:
            del st.session_state[key]
