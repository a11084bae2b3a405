# Prints a DOCX as python-docx reads it: each paragraph's style and text,
# then what the footer holds (a PAGE field shows as "PAGE").
import sys
import docx

d = docx.Document(sys.argv[1])
for p in d.paragraphs:
    print(p.style.name + "\t" + p.text.replace("\n", "\\n"))
footer = d.sections[0].footer._element.xml
print("FOOTER", "PAGE" if " PAGE " in footer else "none")
for p in d.sections[0].footer.paragraphs:
    if p.text and not p.text.isdigit():
        print("FOOTERTEXT\t" + p.text)
if "updateFields" in d.settings.element.xml:
    print("SETTINGS updateFields")
# Links: each w:hyperlink's text and the target its relationship names.
from docx.oxml.ns import qn
rels = {r.rId: r.target_ref for r in d.part.rels.values() if r.reltype.endswith("/hyperlink")}
for h in d.element.body.iter(qn("w:hyperlink")):
    text = "".join(t.text or "" for t in h.iter(qn("w:t")))
    print("LINK\t%s\t%s" % (rels.get(h.get(qn("r:id")), "MISSING"), text))
# Footnotes: each reference in the text, and each note's text from the
# footnotes part (python-docx has no API for them; the part is read as XML).
for ref in d.element.body.iter(qn("w:footnoteReference")):
    print("FOOTNOTEREF\t" + ref.get(qn("w:id")))
from lxml import etree
for part in d.part.package.iter_parts():
    if str(part.partname) == "/word/footnotes.xml":
        root = etree.fromstring(part.blob)
        for fn in root.iter(qn("w:footnote")):
            if fn.get(qn("w:type")) in ("separator", "continuationSeparator"):
                continue
            text = "".join(t.text or "" for t in fn.iter(qn("w:t"))).strip()
            print("FOOTNOTE\t%s\t%s" % (fn.get(qn("w:id")), text))
# Links in the notes, through the notes part's own relationships.
for part in d.part.package.iter_parts():
    if str(part.partname) == "/word/footnotes.xml":
        nrels = {r.rId: r.target_ref for r in part.rels.values() if r.reltype.endswith("/hyperlink")}
        for h in etree.fromstring(part.blob).iter(qn("w:hyperlink")):
            text = "".join(t.text or "" for t in h.iter(qn("w:t")))
            print("LINK\t%s\t%s" % (nrels.get(h.get(qn("r:id")), "MISSING"), text))
# The contents' PAGEREF fields and the headings' bookmarks.
for ins in d.element.body.iter(qn("w:instrText")):
    if "PAGEREF" in (ins.text or ""):
        print("PAGEREF\t" + ins.text.split()[1])
for b in d.element.body.iter(qn("w:bookmarkStart")):
    print("BOOKMARK\t" + b.get(qn("w:name")))
