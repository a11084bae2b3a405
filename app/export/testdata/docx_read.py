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
