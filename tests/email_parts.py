"""Issue 19: the HTML part of an email carries the same facts as its text part. Read back the way a person
sees it (tags stripped, entities decoded, whitespace collapsed), the HTML's heading is the subject and its
paragraphs are the text, word for word — every amount, date, number and link included."""

from html.parser import HTMLParser

from django.core.mail import EmailMultiAlternatives


class _Readable(HTMLParser):
    """The words a reader sees in the heading and in the paragraphs."""

    def __init__(self):
        super().__init__()
        self.parts = {"h1": [], "p": []}
        self.inside = None

    def handle_starttag(self, tag, attrs):
        if tag in self.parts:
            self.inside = tag
        elif tag == "br" and self.inside:
            self.parts[self.inside].append(" ")

    def handle_endtag(self, tag):
        if tag == self.inside:
            self.parts[tag].append(" ")
            self.inside = None

    def handle_data(self, data):
        if self.inside:
            self.parts[self.inside].append(data)


def words(text: str) -> str:
    return " ".join(text.split())


def html_of(message) -> str:
    assert isinstance(message, EmailMultiAlternatives), f"{message.subject!r}: no HTML part"
    html = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html) == 1, f"{message.subject!r}: {len(html)} HTML parts"
    return html[0]


def readable(html: str) -> tuple[str, str]:
    """The HTML's heading and paragraphs, as read."""
    parser = _Readable()
    parser.feed(html)
    return words("".join(parser.parts["h1"])), words("".join(parser.parts["p"]))


def assert_same_facts(message) -> None:
    heading, paragraphs = readable(html_of(message))
    assert heading == words(message.subject), (heading, message.subject)
    assert paragraphs == words(message.body), (paragraphs, message.body)
