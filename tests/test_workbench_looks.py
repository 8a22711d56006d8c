"""How the workbench looks, measured in a real browser (Playwright driving Debian's chromium):
every section of the header, for the head of office, at a laptop's and a phone's width.

- **Contrast (WCAG 2.x AA):** every piece of visible text has a contrast ratio of at least 4.5:1
  with the background behind it, 3:1 for large text (24 px, or 18.66 px bold). The ratio is
  computed in the page from the computed colours, with the WCAG formula for relative luminance,
  and semi-transparent layers blended over what lies beneath them.
- **A phone's width:** at 375 px nothing makes the page scroll sideways (a wide table scrolls
  inside its own box) and the header's navigation is reachable.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.core.navigation import SECTIONS, entries
from workbench_browser import sign_in
from workbench_users import PASSWORD

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 740}

pytestmark = pytest.mark.django_db(transaction=True)

# Runs in the page: the text elements whose contrast is below AA, each with its colours and ratio.
LOW_CONTRAST = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || style.display === "none" || box.width === 0) continue;
    if (el.closest("[aria-hidden=true], .visually-hidden, .sr-only, svg, [disabled]")) continue;
    const under = background(el);
    const fg = over(parse(style.color), under);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const r = ratio(fg, under);
    if (r < (large ? 3 : 4.5)) {
      const text = el.textContent.trim().slice(0, 40);
      const back = [under.r, under.g, under.b].map(Math.round).join(",");
      failures.push(`${el.tagName.toLowerCase()}.${el.className} "${text}"`
        + ` ${style.color} on rgb(${back}) = ${r.toFixed(2)}`);
    }
  }
  return failures;
}
"""


def _signed_in(browser: Browser, live_server, viewport: dict) -> Page:
    """A page signed in as the head of office, with the demo's stakeholders, consultations and
    grievances in the database so that the lists have rows to show."""
    for command in ("demo_stakeholders", "demo_consultations", "demo_grievances"):
        call_command(command, verbosity=0)
    user = get_user_model().objects.create_user("kepala", password=PASSWORD)
    Profile.objects.create(user=user, role="kepala")
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    sign_in(page, "kepala")
    return page


def _sections(user) -> list[str]:
    """The header's sections the head of office sees (the administration pages aside)."""
    return [e.address for e in entries(user, "/", SECTIONS) if e.address != "/admin/"]


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_section_meets_wcag_aa_contrast(
    browser: Browser, live_server, settings, language: str
) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    page = _signed_in(browser, live_server, LAPTOP)
    if language == "en":
        page.get_by_role("button", name="English").click()
    sections = _sections(get_user_model().objects.get(username="kepala"))
    assert "/dashboard/" in sections and len(sections) >= 6
    low = {}
    for address in sections:
        page.goto(address)
        failures = page.evaluate(LOW_CONTRAST)
        if failures:
            low[address] = failures
    page.context.close()
    assert not low, f"text below WCAG AA contrast: {low}"


def test_every_section_fits_a_phone(browser: Browser, live_server, settings) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    page = _signed_in(browser, live_server, PHONE)
    wide = {}
    for address in _sections(get_user_model().objects.get(username="kepala")):
        page.goto(address)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide[address] = overflow
    # The header's sections are reachable on the phone: the navigation's links are on screen or
    # behind one visible control that shows them.
    page.goto("/dashboard/")
    links = page.locator("header nav a")
    assert links.count() >= 6
    if not links.first.is_visible():
        page.locator("header button, header summary").first.click()
    assert links.first.is_visible()
    page.context.close()
    assert not wide, f"pages wider than a 375 px phone (px too wide): {wide}"


def test_the_contrast_check_finds_text_below_aa(browser: Browser) -> None:
    """The measurement above, on a page whose answer is known: grey #777 on white is 4.48:1 (just
    below AA for body text), #767676 is 4.54:1 (the lightest grey that passes), and #949494 is
    3.03:1, enough only for large text; black on a 70 % black layer over white (rgb 77) is
    2.5:1, which only blending the layer finds."""
    page = browser.new_page()
    page.set_content(
        '<body style="background:#fff">'
        '<p style="color:#777">below</p>'
        '<p style="color:#767676">passes</p>'
        '<p style="color:#949494;font-size:24px">large passes</p>'
        '<p style="color:#949494">small fails</p>'
        '<div style="background:rgba(0,0,0,0.7)"><span style="color:#000">dark on grey</span></div>'
        "</body>"
    )
    failures = page.evaluate(LOW_CONTRAST)
    page.close()
    assert [f.split('"')[1] for f in failures] == ["below", "small fails", "dark on grey"]
