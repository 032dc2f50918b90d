#!/usr/bin/env python3
"""Browser test of the Clientele dashboard.

Starts `clientele serve` on the built-in demo data with an empty data folder,
creates the first administrator through the one-time set-up link the server
prints, signs in through the login form (a wrong password first) and walks
signed in as that administrator: loads every page (and a set of filtered
variants, the Account and Admin pages) in headless Chromium with Playwright,
requests every same-origin link found on those pages (over HTTP with the
administrator's session), saves full-page screenshots (1280 px and 390 px
wide, light and dark theme) and finally uploads a small CSV with hostile
values end to end.

Accounts and roles (issue 14): not signed in, pages redirect to /login and data
answers 401; the Admin page's form adds an executive, a marketing and a
marketing account limited to France and Germany (a short password is refused),
`clientele users add` adds an analyst while the server runs; API tokens are
created, used (Authorization: Bearer) and revoked on /account. Each account
then signs in in a fresh browser, must land on its role's home, find in the
page menu exactly the pages its role may open, and passes every page check and
layout rule on each of them at 1280 px; the other pages answer 403 in every
format (HTML with the layout, JSON, CSV); the links of its pages answer for it;
an executive's pages and downloads hold no customer id or link to /customer;
the scoped account sees only its countries (its figures equal the
administrator's filtered to them) and is refused any other; each signs out
through the header's user menu.

It fails (exit 1) on a page that does not answer as expected (200, or the
403/401 asked for), an HTML page without <h1>, a JavaScript error (pageerror,
console error, an alert/confirm/prompt dialog), a failed
sub-resource, a broken same-origin link, or a chart with no marks (an empty
chart is accepted only where a filter can legitimately empty it and only when
it says so with data-empty="true").

Layout rules (failures), on every main page at 1280 and 390 px (light theme):
nothing wider than the viewport (a box may scroll sideways only with its
visible cue, a chart's box only on a phone), no text under 11 px (HTML, and SVG text as
scaled to its box), no clipped table cell, no vertical scroller but the page,
and every link of the page menu visible (a page seen before signing in has no
menu). See LAYOUT_RULES.

Usage:
    python3 scripts/browser_test.py [BINARY] [--out DIR] [--no-shots] [--layout-only]

BINARY defaults to $CLIENTELE_BIN, else .build/debug/clientele.
Needs: pip install playwright; Debian's chromium at /usr/bin/chromium
(or $CHROMIUM).
"""

from __future__ import annotations

import argparse
import atexit
import concurrent.futures
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    from playwright.sync_api import sync_playwright, Error as PlaywrightError
except ImportError:  # pragma: no cover - the wrapper installs it
    sys.exit("browser_test: Python package 'playwright' is missing (pip install playwright)")

NAV_PAGES = ["/", "/overview", "/value", "/retention", "/churn", "/movement", "/customers",
             "/data-quality", "/upload"]
DOWNLOAD_SUFFIXES = (".json", ".csv", ".svg", ".png", ".gz")
DOWNLOAD_PATHS = ("/-/health",)
UPLOAD_NAME = "browser-test-upload.csv"
HOSTILE_ID = "<script>alert(1)</script>"
HOSTILE_COUNTRY = '"><img src=x onerror=alert(2)>'


def upload_csv() -> bytes:
    """A handful of Online Retail II lines: 5 valid, 1 invalid (price 0)."""
    rows = [
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
        "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
        "536366,71053,WHITE METAL LANTERN,6,2010-12-02 09:10:00,3.39,17850,United Kingdom",
        "536367,84406B,CREAM CUPID HEARTS COAT HANGER,8,2011-01-03 10:00:00,2.75,13047,France",
        # hostile customer id (quoted because it has no comma, but keep it simple)
        f"536368,22752,SET 7 BABUSHKA NESTING BOXES,2,2011-02-04 11:30:00,7.65,{HOSTILE_ID},Germany",
        # hostile country: CSV-quoted, inner quote doubled
        '536369,21730,GLASS STAR FROSTED T-LIGHT HOLDER,6,2011-03-05 12:45:00,4.25,14688,'
        + '"' + HOSTILE_COUNTRY.replace('"', '""') + '"',
        "536370,22633,HAND WARMER UNION JACK,6,2011-03-06 13:00:00,0,14688,United Kingdom",
    ]
    return ("\n".join(rows) + "\n").encode()


UPLOAD_LINES, UPLOAD_VALID, UPLOAD_INVALID = 6, 5, 1
# Seconds a link of the crawl may take, and how long a "busy, retry" (503) is retried: a debug build on a busy
# machine computes the churn models of a new filter in tens of seconds (answers over SLOW_SECONDS are warnings).
PATIENCE = 120


# --------------------------------------------------------------------------
# results

START = time.time()


def say(msg: str) -> None:
    """A progress line with the seconds since the start."""
    print(f"[{time.time() - START:4.0f} s] {msg}", flush=True)



class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.warnings: dict[str, list[str]] = {}
        self.pages = 0
        self.links = 0
        self.charts = 0
        self.shots = 0
        self.layout_checks = 0
        self.roles = 0
        self.forbidden = 0

    def fail(self, where: str, what: str) -> None:
        msg = f"{where}: {what}"
        if msg not in self.failures:
            self.failures.append(msg)
            print(f"  FAIL {msg}", flush=True)

    def warn(self, where: str, what: str) -> None:
        """Warnings do not fail the run; the summary groups them by message."""
        if what not in self.warnings:
            self.warnings[what] = []
        if where not in self.warnings[what]:
            self.warnings[what].append(where)


# --------------------------------------------------------------------------
# server
def wait_models(base: str, timeout: float = 600) -> None:
    """Waits until the churn models of the data set have been compared (pages say "comparing..." before)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status, _, body = http_get(base + "/-/health", timeout=5)
            if status == 200 and b'"models":"ready"' in body.replace(b" ", b""):
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    raise RuntimeError("the churn models were not ready in time")




def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The admin's session cookie, sent by every urllib helper (http_get, crawl, check_link, wait_models, data_span,
# nav_pages) unless a call passes its own headers; set by sign_in_http once the first administrator exists.
AUTH: dict[str, str] = {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx comes back as an HTTPError with its Location
        return None


_PLAIN = urllib.request.build_opener()
_NO_REDIRECT = urllib.request.build_opener(_NoRedirect)


def http_request(url: str, timeout: float = 30, headers: dict | None = None, data: bytes | None = None,
                 method: str | None = None, follow: bool = True) -> tuple[int, dict, bytes]:
    """One request; `headers` None sends AUTH (the admin's session), {} nothing. A 503 "busy, retry" (the server
    bounds how many pages it computes at once) is retried after its Retry-After, as a well-behaved client does, up to
    PATIENCE seconds in all. Header names in the answer are lower case; with several Set-Cookie the last one wins."""
    hdrs = {"User-Agent": "clientele-browser-test", **(AUTH if headers is None else headers)}
    req = urllib.request.Request(url, headers=hdrs, data=data, method=method)
    opener = _PLAIN if follow else _NO_REDIRECT
    deadline = time.time() + PATIENCE
    while True:
        try:
            with opener.open(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            headers_ = {k.lower(): v for k, v in e.headers.items()}
            if e.code == 503 and "retry-after" in headers_ and time.time() < deadline:
                time.sleep(min(float(headers_["retry-after"]), 5))
                continue
            return e.code, headers_, e.read()


def http_get(url: str, timeout: float = 30, headers: dict | None = None, follow: bool = True) -> tuple[int, dict, bytes]:
    """GET url (with the admin's session unless `headers` says otherwise)."""
    return http_request(url, timeout=timeout, headers=headers, follow=follow)


def http_post_form(base: str, path: str, fields: dict, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """POST an urlencoded form as a page of the dashboard would (Origin = the dashboard), without following the
    redirect."""
    hdrs = {**(AUTH if headers is None else headers), "Origin": base,
            "Content-Type": "application/x-www-form-urlencoded"}
    return http_request(base + path, headers=hdrs, data=urllib.parse.urlencode(fields).encode(), method="POST",
                        follow=False)


def session_cookie(headers: dict) -> str | None:
    m = re.search(r"clientele_session=([0-9a-f]+)", headers.get("set-cookie", ""))
    return m.group(1) if m else None


def form_csrf(body: bytes) -> str | None:
    m = re.search(rb'name="_csrf" value="([^"]+)"', body)
    return m.group(1).decode() if m else None


def sign_in_http(base: str, user: str, password: str) -> dict[str, str]:
    """Signs in with the login form over plain HTTP (GET /login for the session and its CSRF token, POST the form);
    returns the headers that carry the signed-in session."""
    status, headers, body = http_get(base + "/login", headers={}, follow=False)
    sid, csrf = session_cookie(headers), form_csrf(body)
    if status != 200 or not sid or not csrf:
        raise RuntimeError(f"GET /login: HTTP {status}, session cookie {bool(sid)}, CSRF token {bool(csrf)}")
    status, headers, _ = http_post_form(base, "/login", {"_csrf": csrf, "username": user, "password": password},
                                        headers={"Cookie": f"clientele_session={sid}"})
    new = session_cookie(headers)
    if status != 303 or not new:
        raise RuntimeError(f"POST /login as {user}: HTTP {status}, expected 303 with a session cookie")
    if new == sid:
        raise RuntimeError("POST /login kept the session id known before signing in (session fixation)")
    return {"Cookie": f"clientele_session={new}"}


class Server:
    def __init__(self, binary: str, workdir: str, log_path: str, demo_lines: int) -> None:
        self.binary, self.workdir, self.log_path = binary, workdir, log_path
        self.demo_lines = demo_lines
        self.proc: subprocess.Popen | None = None
        self.base = ""
        self.data_dir = os.path.join(workdir, "data")
        self.setup_url: str | None = None

    def start(self) -> None:
        last = ""
        for _attempt in range(3):
            port = free_port()
            self.log = open(self.log_path, "w")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--port", str(port), "--demo-lines", str(self.demo_lines),
                 "--data-dir", self.data_dir],
                cwd=self.workdir, stdout=self.log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
            self.base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 60
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    status, _, body = http_get(self.base + "/-/health", timeout=2)
                    if status == 200:
                        print(f"server up at {self.base}/ : {body.decode(errors='replace').strip()}",
                              flush=True)
                        self.setup_url = self.find_setup_link()
                        return
                except (OSError, urllib.error.URLError):
                    pass
                time.sleep(0.1)
            self.stop()
            last = self.log_tail()
        raise RuntimeError(f"server did not become healthy; log tail:\n{last}")

    def wait_models(self) -> None:
        wait_models(self.base)

    def find_setup_link(self, wait: float = 5) -> str | None:
        """The one-time set-up link the server prints when its library has no account."""
        deadline = time.time() + wait
        while time.time() < deadline:
            try:
                with open(self.log_path, errors="replace") as f:
                    m = re.search(r"(http://\S+/setup\?token=[0-9a-fA-F]+)", f.read())
            except OSError:
                m = None
            if m:
                return m.group(1)
            time.sleep(0.1)
        return None

    def users_add(self, name: str, role: str, password: str, countries: str = "") -> str | None:
        """`clientele users add` on the running server's data folder (the password in a file); an error or None."""
        pw = os.path.join(self.workdir, f"password-{name}")
        with open(pw, "w") as f:
            f.write(password + "\n")
        cmd = [self.binary, "users", "add", name, "--role", role, "--password-file", pw, "--data-dir", self.data_dir]
        if countries:
            cmd += ["--countries", countries]
        r = subprocess.run(cmd, cwd=self.workdir, capture_output=True, text=True, timeout=60)
        os.remove(pw)
        return None if r.returncode == 0 else f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[:300]}"

    def log_tail(self, n: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        p, self.proc = self.proc, None
        if p is None:
            return
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGINT)  # graceful shutdown
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        try:
            self.log.close()
        except Exception:
            pass


# --------------------------------------------------------------------------
# page checks

# Program text that must never reach a reader: template or Swift leftovers, NaN.
LEAKS = [
    (r"\{\{|\}\}", "a template tag"),
    (r"Optional\(|\\\(|\.\w+\(in: \.|\.whitespaces", "Swift source text"),
    (r"\bNaN\b|\b-?[Ii]nf(inity)?\b", "NaN or infinity"),
]

CHARTS_JS = """() => Array.from(document.querySelectorAll('figure.chart')).map((f, i) => {
  const svg = f.querySelector('svg');
  return {
    id: f.dataset.chart || ('#' + i),
    svg: !!svg,
    marks: svg ? svg.querySelectorAll('.clt-mark').length : 0,
    empty: svg ? svg.getAttribute('data-empty') : null,
  };
})"""

LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"""

# The layout rules (issue 12), checked on every main page at 1280 and 390 px; each returns a list of problems.
PHONE_MAX = 600  # below this viewport width a wide table or chart may scroll sideways inside its own box

# Shared helpers: a short name for an element, whether it is rendered, its nearest clipping ancestor.
LAYOUT_HELPERS = r"""
const name = el => { let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  const c = typeof el.className === 'string' ? el.className.trim() : (el.className && el.className.baseVal) || '';
  if (c) s += '.' + c.split(/\s+/).join('.');
  const fig = el.closest && el.closest('[data-chart]'); if (fig && fig !== el) s += ' in chart ' + fig.dataset.chart;
  const sec = el.closest && el.closest('section[id]'); if (sec) s += ' in #' + sec.id;
  return s; };
const shown = el => { if (!el.getClientRects().length) return false;
  if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) return false;  // e.g. in a closed <details>
  const st = getComputedStyle(el); return st.visibility !== 'hidden' && st.display !== 'none'; };
const clipsX = st => st.overflowX !== 'visible';
const clipsY = st => st.overflowY !== 'visible';
const scrollsX = el => { const st = getComputedStyle(el);
  return (st.overflowX === 'auto' || st.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1; };
const ownText = el => Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
"""

# Rule 1: nothing wider than the viewport. The document must not scroll sideways; an element may reach past the
# viewport only inside a box that scrolls sideways (overflow-x auto), and such a box must say so: it has the class
# scroll-x and its cue (.scroll-cue, "Scroll sideways ... →") is visible above it. Charts fit their box at desktop
# width (only on a phone may a chart's box scroll); a table too wide even for a desktop (the cohort matrix, 26
# columns) may scroll inside its box there too, with the cue.
OVERFLOW_JS = """() => {""" + LAYOUT_HELPERS + """
  const W = window.innerWidth, out = [], de = document.documentElement;
  if (de.scrollWidth > W + 1) out.push('the page scrolls sideways: ' + de.scrollWidth + 'px of content in ' + W + 'px');
  for (const el of document.querySelectorAll('body *')) {
    if (out.length >= 8) break;
    if (!shown(el)) continue;
    if (scrollsX(el)) {
      if (W > """ + str(PHONE_MAX) + """ && el.closest('figure.chart')) { out.push(name(el) + ' scrolls sideways (' + el.scrollWidth + 'px in ' + el.clientWidth + 'px) at desktop width: a chart must fit its box'); continue; }
      if (!el.classList.contains('scroll-x')) { out.push(name(el) + ' scrolls sideways without the scroll-x cue'); continue; }
      const cue = el.parentElement && el.parentElement.querySelector(':scope > .scroll-cue');
      const r = cue && cue.getBoundingClientRect();
      if (!cue || !shown(cue) || r.width < 1 || r.left < -1 || r.right > W + 1)
        out.push(name(el) + ' scrolls sideways but its "scroll" cue is not visible');
    }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || (r.right <= W + 1 && r.left >= -1)) continue;
    let inside = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (clipsX(getComputedStyle(p))) { inside = true; break; }
    if (!inside) out.push(name(el) + ' is wider than the viewport (' + Math.round(r.left) + '..' + Math.round(r.right) + 'px of ' + W + ')');
  }
  return out;
}"""

# Rule 2: no rendered text under 11 px: HTML text (computed font size of every rendered element with its own text)
# and SVG text after the SVG is scaled to its box (the text's screen transform).
SMALL_TEXT_JS = """() => {""" + LAYOUT_HELPERS + """
  const out = new Map();
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || !ownText(el) || !shown(el)) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 11 - 0.05) { const k = name(el); if (!out.has(k)) out.set(k, k + ' "' + el.textContent.trim().slice(0, 24) + '" ' + px.toFixed(1) + 'px'); }
  }
  for (const t of document.querySelectorAll('svg text')) {
    if (!t.textContent.trim() || !shown(t)) continue;
    const m = t.getScreenCTM(); if (!m) continue;
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(m.a * m.a + m.b * m.b);
    if (px < 11 - 0.05) { const k = name(t.closest('svg')) + ' text';
      if (!out.has(k) || parseFloat(out.get(k).split(' ').pop()) > px) out.set(k, k + ' "' + t.textContent.trim().slice(0, 24) + '" ' + px.toFixed(1) + 'px'); }
  }
  return Array.from(out.values()).slice(0, 8);
}"""

# Rule 3: no clipped table cell: a th/td whose content overflows it (scrollWidth > clientWidth + 1: cut when its
# overflow is hidden or ellipsis, spilling over its neighbour when visible), or that a box with a max-height or
# hidden overflow cuts off.
CLIPPED_CELLS_JS = """() => {""" + LAYOUT_HELPERS + """
  const out = [];
  for (const c of document.querySelectorAll('td, th')) {
    if (out.length >= 8) break;
    if (!shown(c)) continue;
    const st = getComputedStyle(c), txt = '"' + c.textContent.trim().slice(0, 30) + '"';
    if (c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1) {
      out.push(name(c) + ' ' + txt + ' overflows its cell (' + c.scrollWidth + 'x' + c.scrollHeight + ' in ' + c.clientWidth + 'x' + c.clientHeight +
               (clipsX(st) || st.textOverflow === 'ellipsis' ? ', cut)' : ', over its neighbour)'));
      continue;
    }
    const r = c.getBoundingClientRect();
    for (let p = c.parentElement; p && p !== document.body; p = p.parentElement) {
      const ps = getComputedStyle(p);
      if (!clipsY(ps)) continue;
      const b = p.getBoundingClientRect();
      if (r.bottom > b.bottom + 1 || r.top < b.top - 1) {
        out.push(name(c) + ' ' + txt + ' is cut off by ' + name(p) + (ps.maxHeight !== 'none' ? ' (max-height ' + ps.maxHeight + ')' : ''));
        break;
      }
    }
  }
  return out;
}"""

# Rule 4: one page scroll: no element but the document scrolls vertically.
SCROLLERS_JS = """() => {""" + LAYOUT_HELPERS + """
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el)) continue;
    const st = getComputedStyle(el);
    if ((st.overflowY === 'auto' || st.overflowY === 'scroll') && el.scrollHeight > el.clientHeight + 1)
      out.push(name(el) + ' scrolls vertically (' + el.scrollHeight + 'px in ' + el.clientHeight + 'px)');
    if (out.length >= 6) break;
  }
  return out;
}"""

# Rule 5: a nav that shows every page: every link of the page menu is rendered, inside the viewport, not clipped
# by a box and not behind a sideways scroll.
NAV_JS = """() => {""" + LAYOUT_HELPERS + """
  const W = window.innerWidth, out = [], links = Array.from(document.querySelectorAll('header nav a'));
  if (!links.length) return document.querySelector('details.user-menu') ? ['no page menu (header nav a)'] : [];  // none before signing in
  for (const a of links) {
    const label = '"' + a.textContent.trim() + '"', r = a.getBoundingClientRect();
    if (!shown(a) || r.width < 1 || r.height < 1) { out.push(label + ' is not shown'); continue; }
    if (r.left < -1 || r.right > W + 1) { out.push(label + ' is outside the viewport (' + Math.round(r.left) + '..' + Math.round(r.right) + 'px)'); continue; }
    for (let p = a.parentElement; p && p !== document.body; p = p.parentElement) {
      const ps = getComputedStyle(p);
      if (!clipsX(ps) && !clipsY(ps)) continue;
      const b = p.getBoundingClientRect();
      if (p.scrollWidth > p.clientWidth + 1) { out.push(label + ' is behind a sideways scroll in ' + name(p)); break; }
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) { out.push(label + ' is clipped by ' + name(p)); break; }
    }
  }
  return out;
}"""

# Numbers right-aligned (a warning: a raw value shown as text may rightly be left-aligned): table columns
# whose cells all read as numbers ("£1,234.56", "12.5%", "−3 pts", "42") but are not right-aligned; links (customer
# ids, counts that list customers) and ungrouped numbers of 5 digits or more (order numbers) are identifiers.
NUMBERS_JS = """() => {""" + LAYOUT_HELPERS + """
  const num = /^[−+\\-]?[£$€¥]?\\d[\\d,]*(\\.\\d+)?(%| pts?|[KMB])?$/, out = [];
  for (const t of document.querySelectorAll('table')) {
    if (!shown(t)) continue;
    const rows = Array.from(t.tBodies).flatMap(b => Array.from(b.rows));
    const cols = Math.max(0, ...rows.map(r => r.cells.length));
    for (let i = 0; i < cols; i++) {
      const cells = rows.map(r => r.cells[i]).filter(c => c && c.textContent.trim() && c.textContent.trim() !== '—');
      if (!cells.length || cells.some(c => c.querySelector('a')) || !cells.every(c => num.test(c.textContent.trim()))) continue;
      if (cells.every(c => /^\\d{5,}$/.test(c.textContent.trim()))) continue;  // identifiers (order numbers), not amounts
      const left = cells.find(c => !['right', 'end'].includes(getComputedStyle(c).textAlign));
      if (left) out.push(name(left) + ' "' + left.textContent.trim() + '" (column ' + (i + 1) + ') is a number not right-aligned');
    }
  }
  return out.slice(0, 4);
}"""

# The theme in use (the dark screenshots must be dark).
THEME_JS = """() => document.documentElement.dataset.theme || ''"""


TABLES_JS = """() => Array.from(document.querySelectorAll('.table-block')).filter(b =>
  b.querySelector('h3') && !b.querySelector('table') && !(b.querySelector('.note') && b.querySelector('.note').textContent.trim())
).map(b => (b.querySelector('h3') || b).textContent.trim().slice(0, 60))"""

# Text whose colour is too close to its background (WCAG contrast < 3).
CONTRAST_JS = """() => {
  const parse = c => { const m = c.match(/[\\d.]+/g); return m ? m.map(Number) : null; };
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = el => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && (c.length < 4 || c[3] > 0.5)) return c; }
    return parse(getComputedStyle(document.body).backgroundColor) || [255, 255, 255]; };
  const out = new Map();
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg')) continue;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.opacity === '0') continue;
    const fg = parse(st.color), b = bg(el);
    if (!fg) continue;
    const l1 = lum(fg), l2 = lum(b), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 3) {
      const key = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      if (!out.has(key)) out.set(key, key + ' "' + el.textContent.trim().slice(0, 20) + '" ' +
        st.color + ' on rgb(' + b.slice(0, 3).join(',') + ') ratio ' + ratio.toFixed(2));
    }
  }
  return Array.from(out.values()).slice(0, 6);
}"""


# The administrator's browser cookies once signed in through the login form (a Playwright storage state): every
# Visitor of the main walk starts with them.
SIGNED_IN: dict | None = None


class Visitor:
    """One browser context (viewport + theme) with listeners that route
    JavaScript errors, dialogs and failed sub-resources to the report."""

    def __init__(self, browser, base: str, report: Report, width: int, dark: bool,
                 state: dict | None | str = "admin") -> None:
        """`state`: the cookies the context starts with: "admin" (the administrator signed in through the login
        form, SIGNED_IN), None (a fresh context, not signed in), or a Playwright storage state."""
        self.base, self.report = base, report
        self.width, self.dark = width, dark
        self.tag = f"{width}px {'dark' if dark else 'light'}"
        self.ctx = browser.new_context(
            viewport={"width": width, "height": 900 if width > 600 else 844},
            color_scheme="dark" if dark else "light",
            device_scale_factor=1,
            is_mobile=width < 600, has_touch=width < 600,
            storage_state=SIGNED_IN if state == "admin" else state,
        )
        self.ctx.set_default_timeout(20_000)
        if dark:
            self.ctx.add_init_script("try{localStorage.setItem('clt-theme','dark')}catch(e){}")
        self.page = self.ctx.new_page()
        self.current = "(none)"
        self.expected: set[int] = set()  # non-200 statuses the current navigation is expected to answer
        self.page.on("pageerror", lambda e: self.report.fail(self.current, f"JavaScript error ({self.tag}): {e}"))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        self.page.on("requestfailed", lambda r: self._reqfailed(r))
        self.page.on("response", self._response)

    def _console(self, msg) -> None:
        m = re.match(r"Failed to load resource: the server responded with a status of (\d+)", msg.text)
        if m and int(m.group(1)) in self.expected and (msg.location or {}).get("url", "").split("#")[0] == \
                self.page.url.split("#")[0]:
            return  # the page itself answered the status the test asked for (403 of a refused page, 401 ...)
        if msg.type == "error":
            self.report.fail(self.current, f"console error ({self.tag}): {msg.text}")
        elif msg.type == "warning":
            self.report.warn(self.current, f"console warning ({self.tag}): {msg.text}")

    def _dialog(self, d) -> None:
        self.report.fail(self.current, f"a {d.type} dialog opened ({self.tag}): {d.message!r} (script executed)")
        try:
            d.dismiss()
        except PlaywrightError:
            pass

    def _reqfailed(self, r) -> None:
        if r.is_navigation_request() and r.frame == self.page.main_frame:
            return  # reported by goto()/submit()
        if r.url.startswith(self.base):
            self.report.fail(self.current, f"request failed ({self.tag}): {r.url}: {r.failure}")

    def _response(self, r) -> None:
        if r.request.is_navigation_request() and r.frame == self.page.main_frame:
            return  # reported by goto()/submit()
        if r.status >= 400 and r.url.startswith(self.base):
            self.report.fail(self.current, f"sub-resource HTTP {r.status} ({self.tag}): {r.url}")

    def goto(self, path: str, expect: int = 200):
        url = path if path.startswith("http") else self.base + path
        self.current = short(url, self.base)
        self.expected = {expect, 503} - {200}
        try:
            deadline = time.time() + PATIENCE
            while True:
                resp = self.page.goto(url, wait_until="load")
                # "busy, retry" (the server bounds how many pages it computes at once): wait as a browser user would
                retry = resp.headers.get("retry-after") if resp is not None and resp.status == 503 else None
                if retry is None or time.time() > deadline:
                    break
                self.page.wait_for_timeout(min(float(retry), 5) * 1000)
        except PlaywrightError as e:
            self.report.fail(self.current, f"could not load ({self.tag}): {str(e).splitlines()[0]}")
            self.reset()
            return None
        if resp is None or resp.status != expect:
            self.report.fail(self.current, f"HTTP {resp.status if resp else 'no response'} ({self.tag})"
                             + (f", expected {expect}" if expect != 200 else ""))
        return resp

    def reset(self) -> None:
        """After a failed load Chromium may still be moving to its error page:
        settle on about:blank so the next navigation is not interrupted."""
        for _ in range(5):
            try:
                self.page.wait_for_timeout(200)
                self.page.goto("about:blank")
                return
            except PlaywrightError:
                continue

    def close(self) -> None:
        self.ctx.close()


def short(url: str, base: str) -> str:
    return url[len(base):] if url.startswith(base) else url


def check_page(v: Visitor, path: str, empty_ok: bool, links: set[str]) -> None:
    resp = v.goto(path)
    if resp is not None:
        inspect(v, resp, empty_ok, links)


def submit(v: Visitor, what: str, action, empty_ok: bool, links: set[str]) -> None:
    """Run an action that navigates (a form submit, a click) and check the page it leads to."""
    v.current = what
    v.expected = set()
    try:
        with v.page.expect_navigation(wait_until="load") as nav:
            action()
        resp = nav.value
    except PlaywrightError as e:
        v.report.fail(what, f"did not lead to a page ({v.tag}): {str(e).splitlines()[0]}")
        v.reset()
        return
    v.current = f"{what} -> {short(v.page.url, v.base)}"
    if resp is None or resp.status != 200:
        v.report.fail(v.current, f"HTTP {resp.status if resp else 'no response'} ({v.tag})")
        if resp is None:
            return
    inspect(v, resp, empty_ok, links)


def inspect(v: Visitor, resp, empty_ok: bool, links: set[str]) -> None:
    r = v.report
    r.pages += 1
    where = v.current
    ctype = (resp.headers or {}).get("content-type", "")
    if "text/html" not in ctype:
        r.fail(where, f"content-type {ctype!r}, expected text/html")
        return
    if v.page.locator("h1").count() == 0:
        r.fail(where, "page has no <h1>")
    elif not v.page.locator("h1").first.inner_text().strip():
        r.fail(where, "<h1> is empty")
    title = v.page.title()
    if not title.strip():
        r.fail(where, "page has no <title>")
    for c in v.page.evaluate(CHARTS_JS):
        r.charts += 1
        cid = f"chart {c['id']}"
        if not c["svg"]:
            r.fail(where, f"{cid}: figure.chart without <svg>")
        elif c["marks"] == 0:
            if c["empty"] != "true":
                r.fail(where, f"{cid}: no .clt-mark and not marked data-empty=\"true\"")
            elif not empty_ok:
                r.fail(where, f"{cid}: empty (data-empty=\"true\") on an unfiltered demo page")
        elif c["empty"] == "true":
            r.fail(where, f"{cid}: data-empty=\"true\" but it has {c['marks']} marks")
    text = v.page.locator("body").inner_text()
    for pat, what in LEAKS:
        m = re.search(pat, text)
        if m:
            ctx = text[max(0, m.start() - 40):m.end() + 20].replace("\n", " ")
            r.fail(where, f"page text shows {what}: ...{ctx}...")
    for t in v.page.evaluate(TABLES_JS):
        r.warn(where, f"table block {t!r} has a heading and downloads but no table and no note")
    for href in v.page.evaluate(LINKS_JS):
        if href.startswith(v.base + "/") or href == v.base:
            links.add(href.split("#", 1)[0])
        elif href.startswith(("http:", "https:")):
            r.warn(where, f"external link {href}")


LAYOUT_RULES = [
    ("OVERFLOW_JS", OVERFLOW_JS, "wider than the viewport"),
    ("SMALL_TEXT_JS", SMALL_TEXT_JS, "text under 11 px"),
    ("CLIPPED_CELLS_JS", CLIPPED_CELLS_JS, "clipped table cell"),
    ("SCROLLERS_JS", SCROLLERS_JS, "more than one page scroll"),
    ("NAV_JS", NAV_JS, "page menu does not show every page"),
]


def check_layout(v: Visitor, where: str, rules: bool = True) -> None:
    """The theme and contrast (warnings) in every context; with `rules`, the layout rules, each a failure."""
    theme = v.page.evaluate(THEME_JS)
    want = "dark" if v.dark else "light"
    if theme != want:
        v.report.fail(where, f"data-theme is {theme!r} in the {v.tag} context, expected {want!r}")
    for c in v.page.evaluate(CONTRAST_JS):
        v.report.warn(where, f"low contrast at {v.tag}: {c}")
    if not rules:
        return
    v.report.layout_checks += 1
    for w in v.page.evaluate(NUMBERS_JS):
        v.report.warn(where, f"number not right-aligned at {v.tag}: {w}")
    for check, js, what in LAYOUT_RULES:
        problems = v.page.evaluate(js)
        if problems:
            v.report.fail(where, f"layout ({check}, {what}) at {v.tag}: " + "; ".join(problems))


def shot_name(path: str) -> str:
    p = urllib.parse.urlsplit(path)
    name = p.path.strip("/").replace("/", "_") or "home"
    if p.query:
        name += "_" + re.sub(r"[^A-Za-z0-9]+", "-", urllib.parse.unquote_plus(p.query)).strip("-")[:60]
    return name


# --------------------------------------------------------------------------
# link crawl


def is_download(url: str) -> bool:
    path = urllib.parse.urlsplit(url).path
    return path.endswith(DOWNLOAD_SUFFIXES) or path in DOWNLOAD_PATHS


SLOW_SECONDS = 10


def check_link(url: str, auth: dict | None = None) -> tuple[str, str | None]:
    try:
        status, headers, body = http_get(url, timeout=PATIENCE, headers=auth)
    except Exception as e:  # noqa: BLE001
        return url, f"request error: {e}"
    if is_download(url):
        if status != 200:
            return url, f"download HTTP {status}"
        path = urllib.parse.urlsplit(url).path
        if not body:
            return url, "download is empty"
        if path.endswith(".json") or path == "/-/health":
            try:
                json.loads(body)
            except ValueError as e:
                return url, f"download is not valid JSON: {e}"
        elif path.endswith(".svg") and b"<svg" not in body[:400]:
            return url, "download is not an SVG"
        elif path.endswith(".png") and not body.startswith(b"\x89PNG"):
            return url, "download is not a PNG"
        return url, None
    if not 200 <= status < 300:
        return url, f"broken link: HTTP {status}"
    if "text/html" in headers.get("content-type", "") and b"<h1" not in body:
        return url, "linked HTML page has no <h1>"
    return url, None


def crawl(links: set[str], base: str, report: Report, sources: dict[str, str], auth: dict | None = None,
          who: str = "") -> None:
    """Requests every link (with the admin's session, or `auth`: another account's)."""
    todo = sorted(links)
    say(f"checking {len(todo)} same-origin links{' as ' + who if who else ''} ...")
    def timed(u: str) -> tuple[str, str | None, float]:
        t = time.time()
        url, err = check_link(u, auth)
        return url, err, time.time() - t

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        for url, err, secs in ex.map(timed, todo):
            report.links += 1
            if secs > SLOW_SECONDS and not err:
                report.warn(f"{short(url, base)} ({secs:.0f} s)", f"slow answer (over {SLOW_SECONDS} s, in the link crawl)")
            if err:
                report.fail(short(url, base) + (f" (as {who})" if who else ""),
                            f"{err} (linked from {sources.get(url, '?')})")


# --------------------------------------------------------------------------
# upload


def test_library(browser, base: str, report: Report, out: str | None, links: set[str]) -> None:
    """The Data sets page (after the upload: the demo and the upload, the upload in use) and a saved view with a
    hostile name: saved from a page, listed in the nav's Views menu as text, opened, at 1280 and 390 px."""
    say("data sets and saved views test ...")
    for width in (1280, 390):
        v = Visitor(browser, base, report, width, dark=False)
        try:
            check_page(v, "/datasets", empty_ok=True, links=links)
            check_layout(v, "/datasets")
            text = v.page.locator("main").inner_text()
            if "demo.csv" not in text or UPLOAD_NAME not in text or "in use" not in text:
                report.fail("/datasets", f"the Data sets page does not list the demo and {UPLOAD_NAME} (in use) ({v.tag})")
            if out:
                v.page.screenshot(path=os.path.join(out, f"datasets_{width}_light.png"), full_page=True)
                report.shots += 1
        finally:
            v.close()
    v = Visitor(browser, base, report, 1280, dark=False)
    name = "Norway <b>view</b>"
    try:
        if v.goto("/value?tier=Gold") is None:
            return
        form = v.page.locator("form.save-view")
        if form.count() == 0:
            report.fail("/value", "no 'Save this view' form")
            return
        form.locator("input[name=name]").fill(name)
        submit(v, "save view (GET /views)", lambda: form.locator("[type=submit]").click(), True, links)
        submit(v, "save view (POST /views)", lambda: v.page.get_by_role("button", name="Save this view").first.click(), True, links)
        v.goto("/")
        menu = v.page.locator("details.views-menu:not(.user-menu)")
        menu.locator("summary").click()
        link = menu.get_by_role("link", name=name)
        if link.count() == 0:
            report.fail("/ (Views menu)", f"the saved view {name!r} is not listed as text in the Views menu")
            return
        if v.page.locator("details.views-menu:not(.user-menu) b").count():
            report.fail("/ (Views menu)", "the view's name became markup")
        submit(v, "open saved view", lambda: link.first.click(), False, links)
        if "tier=Gold" not in v.page.url:
            report.fail("saved view", f"opened {v.page.url}, expected /value?tier=Gold")
    finally:
        v.close()
    v = Visitor(browser, base, report, 390, dark=False)
    try:
        v.goto("/")
        menu = v.page.locator("details.views-menu:not(.user-menu)")
        menu.locator("summary").click()
        box = menu.get_by_role("link", name=name).first.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > 391:
            report.fail("/ (Views menu, 390 px)", f"the saved view's link is not fully on screen: {box}")
        check_layout(v, "/ (Views menu open)")
    finally:
        v.close()


def test_upload(browser, base: str, report: Report, out: str | None, links: set[str]) -> None:
    say("upload test ...")
    v = Visitor(browser, base, report, 1280, dark=False)
    try:
        if v.goto("/upload") is None:
            return
        if v.page.locator("form.upload input[type=file]").count() == 0 or \
                v.page.locator("form.upload [type=submit]").count() == 0:
            report.fail("/upload", "no upload form (form.upload with a file input and a submit button)")
            return
        v.page.set_input_files("form.upload input[type=file]", files=[
            {"name": UPLOAD_NAME, "mimeType": "text/csv", "buffer": upload_csv()}])
        v.current = "POST /upload"
        with v.page.expect_navigation(wait_until="load") as nav:
            v.page.locator("form.upload [type=submit]").first.click()
        resp = nav.value
        where = "POST /upload (review page)"
        report.pages += 1
        if resp is None or resp.status != 200:
            report.fail(where, f"HTTP {resp.status if resp else 'no response'}")
            return
        text = v.page.locator("main").inner_text()
        if UPLOAD_NAME not in text:
            report.fail(where, f"the review page does not name the uploaded file {UPLOAD_NAME}")
        kpis = {}
        for k in v.page.locator(".kpi").all():
            label = k.locator(".kpi-label").inner_text().strip().lower()
            kpis[label] = k.locator(".kpi-value").inner_text().strip()
        want = {"lines read": UPLOAD_LINES, "valid": UPLOAD_VALID, "invalid": UPLOAD_INVALID}
        for label, n in want.items():
            got = kpis.get(label)
            if got is None:
                report.fail(where, f"data-quality figure {label!r} missing (figures: {kpis})")
            elif got.replace(",", "") != str(n):
                report.fail(where, f"data-quality figure {label!r} is {got}, expected {n}")
        if out:
            v.page.screenshot(path=os.path.join(out, "upload-review_1280_light.png"), full_page=True)
            report.shots += 1
        button = v.page.get_by_role("button", name="Use this data set")
        if button.count() == 0:
            report.fail(where, "no 'Use this data set' button")
            return
        v.current = "POST /upload/use"
        with v.page.expect_navigation(wait_until="load") as nav:
            button.first.click()
        resp = nav.value
        if resp is None or resp.status != 200:
            report.fail("POST /upload/use", f"HTTP {resp.status if resp else 'no response'}")
        wait_models(base)
        v.goto("/")
        report.pages += 1
        home = v.page.locator("body").inner_text()
        if UPLOAD_NAME not in home:
            report.fail("/ after upload", f"home page does not show the uploaded file name {UPLOAD_NAME}")
        status, _, body = http_get(base + "/-/health")
        if UPLOAD_NAME.encode() not in body:
            report.fail("/-/health after upload", f"does not name the uploaded data set: {body[:200]!r}")
        # Every page on the tiny uploaded data set: charts may be legitimately
        # empty, hostile strings must show as text and never run.
        seen_id = seen_country = False
        enc_id = urllib.parse.quote(HOSTILE_ID, safe="")
        enc_country = urllib.parse.quote(HOSTILE_COUNTRY, safe="")
        pages = NAV_PAGES + ["/customers?_q=script", f"/customer?id={enc_id}",
                             f"/?country={enc_country}", f"/customers?country={enc_country}"]
        for path in pages:
            check_page(v, path, empty_ok=True, links=links)
            where = v.current + " (uploaded data)"
            body_text = v.page.locator("body").inner_text()
            seen_id |= HOSTILE_ID in body_text
            # country names appear in tables and in the filter's <option>s
            opts = v.page.locator("input[name=country]").evaluate_all("els => els.map(e => e.value)")
            seen_country |= HOSTILE_COUNTRY in body_text or HOSTILE_COUNTRY in opts
            injected = v.page.evaluate(
                "() => ({img: document.querySelectorAll('img[src=\"x\"]').length,"
                " script: Array.from(document.scripts).filter(s => s.textContent.includes('alert(')).length})")
            if injected["img"] or injected["script"]:
                report.fail(where, f"hostile input became markup: {injected}")
            if out and path in ("/customers", "/customers?_q=script"):
                v.page.screenshot(path=os.path.join(out, f"upload-{shot_name(path)}_1280_light.png"),
                                  full_page=True)
                report.shots += 1
        if not seen_id:
            report.fail("uploaded data", f"the hostile customer id {HOSTILE_ID!r} is shown nowhere as text")
        if not seen_country:
            report.fail("uploaded data", f"the hostile country {HOSTILE_COUNTRY!r} is shown nowhere as text")
    finally:
        v.close()


# --------------------------------------------------------------------------
# accounts and roles (issue 14)

ADMIN_USER, ADMIN_PASSWORD = "admin.browser", "admin-browser-test-1"
# (user name, role, countries, how it is created: on the Admin page's form or with `clientele users add` while the
# server runs)
ACCOUNTS = [
    ("exec.jane", "executive", "", "admin page"),
    ("mark.paul", "marketing", "", "admin page"),
    ("ana.li", "analyst", "", "cli"),
    ("mark.fr", "marketing", "France, Germany", "admin page"),
]
OUTSIDE_COUNTRY = "Spain"  # a demo country outside the scoped account's


def password_of(name: str) -> str:
    return f"{name}-secret-pw"


ROLE_PAGES = {"executive": {"/", "/overview", "/value", "/retention", "/churn", "/movement", "/explain",
                            "/recommendations", "/report", "/views", "/account"}}
ROLE_PAGES["marketing"] = ROLE_PAGES["executive"] | {"/customers", "/customer"}
ROLE_PAGES["analyst"] = ROLE_PAGES["marketing"] | {"/data-quality", "/datasets", "/upload"}
ROLE_PAGES["admin"] = ROLE_PAGES["analyst"] | {"/admin"}
WHOLE_DATA_PAGES = {"/data-quality", "/datasets", "/upload"}  # refused to a country-scoped account of any role
ROLE_HOME = {"executive": "/overview", "marketing": "/recommendations", "analyst": "/", "admin": "/"}
# Refused (403) to each role, in every format; {cust}: a customer id.
FORBIDDEN = {
    "executive": ["/customers", "/customers.json", "/customers.csv", "/customer?id={cust}", "/customer.json?id={cust}",
                  "/customer.csv?id={cust}", "/data-quality", "/data-quality.json", "/datasets", "/upload", "/admin",
                  "/admin.json", "/-/metrics"],
    "marketing": ["/data-quality", "/data-quality.csv", "/datasets", "/datasets.json", "/upload", "/admin",
                  "/admin.csv", "/-/metrics"],
    "analyst": ["/admin", "/admin.json", "/admin.csv", "/-/metrics"],
}
# Data a role may fetch (200), besides the links of its pages.
ALLOWED_DATA = {
    "executive": ["/overview.json", "/overview.csv", "/recommendations.csv", "/report.pdf", "/report.html",
                  "/report.md", "/retention.png", "/views"],
}
ALLOWED_DATA["marketing"] = ALLOWED_DATA["executive"] + ["/customers.json", "/customers.csv", "/customer?id={cust}"]
ALLOWED_DATA["analyst"] = ALLOWED_DATA["marketing"] + ["/data-quality.json", "/datasets", "/upload"]
ID_KEYS = {"customer", "customer_id", "customerid", "customer id", "customer_ids", "id"}


def stem(path: str) -> str:
    """/value.csv -> /value, /index.json -> / (as the server's access policy reads a path)."""
    path = urllib.parse.urlsplit(path).path
    head, _, last = path.rpartition("/")
    if "." not in last or path.startswith("/-/") or path.startswith("/static/"):
        return path
    s = head + "/" + last.split(".", 1)[0]
    return "/" if s == "/index" else s


def save_shot(v: Visitor, out: str | None, name: str) -> None:
    if out:
        v.page.screenshot(path=os.path.join(out, name), full_page=True)
        v.report.shots += 1


def cookie_of(v: Visitor) -> dict | None:
    """The context's session cookie (checks its flags)."""
    for c in v.ctx.cookies():
        if c["name"] == "clientele_session":
            if not c.get("httpOnly") or c.get("sameSite") != "Lax":
                v.report.fail(v.current, f"session cookie flags: httpOnly={c.get('httpOnly')}, sameSite={c.get('sameSite')}"
                                         ", expected HttpOnly and SameSite=Lax")
            return c
    return None


def sign_in_form(v: Visitor, user: str, password: str, expect: int = 200):
    """Fills and sends the login form of the page shown; the response of the page it leads to, or None."""
    form = v.page.locator('form[action="/login"]')
    if form.count() == 0:
        v.report.fail(v.current, f"no login form (form[action=\"/login\"]) ({v.tag})")
        return None
    form.locator("input[name=username]").fill(user)
    form.locator("input[name=password]").fill(password)
    what = f"sign in as {user}"
    v.current = what
    v.expected = {expect} - {200}
    try:
        with v.page.expect_navigation(wait_until="load") as nav:
            form.locator("[type=submit]").click()
        resp = nav.value
    except PlaywrightError as e:
        v.report.fail(what, f"the login form did not lead to a page ({v.tag}): {str(e).splitlines()[0]}")
        return None
    v.current = f"{what} -> {short(v.page.url, v.base)}"
    if resp is None or resp.status != expect:
        v.report.fail(v.current, f"HTTP {resp.status if resp else 'no response'} ({v.tag}), expected {expect}")
    v.report.pages += 1
    return resp


def test_anonymous(base: str, report: Report) -> None:
    """Not signed in: an HTML page redirects to the login form (with next), data answers 401."""
    for path, want in [("/", "/login"), ("/overview?country=France", "/login?next=")]:
        status, headers, _ = http_get(base + path, headers={}, follow=False)
        loc = headers.get("location", "")
        if status != 303 or not loc.startswith(want):
            report.fail(f"{path} (not signed in)", f"HTTP {status} Location {loc!r}, expected 303 to {want}...")
    for path in ["/overview.json", "/customers.csv", "/retention.png", "/report.pdf", "/value.svg", "/admin.json"]:
        status, _, body = http_get(base + path, headers={}, follow=False)
        if status != 401:
            report.fail(f"{path} (not signed in)", f"HTTP {status}, expected 401: {body[:120]!r}")
    status, _, body = http_get(base + "/-/health", headers={})
    if status != 200 or b"customers" in body:
        report.fail("/-/health (not signed in)", f"HTTP {status} {body[:160]!r}: expected 200 without the data set's figures")
    # a bearer token that does not exist
    status, _, _ = http_get(base + "/overview.json", headers={"Authorization": "Bearer clt_not-a-token"})
    if status != 401:
        report.fail("/overview.json (unknown bearer token)", f"HTTP {status}, expected 401")


def test_setup(browser, server: Server, report: Report, out: str | None) -> bool:
    """The one-time set-up link of the first start creates the administrator in the browser (-> /admin, signed in);
    the link then no longer works. False when there is no link (the administrator is then made with the CLI)."""
    say("first administrator (set-up link) ...")
    base = server.base
    if not server.setup_url:
        report.fail("serve", "no set-up link (…/setup?token=…) printed on the first start with an empty data folder")
        return False
    url = base + urllib.parse.urlsplit(server.setup_url).path + "?" + urllib.parse.urlsplit(server.setup_url).query
    if not server.setup_url.startswith(base):
        report.fail("serve", f"the set-up link {server.setup_url} is not on the dashboard's address {base}")
    v = Visitor(browser, base, report, 1280, dark=False, state=None)
    try:
        # a wrong token: refused
        v.goto("/setup?token=" + "0" * 64, expect=403)
        if v.goto(url) is None:
            return False
        report.pages += 1
        check_layout(v, "/setup")
        save_shot(v, out, "setup_1280_light.png")
        form = v.page.locator('form[action="/setup"]')
        if form.count() == 0:
            report.fail("/setup", "no set-up form (form[action=\"/setup\"])")
            return False
        # two different passwords: the form says so and creates nothing
        form.locator("input[name=username]").fill(ADMIN_USER)
        form.locator("input[name=password]").fill(ADMIN_PASSWORD)
        form.locator("input[name=password2]").fill(ADMIN_PASSWORD + "x")
        v.current, v.expected = "POST /setup (passwords differ)", {400}
        with v.page.expect_navigation(wait_until="load") as nav:
            form.locator("[type=submit]").click()
        if nav.value is None or nav.value.status != 400 or "differ" not in v.page.locator("main").inner_text():
            report.fail("POST /setup (passwords differ)", f"HTTP {nav.value.status if nav.value else None}, expected 400 saying they differ")
        form = v.page.locator('form[action="/setup"]')
        form.locator("input[name=username]").fill(ADMIN_USER)
        form.locator("input[name=password]").fill(ADMIN_PASSWORD)
        form.locator("input[name=password2]").fill(ADMIN_PASSWORD)
        submit(v, "POST /setup (first administrator)", lambda: form.locator("[type=submit]").click(), True, set())
        if urllib.parse.urlsplit(v.page.url).path != "/admin":
            report.fail("POST /setup", f"landed on {short(v.page.url, base)}, expected /admin")
        # The menu's button shows the initials; its title and the menu name the account.
        summary = v.page.locator("details.user-menu summary")
        if not summary.count() or ADMIN_USER not in (summary.first.get_attribute("title") or "") \
                or ADMIN_USER not in (v.page.locator("details.user-menu").first.text_content() or ""):
            report.fail("POST /setup -> /admin", f"the header's user menu does not name {ADMIN_USER}")
        cookie_of(v)
    finally:
        v.close()
    status, _, _ = http_get(url, headers={})
    if status != 403:
        report.fail("/setup?token=… (second use)", f"HTTP {status}: the set-up link works more than once")
    return True


def sign_in_admin(browser, base: str, report: Report, out: str | None) -> None:
    """Signs the administrator in through the login form (after a wrong password) from a page that redirected to
    it; keeps the browser's cookies for the main walk (SIGNED_IN) and signs in over HTTP for the urllib helpers
    (AUTH). The login page at 1280 and 390 px."""
    global SIGNED_IN
    say(f"signing in as {ADMIN_USER} ...")
    for width in (390, 1280):
        v = Visitor(browser, base, report, width, dark=False, state=None)
        try:
            v.goto("/retention?_period=week")
            if urllib.parse.urlsplit(v.page.url).path != "/login":
                report.fail("/retention (not signed in)", f"shows {short(v.page.url, base)}, expected the login page")
            report.pages += 1
            check_layout(v, f"/login ({width} px)")
            save_shot(v, out, f"login_{width}_light.png")
            if width == 390:
                continue
            sign_in_form(v, ADMIN_USER, "not-the-password", expect=401)
            if "Wrong user name or password" not in v.page.locator("main").inner_text():
                report.fail("POST /login (wrong password)", "the page does not say 'Wrong user name or password'")
            if v.page.locator("input[name=password]").input_value():
                report.fail("POST /login (wrong password)", "the password field is filled again")
            check_layout(v, "/login (wrong password)")
            save_shot(v, out, "login-wrong-password_1280_light.png")
            sign_in_form(v, ADMIN_USER, ADMIN_PASSWORD)
            got = short(v.page.url, base)
            if got != "/retention?_period=week":
                report.fail("POST /login (next)", f"landed on {got}, expected /retention?_period=week (the page asked)")
            cookie_of(v)
            SIGNED_IN = v.ctx.storage_state()
        finally:
            v.close()
    AUTH.update(sign_in_http(base, ADMIN_USER, ADMIN_PASSWORD))


def test_admin_page(browser, server: Server, report: Report, out: str | None) -> None:
    """Adds the accounts of the role walk: on the Admin page's form, and one with `clientele users add` while the
    server runs; the form refuses a short password; the accounts table and the audit log show them."""
    say("admin page: adding accounts ...")
    base = server.base
    v = Visitor(browser, base, report, 1280, dark=False)
    try:
        if v.goto("/admin") is None:
            return
        for name, role, countries, how in ACCOUNTS + [("too.short", "analyst", "", "short password")]:
            if how == "cli":
                err = server.users_add(name, role, password_of(name), countries)
                if err:
                    report.fail(f"clientele users add {name} --role {role} (server running)", err)
                continue
            form = v.page.locator('form[action="/admin/accounts"]')
            if form.count() == 0:
                report.fail("/admin", "no 'Add an account' form (form[action=\"/admin/accounts\"])")
                return
            form.locator("input[name=username]").fill(name)
            form.locator("select[name=role]").select_option(role)
            form.locator("input[name=countries]").fill(countries)
            form.locator("input[name=password]").fill("short" if how == "short password" else password_of(name))
            what = f"add account {name} ({role}) on /admin"
            if how == "short password":
                v.current, v.expected = what + " with a 5-character password", {400}
                with v.page.expect_navigation(wait_until="load") as nav:
                    form.locator("[type=submit]").click()
                st = nav.value.status if nav.value else None
                msg = v.page.locator(".message").all_inner_texts()
                if st != 400 or not msg:
                    report.fail(what + " with a 5-character password", f"HTTP {st}, message {msg}: expected 400 with a message")
                continue
            submit(v, what, lambda: form.locator("[type=submit]").click(), True, set())
            msg = " ".join(v.page.locator(".message").all_inner_texts())
            if f"Account {name} added" not in msg:
                report.fail(what, f"no 'Account {name} added' message (message: {msg[:200]!r})")
        v.goto("/admin")
        rows = v.page.locator("main table").first.locator("tbody tr").evaluate_all(
            "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent.trim()))")
        table = {r[0]: r for r in rows if r}
        for name, role, countries, _ in ACCOUNTS + [(ADMIN_USER, "admin", "", "")]:
            r = table.get(name)
            want = countries or "all"
            if r is None:
                report.fail("/admin", f"the accounts table does not list {name} (rows: {list(table)})")
            elif r[1] != role or r[2] != want:
                report.fail("/admin", f"accounts table row {r}: expected role {role}, countries {want}")
        if "too.short" in table:
            report.fail("/admin", "an account with a 5-character password was added")
        audit = v.page.locator("section#audit").inner_text()
        for kind in ("account_added", "login", "login_failed"):
            if not re.search(rf"\b{kind}\b", audit):
                report.fail("/admin (audit log)", f"no {kind} event")
    finally:
        v.close()


def test_tokens(browser, base: str, report: Report, out: str | None, user: str | None = None) -> None:
    """On /account: creates an API token (shown once), uses it as Authorization: Bearer on JSON/CSV addresses,
    revokes it (then 401). `user` None: the administrator's context; else that account signs in first."""
    v = Visitor(browser, base, report, 1280, dark=False, state="admin" if user is None else None)
    who = user or ADMIN_USER
    role = next((r for n, r, _, _ in ACCOUNTS if n == user), "admin")
    try:
        if user:
            v.goto("/login")
            sign_in_form(v, user, password_of(user))
        if v.goto("/account") is None:
            return
        form = v.page.locator('form[action="/account/tokens"]')
        if form.count() == 0:
            report.fail("/account", "no form to create a token (form[action=\"/account/tokens\"])")
            return
        form.locator("input[name=name]").fill(f"browser test {who}")
        submit(v, f"create an API token ({who})", lambda: form.locator("[type=submit]").click(), True, set())
        text = v.page.locator("main").inner_text()
        m = re.search(r"\bclt_[A-Za-z0-9_\-]{16,}", text)
        if "Your new token" not in text or not m:
            report.fail(v.current, "the new token is not shown in a 'Your new token' table")
            return
        if user is None:
            check_layout(v, "/account (new token)")
            save_shot(v, out, "account-new-token_1280_light.png")
        bearer = {"Authorization": f"Bearer {m.group(0)}"}
        want = {"/overview.json": 200, "/recommendations.csv": 200,
                "/customers.json": 200 if ROLE_PAGES[role] >= {"/customers"} else 403,
                "/admin.json": 200 if role == "admin" else 403}
        for path, code in want.items():
            status, headers, body = http_get(base + path, headers=bearer, follow=False)
            if status != code:
                report.fail(f"{path} (Bearer token of {who})", f"HTTP {status}, expected {code}")
            elif code == 200 and path.endswith(".json"):
                try:
                    json.loads(body)
                except ValueError:
                    report.fail(f"{path} (Bearer token of {who})", "not JSON")
        v.goto("/account")
        revoke = v.page.locator('form[action="/account/tokens/revoke"] [type=submit]')
        if revoke.count() != 1:
            report.fail("/account", f"{revoke.count()} Revoke buttons, expected 1 (one token)")
            return
        submit(v, f"revoke the API token ({who})", revoke.first.click, True, set())
        status, _, _ = http_get(base + "/overview.json", headers=bearer, follow=False)
        if status != 401:
            report.fail(f"/overview.json (revoked token of {who})", f"HTTP {status}, expected 401")
    finally:
        v.close()


def scan_customer_ids(where: str, report: Report, body: bytes, ctype: str, ids: set[str]) -> None:
    """An executive's download must hold no customer id: no customer/id field or column holding a known id, no
    link to /customer."""
    if b'href="/customer' in body or b"](/customer" in body:
        report.fail(where, "executive download links to /customer or /customers")
    if "json" in ctype:
        try:
            doc = json.loads(body)
        except ValueError:
            return
        found: list[str] = []

        def walk(x, key=""):
            if isinstance(x, dict):
                for k, val in x.items():
                    if k.lower() in ID_KEYS - {"id"}:
                        found.append(f"field {k!r}")
                    walk(val, k)
            elif isinstance(x, list):
                for val in x:
                    walk(val, key)
            elif key.lower() in ID_KEYS and str(x) in ids:
                found.append(f"{key}={x}")
        walk(doc)
        if found:
            report.fail(where, f"executive JSON holds customer ids: {', '.join(found[:4])}")
    elif "csv" in ctype:
        lines = body.decode(errors="replace").splitlines()
        if not lines:
            return
        head = [h.strip().lower() for h in lines[0].split(",")]
        bad = [h for h in head if h in ID_KEYS - {"id"}]
        if "id" in head:
            col = head.index("id")
            if any(len(r.split(",")) > col and r.split(",")[col] in ids for r in lines[1:]):
                bad.append("id (customer ids)")
        if bad:
            report.fail(where, f"executive CSV has customer id columns: {bad}")


EXEC_DOM_JS = """ids => {
  const out = [];
  for (const a of document.querySelectorAll('a[href^="/customer"]')) out.push('link ' + a.getAttribute('href'));
  for (const th of document.querySelectorAll('th')) {
    const t = th.textContent.trim().toLowerCase();
    if (t === 'customer' || t === 'customer id' || t === 'customer_id') out.push('column "' + th.textContent.trim() + '"');
  }
  for (const td of document.querySelectorAll('td')) if (ids.includes(td.textContent.trim())) out.push('cell ' + td.textContent.trim());
  return out.slice(0, 6);
}"""


def walk_role(browser, base: str, report: Report, out: str | None, account: tuple, admin_nav: list[str],
              cust: str | None, ids: set[str], admin_links: set[str]) -> None:
    """One account: signs in through the login form in a fresh context, lands on its role's home, finds in the
    page menu exactly the admin's pages its role may open, visits each (all checks, layout rules at 1280 px), is
    refused (403) the rest in every format, its links all answer, and signs out through the user menu."""
    name, role, countries, _ = account
    scope = [c.strip() for c in countries.split(",") if c.strip()]
    who = f"{name} ({role}{', ' + ', '.join(scope) if scope else ''})"
    label = role + ("-scoped" if scope else "")
    say(f"role walk: {who} ...")
    report.roles += 1
    allowed = ROLE_PAGES[role] - (WHOLE_DATA_PAGES if scope else set())
    cust_id = urllib.parse.parse_qs(urllib.parse.urlsplit(cust).query).get("id", [""])[0] if cust else ""
    v = Visitor(browser, base, report, 1280, dark=False, state=None)
    v.ctx.set_default_timeout(90_000)  # a page with a new filter may compute its churn models first
    links: set[str] = set()
    sources: dict[str, str] = {}
    try:
        v.goto("/login")
        resp = sign_in_form(v, name, password_of(name))
        if resp is None:
            return
        landed = short(v.page.url, base)
        if urllib.parse.urlsplit(landed).path != ROLE_HOME[role]:
            report.fail(f"sign in as {who}", f"landed on {landed}, expected the role's home {ROLE_HOME[role]}")
        inspect(v, resp, bool(scope), links)
        check_layout(v, f"{landed} (home of {who})")
        save_shot(v, out, f"role-{label}_home_1280_light.png")
        cookie = cookie_of(v)
        auth = {"Cookie": f"clientele_session={cookie['value']}"} if cookie else {}

        # the page menu: exactly the admin's pages this role may open; the user menu
        nav = v.page.locator("header nav a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        nav_paths = [urllib.parse.urlsplit(h).path for h in nav]
        extra = [p for p in nav_paths if stem(p) not in allowed]
        missing = [p for p in admin_nav if stem(p) in allowed and p not in nav_paths]
        if extra:
            report.fail(f"page menu of {who}", f"links to pages the role may not open: {extra}")
        if missing:
            report.fail(f"page menu of {who}", f"lacks pages the role may open: {missing}")
        menu = v.page.locator("details.user-menu")
        menu_links = menu.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        menu_text = " ".join((menu.text_content() or "").split()) if menu.count() else ""
        if "/account" not in menu_links or "/admin" in menu_links or f"Role: {role}" not in menu_text \
                or any(c not in menu_text for c in scope):
            report.fail(f"user menu of {who}", f"links {menu_links}, text {menu_text!r}: expected /account, no "
                                               f"/admin, 'Role: {role}' and the countries")

        # every page of the menu and the account page, with the layout rules at 1280 px
        pages = list(dict.fromkeys(nav + ["/account"]))
        if "/customers" in allowed:
            pages.append("/customers?_sort=recency&_desc=0")
        for href in pages:
            before = set(links)
            check_page(v, href, empty_ok=True, links=links)
            for l in links - before:
                sources.setdefault(l, f"{v.current} as {name}")
            check_layout(v, f"{v.current} (as {who})")
            if role == "executive":
                found = v.page.evaluate(EXEC_DOM_JS, sorted(ids))
                if found:
                    report.fail(f"{v.current} (as {who})", f"customer ids on an executive page: {found}")
            if href.startswith("/customers?"):
                first = v.page.locator("main table a[href^='/customer?']").first
                own = first.get_attribute("href") if first.count() else None
                if not own:
                    report.fail(f"/customers (as {who})", "no customer profile link")
                else:
                    check_page(v, own, empty_ok=True, links=links)
                    check_layout(v, f"{v.current} (as {who})")
                    if scope:
                        cust_id = urllib.parse.parse_qs(urllib.parse.urlsplit(own).query)["id"][0]
        if scope:
            # the filter offers only the account's countries; a country outside -> 403 (in the browser too)
            v.goto("/overview")
            offered = v.page.locator("form.filters input[name=country]").evaluate_all("els => els.map(e => e.value)")
            if not offered or set(offered) - set(scope):
                report.fail(f"/overview (as {who})", f"the filter offers the countries {offered}, expected {scope}")
            if v.goto(f"/overview?country={urllib.parse.quote_plus(OUTSIDE_COUNTRY)}", expect=403):
                report.pages += 1
                check_layout(v, f"/overview?country={OUTSIDE_COUNTRY} (403, as {who})")
                save_shot(v, out, f"role-{label}_outside-country-403_1280_light.png")
        else:
            forbidden = FORBIDDEN[role][0]
            if v.goto(forbidden.format(cust=cust_id), expect=403):
                report.pages += 1
                if "Not part of your role" not in v.page.locator("h1").first.inner_text():
                    report.fail(f"{forbidden} (as {who})", "the 403 page's title is not 'Not part of your role'")
                if v.page.locator("header nav a").count() == 0:
                    report.fail(f"{forbidden} (as {who})", "the 403 page has no page menu (layout)")
                check_layout(v, f"{forbidden} (403, as {who})")
                if role == "executive":
                    save_shot(v, out, f"role-{label}_forbidden-403_1280_light.png")

        # refused addresses (403 in the address's format), allowed data (200)
        refused = list(FORBIDDEN[role])
        if scope:
            refused = list(dict.fromkeys(refused + sorted(WHOLE_DATA_PAGES) + [
                f"/overview?country={OUTSIDE_COUNTRY}", f"/overview.json?country={OUTSIDE_COUNTRY}",
                f"/customers.csv?country={OUTSIDE_COUNTRY}", f"/report.pdf?country={OUTSIDE_COUNTRY}",
                f"/customers?country={scope[0]}&country={OUTSIDE_COUNTRY}"]))
        for path in refused:
            path = path.format(cust=cust_id)
            status, headers, body = http_get(base + path, headers=auth, follow=False)
            report.forbidden += 1
            ctype = headers.get("content-type", "")
            if status != 403:
                report.fail(f"{path} (as {who})", f"HTTP {status}, expected 403")
            elif stem(path) == urllib.parse.urlsplit(path).path and not path.startswith("/-/") \
                    and (b"Not part of your role" not in body or b"<nav" not in body):
                report.fail(f"{path} (as {who})", "the 403 page is not the layout's 'Not part of your role' page")
            elif path.split("?")[0].endswith(".json") and "json" not in ctype:
                report.fail(f"{path} (as {who})", f"403 as {ctype!r}, expected JSON")
        if role in ("executive", "marketing"):
            # saving a view (POST /views) is for analysts: refused even with the form's CSRF token
            _, _, page = http_get(base + "/account", headers=auth)
            status, _, _ = http_post_form(base, "/views", {"_csrf": form_csrf(page) or "", "view": "/value?tier=Gold",
                                                          "name": "not allowed"}, headers=auth)
            report.forbidden += 1
            if status != 403:
                report.fail(f"POST /views (as {who})", f"HTTP {status}, expected 403")
        for path in ALLOWED_DATA[role]:
            if scope and path.startswith("/customer?"):
                continue
            path = path.format(cust=cust_id)
            status, headers, body = http_get(base + path, headers=auth)
            if status != 200:
                report.fail(f"{path} (as {who})", f"HTTP {status}, expected 200")
            elif role == "executive":
                scan_customer_ids(f"{path} (as {who})", report, body, headers.get("content-type", ""), ids)
        if scope and cust:
            # a customer outside the account's countries does not exist for it
            status, _, _ = http_get(base + cust, headers=auth)
            if status == 200:
                report.fail(f"{cust} (as {who})", "a customer outside the account's countries opens")
        if scope:
            compare_scoped(base, report, who, auth, scope)

        # the links of its pages answer for this account (none leads to a 403): one per address and set of
        # parameters (the administrator's crawl requests every variant), and for a scoped account every link that
        # names a country outside its scope; executive downloads hold no customer id
        crawl(sample_links(links, scope), base, report, sources, auth=auth, who=name)
        if role == "executive":
            for url in sorted(l for l in links if is_download(l)):
                status, headers, body = http_get(url, headers=auth)
                scan_customer_ids(f"{short(url, base)} (as {who})", report, body, headers.get("content-type", ""), ids)

        # sign out through the user menu -> the login page; the pages then ask to sign in again
        v.goto(ROLE_HOME[role])
        menu = v.page.locator("details.user-menu")
        menu.locator("summary").click()
        button = menu.get_by_role("button", name="Sign out")
        if button.count() == 0:
            report.fail(f"user menu of {who}", "no 'Sign out' button")
            return
        box = button.first.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > 1281:
            report.fail(f"user menu of {who}", f"the 'Sign out' button is not on screen: {box}")
        if label == "executive":
            save_shot(v, out, f"role-{label}_user-menu_1280_light.png")
        v.current = f"sign out ({name})"
        with v.page.expect_navigation(wait_until="load") as nav:
            button.first.click()
        if urllib.parse.urlsplit(v.page.url).path != "/login" or nav.value is None or nav.value.status != 200:
            report.fail(f"sign out ({who})", f"led to {short(v.page.url, base)} (HTTP {nav.value.status if nav.value else None}), expected /login")
        v.page.goto(base + ROLE_HOME[role])
        if urllib.parse.urlsplit(v.page.url).path != "/login":
            report.fail(f"{ROLE_HOME[role]} after signing out ({who})", f"shows {short(v.page.url, base)}, expected /login")
        status, headers, _ = http_get(base + "/overview", headers=auth, follow=False)
        if status != 303 or not headers.get("location", "").startswith("/login"):
            report.fail(f"/overview with the signed-out session of {who}", f"HTTP {status}, expected 303 to /login")
    finally:
        v.close()


def sample_links(links: set[str], scope: list[str]) -> set[str]:
    """One link per path and set of query parameter names; with a scope, every link that names a country outside
    it."""
    chosen: dict[tuple, str] = {}
    extra = set()
    for l in sorted(links):
        u = urllib.parse.urlsplit(l)
        q = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        chosen.setdefault((u.path, tuple(sorted({k for k, _ in q}))), l)
        if scope and any(k == "country" and v not in scope for k, v in q):
            extra.add(l)
    return set(chosen.values()) | extra


def compare_scoped(base: str, report: Report, who: str, auth: dict, scope: list[str]) -> None:
    """A scoped account's figures equal the administrator's filtered to the same countries."""
    q = "&".join("country=" + urllib.parse.quote_plus(c) for c in scope)
    for path in ("/overview.json", "/value.json", "/churn.json", "/recommendations.json"):
        _, _, a = http_get(base + path, headers=auth)
        _, _, b = http_get(base + path + "?" + q)
        try:
            ka, kb = json.loads(a).get("kpis", {}), json.loads(b).get("kpis", {})
        except ValueError:
            report.fail(f"{path} (as {who})", "not JSON")
            continue
        diff = {k: (ka[k].get("value"), kb.get(k, {}).get("value")) for k in ka
                if ka[k].get("value") != kb.get(k, {}).get("value")}
        if not ka or diff or set(ka) != set(kb):
            report.fail(f"{path} (as {who})", f"figures differ from the administrator's ?{q}: {diff or (list(ka), list(kb))}")
    _, _, body = http_get(base + "/customers.csv", headers=auth)
    lines = body.decode(errors="replace").splitlines()
    head = lines[0].split(",") if lines else []
    if "country" in head:
        col = head.index("country")
        seen = {r.split(",")[col] for r in lines[1:] if len(r.split(",")) > col}
        if not seen or seen - set(scope):
            report.fail(f"/customers.csv (as {who})", f"countries {sorted(seen)[:8]}, expected only {scope}")


def customer_ids(base: str) -> set[str]:
    """Every customer id of the data set (the administrator's /customers.csv)."""
    _, _, body = http_get(base + "/customers.csv")
    return {l.split(",", 1)[0] for l in body.decode(errors="replace").splitlines()[1:] if l}


# --------------------------------------------------------------------------
# main


def nav_pages(base: str) -> list[str]:
    """The paths of the page menu (header nav), as the home page lists them."""
    _, _, body = http_get(base + "/")
    nav = re.search(rb"<nav[^>]*>(.*?)</nav>", body, re.S)
    paths = re.findall(r'href="([^"?#]*)', nav.group(1).decode()) if nav else []
    return list(dict.fromkeys(p for p in paths if p.startswith("/"))) or list(NAV_PAGES)


def data_span(base: str) -> tuple[dt.date, dt.date]:
    _, _, body = http_get(base + "/index.json")
    d = json.loads(body)
    for row in d.get("tables", {}).get("dataset", {}).get("rows", []):
        if str(row.get("field", "")).lower() == "date span":
            m = re.findall(r"\d{4}-\d{2}-\d{2}", str(row.get("value", "")))
            if len(m) == 2:
                return dt.date.fromisoformat(m[0]), dt.date.fromisoformat(m[1])
    as_of = dt.date.fromisoformat(d["as_of"])
    return as_of - dt.timedelta(days=365), as_of - dt.timedelta(days=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", nargs="?", default=os.environ.get("CLIENTELE_BIN", ".build/debug/clientele"))
    ap.add_argument("--out", default="browser-shots", help="screenshot folder (default browser-shots/)")
    ap.add_argument("--no-shots", action="store_true", help="skip screenshots")
    ap.add_argument("--demo-lines", type=int, default=20000)
    ap.add_argument("--layout-only", action="store_true",
                    help="only the layout rules and screenshots (no filtered variants, filter forms, link crawl or upload)")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()

    t0 = time.time()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"browser_test: binary {binary} not found or not executable", file=sys.stderr)
        return 2
    out = None if args.no_shots else os.path.abspath(args.out)
    if out:
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out, exist_ok=True)

    report = Report()
    workdir = tempfile.mkdtemp(prefix="clientele-browser-test-")
    log_path = os.path.join(out or workdir, "server.log")
    server = Server(binary, workdir, log_path, args.demo_lines)
    atexit.register(server.stop)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pw = None
    browser = None
    try:
        server.start()
        base = server.base
        # accounts: not signed in, every page asks to; the set-up link creates the administrator, who signs in
        # through the login form (the browser contexts of the main walk) and over HTTP (the urllib helpers)
        test_anonymous(base, report)
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        if not test_setup(browser, server, report, out):
            err = server.users_add(ADMIN_USER, "admin", ADMIN_PASSWORD)
            if err:
                raise RuntimeError(f"no administrator: clientele users add failed: {err}")
        sign_in_admin(browser, base, report, out)
        server.wait_models()
        if not args.layout_only:
            test_admin_page(browser, server, report, out)
        first, last = data_span(base)
        frm = last - dt.timedelta(days=89)
        say(f"data span {first} to {last}; last 90 days = {frm} to {last}")

        # (path, charts may be legitimately empty)
        main_pages = [(p, False) for p in NAV_PAGES + ["/account", "/admin"]]
        variants = [
            (f"/overview?from={frm}&to={last}", True),
            (f"/?from={frm}&to={last}", True),
            (f"/retention?from={frm}&to={last}", True),
            ("/overview?country=Germany", True),
            ("/churn?segment=At+Risk", True),
            ("/value?tier=Gold", True),
            ("/customers?segment=At+Risk&country=United+Kingdom", True),
            (f"/value?from={first}&to={first + dt.timedelta(days=6)}&tier=Platinum", True),
            ("/customers?_page=2", False),
            ("/customers?_sort=recency&_desc=0", False),
            ("/customers?_sort=country&_desc=1", False),
            ("/customers?_q=Germany", True),
            ("/data-quality?country=France", True),
        ]
        for period in ("month", "week", "quarter"):
            for metric in ("rate", "count", "revenue"):
                variants.append((f"/retention?_period={period}&_metric={metric}", False))

        links: set[str] = set()
        cust: str | None = None
        sources: dict[str, str] = {}
        # 1. every page at 1280 px, light theme, with all checks
        v = Visitor(browser, base, report, 1280, dark=False)
        say(f"visiting {len(main_pages) + len(variants) + 1} pages ...")
        if args.layout_only:
            main_pages, variants = [("/customers", False)], []
        for path, empty_ok in main_pages + variants:
            before = set(links)
            check_page(v, path, empty_ok, links)
            for l in links - before:
                sources.setdefault(l, v.current)
            if path == "/customers":
                first_customer = v.page.locator("main table a[href^='/customer?']").first
                cust = first_customer.get_attribute("href") if first_customer.count() else None
                if not cust:
                    report.fail("/customers", "no customer profile link in the table")
        # a customer profile: the first customer link on /customers
        if cust:
            before = set(links)
            check_page(v, cust, True, links)
            for l in links - before:
                sources.setdefault(l, v.current)
        # forms and controls: the filter bar's Apply on every page,
        # the customer search, a sort header, the pager
        # (/data-quality and /upload describe files, they have no filter bar)
        for path in [] if args.layout_only else \
                [p for p in NAV_PAGES if p not in ("/upload", "/data-quality")] + ([cust] if cust else []):
            if v.goto(path) is None:
                continue
            if v.page.locator("form.filters button[type=submit]").count() == 0:
                report.fail(v.current, "no filter bar with an Apply button (form.filters)")
                continue
            form = v.page.locator("form.filters")
            is_profile = path.startswith("/customer?")
            if not is_profile and form.locator("input[name=tier][value=Gold]").count():
                form.locator("details.multi:has(input[name=tier]) > summary").click()
                form.locator("input[name=tier][value=Gold]").check()
                form.locator("details.multi:has(input[name=tier]) > summary").click()
            submit(v, f"Apply filters on {path}",
                   lambda: form.locator("button[type=submit]").click(), True, links)
        def control(selector: str, what: str, text: str | None = None):
            loc = v.page.locator(selector, has_text=text) if text else v.page.locator(selector)
            if loc.count() == 0:
                report.fail(v.current, f"no {what} ({selector})")
                return None
            return loc.first

        if v.goto("/customers") and (box := control("form.search input[name=_q]", "search box")):
            box.fill("Germany")
            submit(v, "search 'Germany' on /customers", lambda: box.press("Enter"), True, links)
            if "Germany" not in v.page.locator("main").inner_text():
                report.fail(v.current, "search for 'Germany' shows no German customer")
        if v.goto("/customers") and (th := control("main th a", "sort header", "Country")):
            submit(v, "sort header 'Country' on /customers", th.click, False, links)
        if v.goto("/customers") and (nxt := control("nav.pager a", "pager link", "Next")):
            submit(v, "pager 'Next' on /customers", nxt.click, False, links)
            if "page 2" not in v.page.locator("main").inner_text():
                report.fail(v.current, "the pager does not say page 2")
        # the theme toggle flips the theme and remembers it
        if v.goto("/overview") and control("#theme", "theme button"):
            v.page.click("#theme")
            if v.page.evaluate("document.documentElement.dataset.theme") != "dark":
                report.fail("/overview", "the theme button did not switch to dark")
            v.page.reload()
            if v.page.evaluate("document.documentElement.dataset.theme") != "dark":
                report.fail("/overview", "the dark theme was not remembered after reload")
        v.close()

        # 2. the layout rules on every main page (the pages of the menu, a customer profile, weekly
        # cohorts by revenue, a date range) at 1280 and 390 px in the light theme (failures); screenshots
        # of the same pages in light and dark (the dark pass checks the theme and contrast only)
        layout_pages = nav_pages(base)
        layout_pages += [p for p in NAV_PAGES if p not in layout_pages]
        layout_pages += ([cust] if cust else []) + [f"/overview?from={frm}&to={last}",
                                                    "/retention?_period=week&_metric=revenue",
                                                    "/account", "/admin"]
        say(f"layout rules on {len(layout_pages)} pages at 1280 and 390 px ...")
        for width in (1280, 390):
            for dark in ((False, True) if out else (False,)):
                sv = Visitor(browser, base, report, width, dark)
                sv.ctx.set_default_timeout(90_000)  # the first /report of a debug build is slow
                for path in layout_pages:
                    if sv.goto(path) is None:
                        continue
                    check_layout(sv, sv.current, rules=not dark)
                    if out:
                        fn = f"{shot_name(path)}_{width}_{'dark' if dark else 'light'}.png"
                        sv.page.screenshot(path=os.path.join(out, fn), full_page=True)
                        report.shots += 1
                sv.close()
        if out:
            say(f"{report.shots} screenshots written to {out}")

        if not args.layout_only:
            # 3. API tokens; each role signs in and walks its pages (on the demo data, before the upload)
            test_tokens(browser, base, report, out)
            test_tokens(browser, base, report, out, user=ACCOUNTS[0][0])
            admin_nav = nav_pages(base)
            ids = customer_ids(base)
            if not ids:
                report.fail("/customers.csv", "no customer id: the executive scans would check nothing")
            for account in ACCOUNTS:
                walk_role(browser, base, report, out, account, admin_nav, cust, ids, links)

            # 4. every same-origin link (as the administrator)
            crawl(links, base, report, sources)

            # 5. upload, last: it replaces the data set
            up_links: set[str] = set()
            test_upload(browser, base, report, out, up_links)
            test_library(browser, base, report, out, up_links)
            crawl(up_links - links, base, report, {l: "pages on the uploaded data" for l in up_links})
        if not server.alive():
            report.fail("server", "the server process died during the test")
    except Exception as e:  # noqa: BLE001
        report.fail("browser test", f"aborted: {type(e).__name__}: {e}")
    finally:
        for close in ((browser.close if browser else None), (pw.stop if pw else None)):
            try:
                if close:
                    close()
            except Exception:  # noqa: BLE001
                pass
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    secs = time.time() - t0
    print()
    print("== browser test summary ==")
    print(f"pages visited:      {report.pages}")
    print(f"links checked:      {report.links}")
    print(f"charts checked:     {report.charts}")
    print(f"layout checks:      {report.layout_checks} page views (1280 and 390 px)")
    print(f"roles walked:       {report.roles} accounts (+ the administrator), {report.forbidden} refusals checked")
    print(f"screenshots:        {report.shots}" + (f" in {out}" if out else ""))
    print(f"time:               {secs:.1f} s")
    if report.warnings:
        print(f"warnings ({len(report.warnings)}):")
        for what, where in report.warnings.items():
            more = f" (+{len(where) - 4} more)" if len(where) > 4 else ""
            print(f"  - {what}\n      on {', '.join(where[:4])}{more}")
    if report.failures:
        print(f"FAILURES ({len(report.failures)}):")
        for f in report.failures:
            print(f"  - {f}")
        tail = server.log_tail(10)
        if tail:
            print("server log tail:\n" + tail)
        print("browser-test: 0 passed, 1 failed")
        return 1
    print("browser-test: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
