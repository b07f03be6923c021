"""A planner at the page, in either language: the steps of a working session as methods.

Labels come from the page's own catalogue (:mod:`ui.i18n`), so the same session can be walked in
Chinese and in English, and a renamed label breaks the tests that use it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.browser.harness import after_rerun, click_free_path, map_frame, runs, wait_idle
from ui.i18n import TEXT, text

MAP = "iframe[title='streamlit_folium.st_folium']"
#: What must never reach a visitor.
DEVELOPER_WORDS = ("Traceback", "TypeError", "ValueError", "KeyError", "AttributeError", "Exception:",
                   "File \"/", ".py\", line", "streamlit.errors", "NoneType", "Choose an option")


class Planner:
    """One browser page driven as a planner would."""

    def __init__(self, page, url: str, lang: str = "zh", shots: Path | None = None):
        self.page, self.url, self.lang, self.shots = page, url, lang, shots
        self.page_errors: list[str] = []
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    # -- words ------------------------------------------------------------------------------------
    def t(self, key: str, **params) -> str:
        words = text(key, self.lang)
        return words.format(**params) if params else words

    # -- navigation -------------------------------------------------------------------------------
    def open(self, query: str = "") -> Planner:
        sep = "&" if "?" in query else "?"
        self.page.goto(self.url + (query or "") + (f"{sep}lang={self.lang}" if "lang=" not in query else ""))
        map_frame(self.page)
        self.idle()
        return self

    def idle(self, timeout_ms: int = 120_000) -> None:
        wait_idle(self.page, timeout_ms)

    def reload(self) -> None:
        """Reload the page and wait until its first run has drawn the page (the title) and ended."""
        self.page.reload()
        self.page.get_by_role("heading", name=self.t("title")).first.wait_for(timeout=120_000)
        self.idle()

    def shoot(self, name: str) -> None:
        if self.shots is not None:
            self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=False)

    def act(self, action) -> None:
        """Do ``action`` (a click, a key press) and wait for the script run it causes to finish."""
        before = runs(self.page)
        action()
        after_rerun(self.page, before)

    def tab(self, key: str) -> None:
        self.act(self.page.get_by_role("tab", name=self.t(key), exact=True).click)

    def button(self, key: str, **params):
        """The button showing the words of ``key`` (by its text: a select box's toggle is also a
        button, named "Open" in English)."""
        words = self.t(key, **params)
        return self.page.locator("button").filter(has_text=re.compile("^" + re.escape(words) + "$")).first

    def click(self, key: str, **params) -> None:
        button = self.button(key, **params)
        button.scroll_into_view_if_needed()
        self.act(button.click)

    def text_visible(self, words: str, timeout_ms: int = 60_000) -> None:
        self.page.get_by_text(words).first.wait_for(timeout=timeout_ms)

    def switch_language(self, lang: str) -> None:
        label = {"zh": "中文", "en": "English"}[lang]
        self.act(self.page.locator("[data-testid='stSidebar']").get_by_text(label, exact=True).click)
        self.lang = lang

    def radio_checked(self, label: str) -> bool:
        return self.page.get_by_role("radio", name=label).is_checked()

    # -- the map ----------------------------------------------------------------------------------
    def frame(self):
        return self.page.frame_locator(MAP).first

    def propose(self) -> list[str]:
        self.click("propose")
        self.frame().locator(".zone-label").first.wait_for(state="attached", timeout=120_000)
        self.idle()
        return self.zone_labels()

    def zone_labels(self) -> list[str]:
        self.frame().locator(".zone-label").first.wait_for(state="attached", timeout=60_000)
        return [t.strip() for t in self.frame().locator(".zone-label").all_text_contents()]

    def zone_positions(self) -> dict[str, tuple[float, float]]:
        """Where each zone's label is anchored on the map (its id -> pixels). The anchor is the label's
        marker (a point), which has its place even when the labels are hidden at a low zoom."""
        self.frame().locator(".zone-label").first.wait_for(state="attached", timeout=60_000)
        return self.frame().locator(".zone-label").evaluate_all(
            "els => Object.fromEntries(els.map(e => { const r = e.parentElement.getBoundingClientRect();"
            " return [e.textContent.trim(), [r.x, r.y]]; }))")

    def map_ready(self) -> None:
        """Wait until the map has drawn its communities and, when zones exist, their labels (the
        zones are a layer added after the base map: a click before it lands on a layer that goes)."""
        map_frame(self.page)
        self.frame().locator(".zone-label").first.wait_for(state="attached", timeout=120_000)
        self.idle()
        self.page.wait_for_timeout(500)

    def click_member(self, skip: int = 0) -> str:
        """Click a community that is in a zone; its id (from the details shown)."""
        self.map_ready()
        self.act(lambda: click_free_path(self.page, self.frame().locator("path.leaflet-interactive[fill-opacity='0.55']"),
                                         skip=skip))
        details = self.page.get_by_text(re.compile("^" + re.escape(self.t("details")) + ": ")).first
        details.wait_for(timeout=60_000)
        return details.inner_text().split(": ", 1)[1].split()[0]

    def metric(self, key: str) -> str:
        box = self.page.locator("[data-testid='stMetric']").filter(has_text=self.t(key)).first
        box.wait_for(timeout=60_000)
        return box.locator("[data-testid='stMetricValue']").inner_text().strip()

    # -- forms ------------------------------------------------------------------------------------
    def fill(self, key: str, value: str) -> None:
        box = self.page.get_by_label(self.t(key), exact=True).first
        box.fill(value)
        key_name = "Tab" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter"
        self.act(lambda: box.press(key_name))

    def value(self, key: str) -> str:
        return self.page.get_by_label(self.t(key), exact=True).first.input_value()

    def save(self, name: str, author: str = "", notes: str = "") -> None:
        self.tab("tab_proposals")
        self.fill("proposal_name", name)
        if author:
            self.fill("author", author)
        if notes:
            self.fill("proposal_notes", notes)
        self.click("save")

    def save_as_new(self, name: str) -> None:
        """Save the zoning as a new proposal ``name`` (the Proposals tab's "save as new")."""
        self.tab("tab_proposals")
        self.page.get_by_text(self.t("save_as_new"), exact=True).click()
        self.idle()
        self.fill("proposal_name", name)
        self.click("save")
        self.text_visible(self.t("saved", name=name, revision=1))

    def take_out_one(self, skip: int = 0) -> str:
        """On the map, take a community out of its zone; its id."""
        self.tab("tab_map")
        community = self.click_member(skip=skip)
        self.click("take_out")
        return community

    def choose(self, key: str, option: str) -> None:
        """Pick ``option`` in the select box labelled ``key`` (by role: a tab can share its label)."""
        box = self.page.get_by_role("combobox", name=self.t(key), exact=True).first
        box.scroll_into_view_if_needed()
        box.click()
        self.page.keyboard.type(option)  # a long list draws only its first options until filtered
        self.act(self.page.get_by_role("option", name=option, exact=True).first.click)

    def pick_proposal(self, name: str) -> None:
        self.choose("proposal", name)

    # -- checks -----------------------------------------------------------------------------------
    def body(self) -> str:
        return self.page.locator("[data-testid='stApp']").inner_text()

    def assert_clean(self) -> None:
        """No traceback, exception, Python name or page error reached the visitor."""
        shown = self.body()
        found = [w for w in DEVELOPER_WORDS if w in shown]
        assert not found, f"developer words on the page: {found}"
        assert self.page.locator("[data-testid='stException']").count() == 0, "an exception box is shown"
        assert not self.page_errors, f"page errors: {self.page_errors[:3]}"

    def other_language_words(self) -> list[str]:
        """Catalogue words of the other language shown on the page (whole phrases of 2+ words)."""
        shown = self.body()
        other = 1 if self.lang == "zh" else 0
        mine = 0 if self.lang == "zh" else 1
        hits = []
        for zh_en in TEXT.values():
            words = zh_en[other].split("{")[0].strip()
            if len(words) >= 8 and words != zh_en[mine].split("{")[0].strip() and words in shown:
                hits.append(words)
        return hits


def wait_until(check, timeout_s: float = 30.0, every_s: float = 0.25) -> bool:
    """Poll ``check`` until it is true (True) or the time is up (False)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(every_s)
    return bool(check())
