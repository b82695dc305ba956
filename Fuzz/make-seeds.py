#!/usr/bin/env python3
"""Writes the committed seed corpus, Fuzz/Corpus/TARGET/*, from the repository's own samples and fixtures, cut
down to a few KB each: libFuzzer mutates small inputs many times faster, and a seed only has to show the parser
each structure once. Run from the repository root; the output is deterministic, so a rerun changes nothing.

  Fuzz/make-seeds.py
"""
import io
import os
import struct
import zipfile
import zlib

ROOT = "Fuzz/Corpus"


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(ROOT, target, name), "wb") as file:
        file.write(data)


def pdf(objects, trailer):
    """A PDF with a correct cross-reference table: `objects` are the bodies of objects 1, 2, …"""
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref


def stream(dictionary, data):
    return dictionary.replace(b">>", b" /Length %d>>" % len(data)) + b"\nstream\n" + data + b"\nendstream"


# PDF syntax: what the scanner looks for, each in its own small file.
page = b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>>"
write("pdf-syntax", "plain.pdf", pdf(
    [b"<</Type /Catalog /Pages 2 0 R>>", b"<</Type /Pages /Kids [3 0 R] /Count 1>>", page],
    b"<</Size 4 /Root 1 0 R>>"))
write("pdf-syntax", "javascript.pdf", pdf(
    [b"<</Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names <</EmbeddedFiles <</Names []>>>>>>",
     b"<</Type /Pages /Kids [3 0 R] /Count 1>>", page,
     b"<</S /JavaScript /JS (app.alert\\(\\(1\\)\\);\\n) /AA <</O <</S /Launch /F (calc.exe)>>>>>>"],
    b"<</Size 5 /Root 1 0 R>>"))
write("pdf-syntax", "escaped-names.pdf", pdf(
    [b"<</Type /Catalog /Pages 2 0 R /OpenAction <</S /J#61vaScript /J#53 <6170702e616c65727428312920>>>>>",
     b"<</Type /Pages /Kids [3 0 R] /Count 1>>", page],
    b"<</Size 4 /Root 1 0 R>>"))
objects_inside = b"5 0 6 40 <</S /JavaScript /JS (x)>> <</Type /Filespec /EF <</F 7 0 R>> /AF [5 0 R]>>"
write("pdf-syntax", "object-stream.pdf", pdf(
    [b"<</Type /Catalog /Pages 2 0 R>>", b"<</Type /Pages /Kids [3 0 R] /Count 1>>", page,
     stream(b"<</Type /ObjStm /N 2 /First 8 /Filter [/FlateDecode]>>", zlib.compress(objects_inside)),
     stream(b"<</Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode>>", objects_inside.hex().encode())],
    b"<</Size 6 /Root 1 0 R>>"))
write("pdf-syntax", "encrypted-reference.pdf", pdf(
    [b"<</Type /Catalog /Pages 2 0 R>>", b"<</Type /Pages /Kids [3 0 R] /Count 1>>", page,
     b"<</Filter /Standard /V 5 /R 6 /Length 256 /P -3904 /U <" + b"ab" * 48 + b"> /O (\\101\\102\\\r\n\\(c\\))>>"],
    b"<</Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<00><00>]>>"))
write("pdf-syntax", "encrypted-inline.pdf", pdf(
    [b"<</Type /Catalog /Pages 2 0 R>>", b"<</Type /Pages /Kids [3 0 R] /Count 1>>", page],
    b"<</Size 4 /Root 1 0 R /Encrypt <</Filter /FOPN_foweb /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 /P +12"
    b" /U (\\0\\01\\012\\7777)>>>>"))
write("pdf-syntax", "diploma.pdf", open("SampleDocs/APP-2026-0001/05-diploma.pdf", "rb").read())


def jpeg_segments(path):
    """The marker segments of a JPEG up to and including the start-of-scan header, then its entropy-coded data
    cut to 64 bytes and an end marker: every structure the walks read, without the pixels."""
    data = open(path, "rb").read()
    offset, out = 2, b"\xff\xd8"
    while True:
        marker = data[offset + 1]
        length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        segment = data[offset:offset + 2 + length]
        offset += 2 + length
        if marker == 0xE1 and len(segment) > 2048:  # an EXIF thumbnail: the tags come first
            continue
        out += segment
        if marker == 0xDA:
            return out + data[offset:offset + 64] + b"\xff\xd9"


def exif_payload(jpeg):
    offset = 2
    while offset + 4 <= len(jpeg):
        marker = jpeg[offset + 1]
        length = struct.unpack(">H", jpeg[offset + 2:offset + 4])[0]
        if marker == 0xE1 and jpeg[offset + 4:offset + 10] == b"Exif\0\0":
            return jpeg[offset + 10:offset + 2 + length]
        offset += 2 + length
    return None


photos = "Tests/Fixtures/Photos"
for name in ("good-exif-rotated.jpg", "recent-date.jpg", "edited-by-app.jpg", "grayscale-1ch.jpg"):
    cut = jpeg_segments(os.path.join(photos, name))
    write("jpeg-structure", name, cut)
    payload = exif_payload(cut)
    if payload:
        write("exif", name.replace(".jpg", ".tiff"), payload)
# A truncated file (no end marker) and fill bytes between markers, which the walks must step over.
write("jpeg-structure", "truncated.jpg", jpeg_segments(os.path.join(photos, "good.jpg"))[:-2])
write("jpeg-structure", "fill-bytes.jpg", b"\xff\xd8\xff\xff\xff\xe0\x00\x04AB\xff\xda\x00\x02\x01\xff\x00\xff\xd9")


def tiff(big_endian, ifd0, exif_ifd):
    """A TIFF with IFD0 and an EXIF IFD; each entry (tag, type, count, value bytes) stored inline or after."""
    order = ">" if big_endian else "<"
    out = bytearray((b"MM" if big_endian else b"II") + struct.pack(order + "HI", 42, 8))

    def ifd(entries, start):
        body = bytearray(struct.pack(order + "H", len(entries)))
        extra = bytearray()
        data_start = start + 2 + 12 * len(entries) + 4
        for tag, kind, count, value in entries:
            if len(value) <= 4:
                field = value.ljust(4, b"\0")
            else:
                field = struct.pack(order + "I", data_start + len(extra))
                extra += value
            body += struct.pack(order + "HHI", tag, kind, count) + field
        return body + b"\0\0\0\0" + extra

    first = ifd(ifd0 + [(0x8769, 4, 1, b"\0\0\0\0")], 8)
    pointer = 8 + len(first)
    first = ifd(ifd0 + [(0x8769, 4, 1, struct.pack(order + "I", pointer))], 8)
    out += first + ifd(exif_ifd, pointer)
    return bytes(out)


stamp = b"2024:05:06 07:08:09\0"
write("exif", "little-endian.tiff", tiff(False, [(0x0112, 3, 1, struct.pack("<H", 6)), (0x0131, 2, 4, b"GIM\0")],
                                         [(0x9003, 2, 20, stamp)]))
write("exif", "big-endian.tiff", tiff(True, [(0x0112, 3, 1, struct.pack(">H", 8)), (0x0132, 2, 20, stamp),
                                             (0x0131, 2, 12, b"  Snapseed  \0")], []))

# Trial CSV: the shapes TrialTests reads, and a CRLF export.
write("trial-csv", "all-columns.csv", "application_id,slot,bytes,pages,submitted_at\n"
      "A,photo,100000,,2026-01-05\nA,attachment,900000,3,2026-01-05T10:00:00Z\nB,attachment,5,1,1767571200\n"
      "A,additional,7777777,1,2026-02-01\n")
write("trial-csv", "reordered-crlf.csv", "submitted_at,bytes,slot,application_id\r\n"
      "2025-12-31 23:59:59,2500000,attachment,APP-1\r\n\r\n1767571200,12,photo,APP-2\r\n")
write("trial-csv", "minimal.csv", "application_id,slot,bytes\nA,attachment,12\n")

# Bulk CSV: the sample archive's, and the quoting RFC 4180 allows.
sample = zipfile.ZipFile("SampleDocs/archives/sample.zip")
write("bulk-csv", "sample.csv", sample.read("applications.csv"))
write("bulk-csv", "quoted.csv", "\r\n\r\nFile,Slot,Application_ID,title\r\n"
      "\"dir/a,b.pdf\",attachment,A-1,\"say \"\"hi\"\"\nthere\"\r\nx.pdf,PHOTO,A-2,\r\n,,,\r\nshort,row\r\n"
      "y.pdf,scan,A-3,t\n")
write("bulk-csv", "header-only.csv", "application_id,slot,file,title,document_type,receipt\n")

# Configuration: the shipped files without their comments, and the value shapes the readers accept.
for name, path in (("intake.conf", "Config/intake.conf"), ("isa-2019.conf", "Config/presets/isa-2019.conf")):
    lines = [line for line in open(path, encoding="utf-8").read().splitlines() if line and not line.startswith("#")]
    write("configuration", name, "\n".join(lines) + "\n")
write("configuration", "values.conf", "extends = intake.conf\nlimits.file = 1.5 GiB # comment\n"
      "worker.lease = 500ms\narchive.max_entries = 12\nsplit.blank_pages_separate = on\n"
      "photo.aspect_ratio = 3:4\nattachment.types = application/pdf, image/png,\n  \t\n")

# Manifests: the first byte is the bundle's page count.
write("manifest", "valid.json", bytes([12]) + b'{"documents": [{"title": "A", "type": "contract", "pages": [1, 5]},'
      b' {"title": "B", "pages": [6, 12]}]}')
write("manifest", "gap.json", bytes([9]) + b'{"documents": [{"title": "\\u66f8", "pages": [1, 2]},'
      b' {"title": "B", "pages": [4, 9]}]}')
write("manifest", "malformed.json", bytes([3]) + b'{"documents": [{"title": "A", "pages": [3]}, {"title": "",'
      b' "pages": [-1, 9223372036854775807]}]}')

# Archives: small ZIPs of each kind the reader handles (stored and deflated entries, a folder root, CP932 and
# flagged UTF-8 names, the Info-ZIP Unicode path, litter), with a few bytes of PDF and JPEG for entries.
header = "application_id,slot,file,title,document_type,receipt\r\n"
tiny_pdf = open(os.path.join(ROOT, "pdf-syntax", "plain.pdf"), "rb").read()[:200]
tiny_jpeg = b"\xff\xd8\xff\xe0\x00\x04AB\xff\xd9"


def archive(name, entries, method=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zip_file:
        for entry, data in entries:
            info = zipfile.ZipInfo(entry, date_time=(2026, 1, 5, 9, 30, 0))
            info.compress_type = method
            zip_file.writestr(info, data)
    write("archive", name, buffer.getvalue())


archive("stored.zip", [("applications.csv", header + "A-1,photo,photo.jpg,,,\r\nA-1,attachment,a.pdf,t,c,r\r\n"
                        "A-2,bundle,missing.pdf,,,\r\nA-2,scan,a.pdf,,,\r\n"),
                       ("photo.jpg", tiny_jpeg), ("a.pdf", tiny_pdf), ("extra.txt", b"x"), (".DS_Store", b"")])
archive("deflated-folder.zip", [("batch/applications.csv", header + "B-1,attachment,sub\\b.pdf,,,\r\n"
                                 "B-1,attachment,../up.pdf,,,\r\nB-1,photo,nested.zip,,,\r\n"),
                                ("batch/sub/b.pdf", tiny_pdf * 4), ("batch/nested.zip", b"PK\x05\x06" + b"\0" * 18),
                                ("__MACOSX/batch/._b.pdf", b"\0")], zipfile.ZIP_DEFLATED)
cp932 = io.BytesIO()
with zipfile.ZipFile(cp932, "w") as zip_file:
    zip_file.writestr("applications.csv", (header + "S-1,attachment,在職①.pdf,髙橋㈱,,\r\n").encode("cp932"))
    zip_file.writestr("AAAAAAAA.pdf", tiny_pdf)
data = cp932.getvalue().replace(b"AAAAAAAA.pdf", "在職①.pdf".encode("cp932"))
write("archive", "cp932.zip", data)
# An entry with an Info-ZIP Unicode path extra field (0x7075) over an undecodable raw name.
raw_name = b"\x81\xff\x81\xff.pdf"  # as long as the placeholder below
unicode_name = "写真.pdf".encode()
field = struct.pack("<HHB", 0x7075, 5 + len(unicode_name), 1) + struct.pack("<I", zlib.crc32(raw_name))
field += unicode_name
unicode_zip = io.BytesIO()
with zipfile.ZipFile(unicode_zip, "w") as zip_file:
    zip_file.writestr("applications.csv", header + "U-1,attachment,写真.pdf,,,\r\n")
    info = zipfile.ZipInfo("XXXX.pdf", date_time=(2026, 1, 5, 9, 30, 0))
    info.extra = field
    zip_file.writestr(info, tiny_pdf)
write("archive", "unicode-path.zip", unicode_zip.getvalue().replace(b"XXXX.pdf", raw_name))
# A Zip64 end record and locator, which archives of more than 65,535 entries carry: zipfile writes them when the
# entry count passes ZIP_FILECOUNT_LIMIT, lowered here; the entry's local header gets a Zip64 extra field too.
zipfile.ZIP_FILECOUNT_LIMIT = 0
zip64 = io.BytesIO()
with zipfile.ZipFile(zip64, "w") as zip_file:
    zip_file.writestr("applications.csv", header + "Z-1,attachment,a.pdf,,,\r\n")
    with zip_file.open(zipfile.ZipInfo("a.pdf", date_time=(2026, 1, 5, 9, 30, 0)), "w", force_zip64=True) as entry:
        entry.write(tiny_pdf)
write("archive", "zip64.zip", zip64.getvalue())
