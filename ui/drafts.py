"""The page's unsaved work, kept on the server between reloads (:mod:`geo.store.drafts` stores it).

The page's address carries a draft id (``?draft=…``); a reload or a reopened tab with that address
finds the planner's zonings (per dataset: zones, locks, notes, reasons, the open proposal and the
save form), the selection, the plan settings, the language and the open tab. The undo history
does not survive a reload; the zoning does.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any

import streamlit as st

from geo import DraftStore, Proposal, new_draft_id, rules_to_dict, valid_draft_id
from ui.state import Data, PageState, PlanForm, SaveForm, Work

PARAM = "draft"


def attach(s: PageState, drafts: DraftStore) -> None:
    """On a session's first run: take the draft id of the address (restoring its draft) or make one."""
    if s.draft_id:
        return
    asked = st.query_params.get(PARAM)
    content = drafts.load(asked) if valid_draft_id(asked) else None
    if valid_draft_id(asked) and (not content or content.get("user", "") == _owner(s)):
        s.draft_id = asked  # a draft is restored only for the person who made it
        if content:
            _restore_page(s, content)
    else:
        s.draft_id = new_draft_id()
        drafts.purge()
    st.query_params[PARAM] = s.draft_id


def _owner(s: PageState) -> str:
    """Whose draft this page writes: the signed-in login ("" in single-user mode)."""
    return s.user.name if s.user is not None else ""


def _restore_page(s: PageState, content: dict[str, Any]) -> None:
    s.lang = content.get("lang") or s.lang
    s.source = content.get("source") or s.source
    s.tab = content.get("tab") or s.tab
    plan = content.get("plan") or {}
    fields = {f.name for f in dataclasses.fields(PlanForm)}
    values = {k: v for k, v in plan.items() if k in fields}
    if isinstance(values.get("notice_start"), str):
        values["notice_start"] = _dt.date.fromisoformat(values["notice_start"])
    s.plan = PlanForm(**values)
    s.draft_works = dict(content.get("works") or {})
    from ui.data_panel import kept_uploads

    s.upload_files = kept_uploads(content.get("upload_files"))


def revive(s: PageState, current: Data) -> None:
    """Rebuild the work on ``current`` from the draft, the first time this dataset is seen."""
    entry = s.draft_works.pop(current.key, None)
    if not entry or current.key in s.works:
        return
    from ui.sessions import session_of

    work = Work()
    zoning = entry.get("zoning")
    if zoning is not None:
        proposal = Proposal(name="draft", assignment=zoning["assignment"], rules=zoning["rules"],
                            zone_notes=zoning.get("notes") or {}, locked_zones=zoning.get("locked") or [],
                            reasons=zoning.get("reasons") or {}, used_zone_ids=zoning.get("used_zone_ids") or [])
        work.edit, _ = session_of(proposal, current, keep_missing=True)
    open_ = entry.get("proposal")
    if open_:
        work.proposal = Proposal(name=open_["name"], proposal_id=open_["proposal_id"], created=open_.get("created"),
                                 revision=int(open_["revision"]), author=open_.get("author", ""),
                                 notes=open_.get("notes", ""))
    work.based_on = entry.get("based_on", "")
    work.save = SaveForm(**(entry.get("save") or {}))
    work.selection = [str(c) for c in entry.get("selection") or []]
    work.zoom_to = entry.get("zoom_to")
    s.works[current.key] = work


def _work_content(work: Work) -> dict[str, Any]:
    out: dict[str, Any] = {"save": dataclasses.asdict(work.save), "selection": list(work.selection),
                           "zoom_to": work.zoom_to, "based_on": work.based_on, "zoning": None, "proposal": None}
    session = work.edit
    if session is not None:
        zoning = session.zoning
        out["zoning"] = {"assignment": zoning.assignment(), "locked": sorted(zoning.locked),
                         "notes": dict(zoning.notes), "rules": rules_to_dict(session.rules),
                         "reasons": session.engine_reasons(), "used_zone_ids": list(session.used_zone_ids)}
    if work.proposal is not None:
        p = work.proposal
        out["proposal"] = {"name": p.name, "proposal_id": p.proposal_id, "created": p.created,
                           "revision": p.revision, "author": p.author, "notes": p.notes}
    return out


def content(s: PageState) -> dict[str, Any]:
    """What a draft keeps of the page state."""
    plan = dataclasses.asdict(s.plan)
    if plan.get("notice_start") is not None:
        plan["notice_start"] = plan["notice_start"].isoformat()
    works = {key: _work_content(w) for key, w in s.works.items() if key}
    works.update({k: v for k, v in s.draft_works.items() if k not in works})  # data not loaded again yet
    return {"user": _owner(s), "lang": s.lang, "source": s.source, "tab": s.tab, "plan": plan, "works": works,
            "upload_files": {layer: list(entry) for layer, entry in s.upload_files.items()}}


def autosave(s: PageState, drafts: DraftStore) -> None:
    """Write the draft when the work changed since the last write (cheap to call on every run)."""
    if not s.draft_id:
        return
    signature = repr([(k, id(w.edit), id(w.edit.zoning) if w.edit is not None else None,
                       getattr(w.edit, "rules", None), w.proposal and (w.proposal.proposal_id, w.proposal.revision),
                       w.save, w.selection, w.zoom_to, w.based_on) for k, w in sorted(s.works.items())]
                     + [s.lang, s.source, s.tab, s.plan, sorted(s.upload_files.items())])
    if signature == s.draft_signature:
        return
    try:
        drafts.save(s.draft_id, content(s))
    except OSError as exc:  # a full disk: the planner hears it once, the log has the details
        from ui.boundary import LOG
        from ui.messages import error_words

        LOG.warning("draft %s could not be written", s.draft_id, exc_info=True)
        if not s.draft_warned:
            s.draft_warned = True
            s.say("warning", "draft_not_kept", "page", why=error_words(exc, s.lang))
        return
    s.draft_warned = False
    s.draft_signature = signature


__all__ = ["attach", "autosave", "content", "revive"]
