"""The suite's HTML validator (issue 19): html-validate, from npm at the version package-lock.json pins, run
by Node once over a batch of rendered pages — one process for hundreds of pages, not one per page."""

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "node_modules" / ".bin" / "html-validate"
CONFIG = ROOT / ".htmlvalidate.json"  # the rules every page of ours passes

# Rules that the Django admin's own markup breaks, switched off on the /staff/ pages only: its templates and
# widgets are not ours to change. Our staff templates extend them, so they inherit the same relaxations; every
# other rule of CONFIG holds there too, and every rule holds on the Admin Center's pages.
ADMIN_MARKUP = {
    # The changelist names each row's checkbox "_selected_action": the action posts the list of them.
    "form-dup-name": "off",
    # The split date/time widget labels its first input only; the time input has no <label>.
    "input-missing-label": "off",
    # "Change billing event | Billing support" and the like: the admin builds the <title>.
    "long-title": "off",
    # The sign-out and theme buttons of the admin header carry no type attribute.
    "no-implicit-button-type": "off",
    # The changelist's search and the change form's save row are <input type="submit">.
    "prefer-button": "off",
    # The navigation sidebar lists each app's models as <tr> straight in <table>.
    "prefer-tbody": "off",
    # The date hierarchy and the paginator are both unnamed <nav> landmarks.
    "unique-landmark": "off",
    # The sort-order links of a changelist's column headers are icons without text.
    "wcag/h30": "off",
    # The changelist form of a model without actions has no submit button (it posts nothing).
    "wcag/h32": "off",
    # Each changelist row's first cell is a <th> without scope.
    "wcag/h63": "off",
    # A fieldset without a name (ModelAdmin.fieldsets' None) is rendered without a <legend>.
    "wcag/h71": "off",
}
# An htmx answer is a fragment swapped into its page: it has no DOCTYPE of its own, and its first heading is
# an <h2> under the page's <h1>.
FRAGMENT = {"missing-doctype": "off", "heading-level": ["error", {"minInitialRank": "h2"}]}
RELAXED = {"staff": ADMIN_MARKUP, "fragments": FRAGMENT}


@dataclass
class Batch:
    """Rendered pages, written to `folder` by group (a folder each, its own config), validated at once."""

    folder: Path
    pages: dict[str, str] = field(default_factory=dict)  # file → what it is: "GET /url as who (language)"

    def add(self, group: str, where: str, response) -> None:
        """Keep a response that is HTML; redirects, downloads and empty refusals (405) are none. Without
        the htmx header every HTML answer is a whole document; with it, a fragment (group "fragments")."""
        if 300 <= response.status_code < 400 or not response.content.strip():
            return
        if not response["Content-Type"].startswith("text/html"):
            return
        folder = self.folder / group
        if not folder.exists():
            folder.mkdir(parents=True)
            config = {"root": True, "extends": [str(CONFIG)], "rules": RELAXED.get(group, {})}
            (folder / ".htmlvalidate.json").write_text(json.dumps(config))
        path = folder / f"page-{len(self.pages) + 1:04}.html"
        path.write_bytes(response.content)
        self.pages[str(path)] = f"{where} [{response.status_code}]"

    def errors(self) -> list[str]:
        """Every message of html-validate, as "what page: rule, line:column, message (where)"."""
        if not CLI.exists():
            raise AssertionError(f"{CLI} is missing: run `npm ci` (make test does)")
        # To a file: Node may exit before a pipe has taken its megabytes (every page's source is included).
        report = self.folder.parent / "html-validate.json"
        run = subprocess.run(
            [str(CLI), f"--formatter=json={report}", "--ext", "html", str(self.folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if run.returncode not in (0, 1) or not report.exists():  # 1: errors found, reported as JSON
            raise AssertionError(f"html-validate failed ({run.returncode}): {run.stderr or run.stdout}")
        return [
            f"{self.pages[result['filePath']]}: {message['ruleId']}, line {message['line']}:"
            f"{message['column']}, {message['message']} ({message.get('selector') or 'document'})"
            for result in json.loads(report.read_text())
            for message in result["messages"]
        ]
