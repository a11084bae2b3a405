# Prints an ODT as python3-odf reads it: each heading (with its outline
# level) and paragraph in order, then whether the page footer holds a
# page number.
import sys
from odf import opendocument, teletype, text
from odf.namespaces import TEXTNS

d = opendocument.load(sys.argv[1])

def walk(node):
    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (TEXTNS, "h"):
            print("Heading %s\t%s" % (child.getAttribute("outlinelevel"), teletype.extractText(child)))
        elif qname == (TEXTNS, "p"):
            print("%s\t%s" % (child.getAttribute("stylename"), teletype.extractText(child)))
        elif qname is not None:
            walk(child)

walk(d.text)
pages = d.masterstyles.getElementsByType(text.PageNumber)
print("FOOTER", "PAGE" if pages else "none")
for p in d.masterstyles.getElementsByType(text.P):
    t = teletype.extractText(p)
    if t and not t.isdigit():
        print("FOOTERTEXT\t" + t)
# Links and notes: each text:a's target and text; each note's citation
# and body.
from odf.namespaces import XLINKNS
for a in d.text.getElementsByType(text.A):
    print("LINK\t%s\t%s" % (a.getAttrNS(XLINKNS, "href"), teletype.extractText(a)))
for n in d.text.getElementsByType(text.Note):
    cit = n.getElementsByType(text.NoteCitation)[0]
    body = n.getElementsByType(text.NoteBody)[0]
    print("NOTE\t%s\t%s\t%s" % (n.getAttribute("noteclass"), teletype.extractText(cit), teletype.extractText(body)))
# The contents' page references and the bookmarks they point at.
for b in d.text.getElementsByType(text.Bookmark):
    print("BOOKMARK\t" + b.getAttribute("name"))
for r in d.text.getElementsByType(text.BookmarkRef):
    print("PAGEREF\t%s\t%s" % (r.getAttribute("referenceformat"), r.getAttribute("refname")))
