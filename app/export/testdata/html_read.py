# Prints an HTML export as html5lib (a parser that follows the HTML
# standard, as browsers do) reads it: parse errors, the document's
# language, each heading with its id, each numbered paragraph's id and
# language when it has one, each link's target and text, and the
# endnotes with their back links.
import sys
import html5lib

p = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
doc = p.parse(open(sys.argv[1], "rb"))
for pos, code, data in p.errors:
    print("ERROR\t%s\t%s" % (code, data))
print("LANG\t" + (doc.get("lang") or ""))

def text(e):
    return "".join(e.itertext()).strip()

for e in doc.iter():
    if e.tag in ("h1", "h2"):
        print("HEADING\t%s\t%s" % (e.get("id") or "", text(e)))
    elif e.tag == "div" and e.get("class") == "para" and e.get("id"):
        print("PARA\t%s\t%s" % (e.get("id"), e.get("lang") or ""))
    elif e.tag == "a" and e.get("href"):
        print("LINK\t%s\t%s" % (e.get("href"), text(e)))
    elif e.tag == "li" and (e.get("id") or "").startswith("fn"):
        print("ENDNOTE\t%s\t%s" % (e.get("id"), text(e)))

# Each numbered paragraph's text, for checks of what it prints around it.
for e in doc.iter():
    if e.tag == "div" and e.get("class") == "para" and e.get("id"):
        print("PARATEXT\t%s\t%s" % (e.get("id"), " ".join(text(e).split())))
