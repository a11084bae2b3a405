# Writes the documents the import is tried on, with libraries that are
# not ours: python-docx for a Word file, odfpy for an OpenDocument text.
# Both hold what a co-facilitator's outline holds: a title, headings (one
# numbered, one with a subheading), bold and italic, bulleted and
# numbered lists, a link, a table, and (in the ODT) a footnote.
#
#   python3 make_docs.py OUTDIR
import os
import sys

out = sys.argv[1]

import docx
from docx.oxml.ns import qn
from docx.oxml import OxmlElement

d = docx.Document()
d.add_heading("BPF Cybersecurity 2026 outline", 0)
d.add_paragraph("Notes from the first call.")
d.add_heading("1. Definition of the issue(s)", 1)
p = d.add_paragraph("Cyber norms are ")
p.add_run("voluntary").bold = True
p.add_run(" and ")
p.add_run("not binding").italic = True
p.add_run(".")
d.add_paragraph("First reason", style="List Bullet")
d.add_paragraph("Second reason", style="List Bullet")
d.add_heading("Background", 2)
p = d.add_paragraph("See the ")
# A hyperlink, as Word writes one: w:hyperlink over a relationship.
rid = d.part.relate_to("https://www.intgovforum.org/en", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True)
h = OxmlElement("w:hyperlink")
h.set(qn("r:id"), rid)
r = OxmlElement("w:r")
t = OxmlElement("w:t")
t.text = "IGF site"
r.append(t)
h.append(r)
p._p.append(h)
p.add_run(" for more.")
d.add_heading("What worked well", 1)
d.add_paragraph("Step one", style="List Number")
d.add_paragraph("Step two", style="List Number")
tbl = d.add_table(rows=1, cols=2)
tbl.cell(0, 0).text = "Region"
tbl.cell(0, 1).text = "Answers"
d.add_heading("Survey of members", 1)
d.add_paragraph("مرحبا بكم في منتدى حوكمة الإنترنت.")
d.save(os.path.join(out, "outline.docx"))

from odf.opendocument import OpenDocumentText
from odf.style import Style, TextProperties
from odf import text

o = OpenDocumentText()
bold = Style(name="B", family="text")
bold.addElement(TextProperties(fontweight="bold"))
o.automaticstyles.addElement(bold)
o.text.addElement(text.H(outlinelevel=1, text="Definition of the issue(s)"))
p = text.P(text="Norms matter")
note = text.Note(noteclass="footnote", id="ftn1")
note.addElement(text.NoteCitation(text="1"))
body = text.NoteBody()
body.addElement(text.P(text="As the 2015 GGE report says."))
note.addElement(body)
p.addElement(note)
p.addText(" to ")
p.addElement(text.Span(stylename=bold, text="everyone"))
p.addText(", see ")
p.addElement(text.A(href="https://example.org/norms", type="simple", text="the norms"))
p.addText(".")
o.text.addElement(p)
lst = text.List()
for item in ("alpha", "beta"):
    li = text.ListItem()
    li.addElement(text.P(text=item))
    lst.addElement(li)
o.text.addElement(lst)
o.text.addElement(text.H(outlinelevel=1, text="Regional specificities observed"))
o.text.addElement(text.P(text="Africa and Asia differ."))
o.save(os.path.join(out, "outline.odt"))
