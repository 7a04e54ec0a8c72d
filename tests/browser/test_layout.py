"""The desk's pages fit the desk screen and a tablet: no sideways scrolling, every control within reach."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed; "
                    "browser tests skipped")

from .conftest import DESK, START, TABLET, TABLET_PORTRAIT  # noqa: E402
from .test_dossier_journey import PROCEDURE, UNIT_TAB, follow, sign_in  # noqa: E402

SCREENS = {"desk": DESK, "tablet": TABLET, "tablet-portrait": TABLET_PORTRAIT}
# A control is out of reach when it sticks out of the window or is cut off by a scrolling box around it
# (a table that scrolls sideways hides its last column: the officer must find and drag a scroll bar).
OUT_OF_REACH = """() => {
  const cut = (box, outer) => box.right > outer.right + 1 || box.left < outer.left - 1;
  const controls = document.querySelectorAll(
    'main button, main a.button, main input:not([type=hidden]), main select, main textarea');
  return [...controls].filter(control => {
    const box = control.getBoundingClientRect();
    if (!box.width) return false;
    if (cut(box, {left: 0, right: window.innerWidth})) return true;
    for (let up = control.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible' && cut(box, up.getBoundingClientRect())) return true;
    }
    return false;
  }).map(control => ((control.labels && control.labels.length ? control.labels[0].innerText : '')
                      || control.innerText || control.getAttribute('aria-label') || control.name).trim());
}"""


def layout_problems(page, name: str, screen: str, artifacts) -> list[str]:
    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{name}: the page scrolls sideways by {overflow}px")
    hidden = page.evaluate(OUT_OF_REACH)
    if hidden:
        problems.append(f"{name}: controls cut off or off screen: {', '.join(sorted(set(hidden)))}")
    if problems:
        path = artifacts / f"layout-{screen}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        problems[-1] += f" (screenshot {path})"
    return problems


@pytest.mark.parametrize("screen", SCREENS)
def test_desk_pages_fit_the_screen_with_every_control_in_reach(open_desk, fixed_clock, artifacts, screen):
    # Two days on, the demo dossiers' desk step is overdue: the inbox rows at their widest, with the late badge.
    fixed_clock.set(START.replace(day=4))
    page = open_desk(SCREENS[screen])
    sign_in(page, "motcua.tinh")
    problems = []
    follow(page, page.get_by_role("link", name=re.compile("^" + UNIT_TAB)))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Xử lý", exact=True)).first
    problems += layout_problems(page, "inbox", screen, artifacts)

    follow(page, row.get_by_role("link", name="Xử lý", exact=True))
    problems += layout_problems(page, "task", screen, artifacts)
    follow(page, page.get_by_role("link", name=re.compile(r"^000\.")).first)
    problems += layout_problems(page, "dossier", screen, artifacts)

    follow(page, page.get_by_role("link", name="Tiếp nhận hồ sơ"))
    problems += layout_problems(page, "reception", screen, artifacts)
    follow(page, page.get_by_role("link", name=PROCEDURE, exact=True))
    problems += layout_problems(page, "reception-form", screen, artifacts)
    assert not problems, "\n".join(problems)
