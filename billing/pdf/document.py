"""What the product's PDFs share (R8.9): an A4 page in DejaVu Sans, whose full fonts cover Latin, Greek,
Cyrillic, Hebrew and Arabic (fpdf2 embeds only the glyphs a document uses); HarfBuzz text shaping, which
joins Arabic letters and orders right-to-left runs, switched on only when the text needs it; and a CJK font
(Noto Sans CJK, Debian's fonts-noto-cjk) loaded only when the text has CJK characters — it is a 20 MB file.

A document is a function of what it prints: its creation date is the document's own date (the invoice's
issue date, the payment's), never the moment it is drawn, so drawing it again gives the same bytes."""

import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

logger = logging.getLogger(__name__)
FONTS = Path(__file__).resolve().parent.parent / "fonts"
FAMILY, CJK_FAMILY = "DejaVu", "NotoSansCJK"
# CJK radicals and punctuation, kana, bopomofo, Hangul, the unified and compatibility ideographs, full-width
# forms, and the supplementary ideographs (planes 2 and 3).
CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)
LINE = 5.5  # mm: the height of a line of 10 pt text


def needs_shaping(text: str) -> bool:
    """Right-to-left letters (Hebrew, Arabic, Syriac, Thaana…): only shaping joins and orders them right."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def new_pdf(
    *, title: str, author: str, created: datetime, texts: Iterable[str], archival: bool = False
) -> FPDF:
    """A blank first page, with the fonts that `texts` (everything the document will print that does not come
    from our own catalogue of words) need. `archival`: a PDF/A-3B (issue 21, the invoices: Factur-X is a
    PDF/A-3) — fpdf2 then refuses anything PDF/A forbids, adds the sRGB output intent, and writes the XMP
    metadata we give it, dated like the document, not the moment it is drawn."""
    pdf = FPDF(format="A4", enforce_compliance="PDF/A-3B" if archival else None)
    if archival:
        pdf.set_xmp_metadata(_xmp(title, author, created))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creation_date(created)
    pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    text = "".join(texts)
    if CJK.search(text):
        _add_cjk_font(pdf)
    if needs_shaping(text):
        pdf.set_text_shaping(True)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    return pdf


def _xmp(title: str, author: str, created: datetime) -> str:
    """PDF/A's XMP, as fpdf2 writes it but for its dates, which are the document's own (fpdf2 would modify it
    "now"): the same document, the same bytes."""
    date = created.astimezone(UTC).isoformat(timespec="seconds")
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
    <rdf:Description rdf:about="" xmp:CreateDate="{date}" xmp:ModifyDate="{date}" xmp:MetadataDate="{date}">
      <pdfaid:part>3</pdfaid:part>
      <pdfaid:conformance>B</pdfaid:conformance>
      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
      <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
    </rdf:Description>
  </rdf:RDF>
</x:xmpmeta>"""


def _add_cjk_font(pdf: FPDF) -> None:
    """The CJK font, used for the characters DejaVu lacks. Missing, the document is still made, without its
    CJK characters, and the log says why: a PDF without them is better than no invoice at all."""
    path = Path(settings.PDF_CJK_FONT)
    if not path.is_file():
        logger.warning(
            "No CJK font at %s (settings.PDF_CJK_FONT): CJK characters are left out of the PDF. "
            "Install Debian's fonts-noto-cjk, or point PDF_CJK_FONT at a Noto Sans CJK file.",
            path,
        )
        return
    pdf.add_font(CJK_FAMILY, "", path)  # in a collection (.ttc), its first face: Japanese
    pdf.set_fallback_fonts([CJK_FAMILY], exact_match=False)  # bold text falls back to it too


def heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, "B", 20)
    pdf.multi_cell(pdf.epw, 11, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)


def paragraph(pdf: FPDF, text: str, *, bold: bool = False, gap: float = 2) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", 10)
    pdf.multi_cell(pdf.epw, LINE, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(gap)


def parties(pdf: FPDF, left: tuple[str, list[str]], right: tuple[str, list[str]]) -> None:
    """Two blocks side by side — the seller's and the buyer's — each a label and its lines; the page goes on
    below the longer one. The left block is written first, so that text extraction reads it first."""
    width = (pdf.epw - 10) / 2
    top = pdf.get_y()
    bottoms = []
    for x, (label, lines) in ((pdf.l_margin, left), (pdf.l_margin + width + 10, right)):
        pdf.set_xy(x, top)
        if label:
            pdf.set_font(FAMILY, "B", 10)
            pdf.multi_cell(width, LINE, label, new_x="LEFT", new_y="NEXT")
        pdf.set_font(FAMILY, "", 10)
        # A line each, not one text: with shaping on, a text takes the direction of its first letter, and an
        # address under a Hebrew name would read right to left ("Market Street 1").
        for line in "\n".join(line for line in lines if line).splitlines():
            pdf.multi_cell(width, LINE, line, new_x="LEFT", new_y="NEXT", align="L")
        bottoms.append(pdf.get_y())
    pdf.set_xy(pdf.l_margin, max(bottoms) + 4)


def facts(pdf: FPDF, rows: list[tuple[str, str]], *, label_width: float = 45) -> None:
    """Label and value, one pair a line."""
    pdf.set_font(FAMILY, "", 10)
    for label, value in rows:
        pdf.cell(label_width, LINE + 0.5, label)
        pdf.multi_cell(pdf.epw - label_width, LINE + 0.5, value, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
