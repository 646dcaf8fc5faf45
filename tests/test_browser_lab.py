"""A new user's first hour in a real JupyterLab, driven in Debian's chromium by Playwright
(pytest-playwright's ``page``): the lab that ``course.py lab`` starts serves the repository,
a widget demo of L01 and L03 redraws its figure when a slider moves, homework opens from the
file browser and saving it unchanged leaves its bytes alone. On failure a screenshot is saved
and its path printed."""

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from course_utils import normalize

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 *(["--no-sandbox"] if os.geteuid() == 0 else [])]
HOMEWORK = "homework/hw01/hw01.ipynb"
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"
KERNEL_IDLE = f"{CURRENT} .jp-Notebook-ExecutionIndicator[data-status='idle']"
SECONDS = 1000  # Playwright timeouts are in milliseconds
# Every cell in the page (no windowing, so a cell can be found by its index), no news prompt.
LAB_SETTINGS = {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
                "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"}}

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (`python course.py test` installs it)")]

_spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)


# pytest-playwright's `playwright` and `browser` live for the whole session; in an xdist
# worker that keeps an asyncio loop running after this module, which breaks the notebook
# tests that run there later. Here they live for this module only.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def browser_context_args() -> dict:
    return {"viewport": {"width": 1400, "height": 1000}}


@dataclass(frozen=True)
class Lab:
    """A running lab server and the copy of the repository it serves."""

    base: str
    token: str
    root: Path

    def url(self, path: str = "") -> str:
        """The page of ``path`` (a fresh workspace: no tabs restored)."""
        return f"{self.base}/lab{'/tree/' + path if path else ''}?reset&token={self.token}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """``course.py lab``'s server on a copy of the repository (running cells must not touch
    the checkout), headless on a free port with a one-off token."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "repo"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "homework", root / "homework")
    shutil.copy(ROOT / "README.md", root)
    normalize.write(nbformat.read(root / HOMEWORK, as_version=4), root / HOMEWORK)
    for plugin, settings in LAB_SETTINGS.items():
        path = tmp / "config" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "COURSE_FAST_DEV_RUN": "1", "OMP_NUM_THREADS": "1",
           **{f"JUPYTER_{kind}_DIR": str(tmp / kind.lower()) for kind in ("CONFIG", "DATA",
                                                                          "RUNTIME")}}
    command = course.lab_command(
        ["--no-browser", f"--port={port}", f"--IdentityProvider.token={token}"], root=root)
    with open(tmp / "server.log", "w") as log:
        server = subprocess.Popen([str(a) for a in command], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
                break
            except OSError:
                assert server.poll() is None, (tmp / "server.log").read_text()[-3000:]
                time.sleep(0.5)
        yield Lab(url, token, root)
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def screenshot_on_failure(page: Page, folder: Path, name: str) -> Iterator[None]:
    """Save (and print the path of) a screenshot when the block fails."""
    try:
        yield
    except BaseException:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / f"{name}.png", full_page=True)
        print(f"screenshot of the failure: {folder / f'{name}.png'}")
        raise


def open_notebook(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(KERNEL_IDLE, timeout=120 * SECONDS)


def run_menu(page: Page, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


@pytest.mark.parametrize("name", ["L01_intro_regression", "L03_cnn"])
def test_moving_a_slider_redraws_the_figure(lab, page, tmp_path, name):
    cells = nbformat.read(lab.root / "notebooks" / f"{name}.ipynb", as_version=4).cells
    first_demo = next(i for i, c in enumerate(cells) if "interactive_demo(" in c.source)
    last_above = max(i for i, c in enumerate(cells[:first_demo]) if c.cell_type == "code")
    with screenshot_on_failure(page, tmp_path / "screenshots", name):
        open_notebook(page, lab.url(f"notebooks/{name}.ipynb"))
        notebook_cells = page.locator(f"{CURRENT} .jp-Notebook .jp-Cell")
        cell = notebook_cells.nth(first_demo)
        cell.locator(".jp-InputPrompt").click()
        run_menu(page, "Run All Above Selected Cell")
        # Done when the last code cell above shows its execution count (the kernel's idle
        # indicator can still read idle before the queued cells start, on a loaded machine).
        expect(notebook_cells.nth(last_above).locator(".jp-InputPrompt").first) \
            .to_have_text(re.compile(r"\[\d+\]"), timeout=180 * SECONDS)
        cell.locator(".jp-InputPrompt").click()
        page.keyboard.press("Shift+Enter")
        handle = cell.locator(".noUi-handle").first
        expect(handle).to_be_visible(timeout=120 * SECONDS)
        figure = cell.locator(".jp-OutputArea-output img").first
        before = figure.get_attribute("src")
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 60, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        expect(figure).not_to_have_attribute("src", before, timeout=60 * SECONDS)


def test_homework_opens_from_the_file_browser_and_saves_unchanged(lab, page, tmp_path):
    saved = lab.root / HOMEWORK
    stored = saved.read_bytes()
    with screenshot_on_failure(page, tmp_path / "screenshots", "hw01"):
        page.goto(lab.url())
        listing = page.locator(".jp-DirListing-content")
        expect(listing.get_by_text("README.md", exact=True)).to_be_visible(timeout=60 * SECONDS)
        for entry in ("homework", "hw01", "hw01.ipynb"):
            listing.get_by_text(entry, exact=True).dblclick()
        page.wait_for_selector(KERNEL_IDLE, timeout=120 * SECONDS)
        tab = page.get_by_role("tab", name="hw01.ipynb")
        expect(tab).to_have_attribute("aria-selected", "true")
        page.locator(f"{CURRENT} .jp-Notebook").click()
        written = saved.stat().st_mtime_ns
        page.keyboard.press("Control+s")
        page.wait_for_timeout(3 * SECONDS)
        assert saved.stat().st_mtime_ns > written, "the save did not happen"
        assert saved.read_bytes() == stored, "JupyterLab's save changed the notebook"
