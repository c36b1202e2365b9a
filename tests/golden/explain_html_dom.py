"""Reads a page of `credo explain --html` as Chromium rendered it (--dump-dom)
and checks it against the decision: python3 explain_html_dom.py DOM OUTCOME
REASONS_JSON [TEXT...].  The outcome heading carries OUTCOME; the reasons list
(ol#reasons) holds exactly REASONS_JSON, in order, each with words beneath;
the foot names the policy's source and program SHA-256; there is no script,
img or iframe element; and each TEXT (markup an attacker wrote) is shown as
text.  Exits 1 naming the first difference."""
import json
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.outcome = None
        self.reasons = []
        self.in_reasons = 0
        self.bad = []
        self.text = []
        self.fields = {}
        self.field = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "object", "embed"):
            self.bad.append(tag)
        if any(k.startswith("on") for k in a):
            self.bad.append(tag + " with an event handler")
        if tag == "h1" and a.get("id") == "outcome":
            self.outcome = a.get("data-decision")
        if tag == "ol" and a.get("id") == "reasons":
            self.in_reasons = len(self.stack) + 1
        if self.in_reasons and tag == "li" and len(self.stack) == self.in_reasons:
            self.reasons.append(a.get("data-code"))
        if tag == "dd" and "data-field" in a:
            self.field = a["data-field"]
        if tag not in ("meta", "br", "link", "hr", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("meta", "br", "link", "hr", "input"):
            return
        while self.stack:
            top = self.stack.pop()
            if top == tag:
                break
        if self.in_reasons and len(self.stack) < self.in_reasons:
            self.in_reasons = 0
        if tag == "dd":
            self.field = None

    def handle_data(self, data):
        self.text.append(data)
        if self.field:
            self.fields[self.field] = self.fields.get(self.field, "") + data


def main():
    dom, outcome, reasons = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    page = Page()
    with open(dom, encoding="utf-8") as f:
        page.feed(f.read())
    text = "".join(page.text)
    problems = []
    if page.outcome != outcome:
        problems.append(f"outcome {page.outcome!r}, the decision says {outcome!r}")
    if page.reasons != reasons:
        problems.append(f"reasons listed {page.reasons}, the decision's are {reasons}")
    for code in reasons:
        if code not in text:
            problems.append(f"reason {code} not in the text")
    for field in ("source sha256", "program sha256", "version", "effective"):
        if not page.fields.get(field):
            problems.append(f"the foot has no {field}")
    if page.bad:
        problems.append(f"elements injected: {page.bad}")
    for t in sys.argv[4:]:
        if t not in text:
            problems.append(f"{t!r} is not shown as text")
    if problems:
        print("\n".join(problems))
        return 1
    return 0


sys.exit(main())
