#!/usr/bin/env python3
"""Writes bulk archives (SPEC §9) into OUT, one per case the tests check, with real tools: Python's zipfile,
Info-ZIP's zip (encryption with -e, symlinks with -y) and 7-Zip, plus archives patched the way Windows' Explorer
writes names (CP932, no UTF-8 flag) or the way zip bombs lie.

  scripts/make-archives.py OUT SAMPLES    (SAMPLES: SampleDocs/APP-2026-0001)

OUT/sample.zip is the README's example: three applications, one bad row of each common kind.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

out, samples = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
clean = open(os.path.join(samples, "01-certificate-of-employment.pdf"), "rb").read()
locked = open(os.path.join(samples, "03-tax-certificate.pdf"), "rb").read()
photo = open(os.path.join(samples, "photo.jpg"), "rb").read()
bundle = open(os.path.join(samples, "bundles", "09-evidence-bundle.pdf"), "rb").read()
HEADER = "application_id,slot,file,title,document_type,receipt\r\n"


def python_zip(name, csv, files, encoding="utf-8-sig", method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(os.path.join(out, name), "w", method) as archive:
        if csv is not None:
            archive.writestr("applications.csv", csv.encode(encoding) if isinstance(csv, str) else csv)
        for entry, data in files:
            archive.writestr(entry, data)


def tool(*command, cwd):
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Good rows, UTF-8 with a BOM (what Excel's "CSV UTF-8" writes): a photo, attachments and a bundle.
python_zip("utf8-bom.zip", HEADER
           + "BULK-1,photo,書類/photo.jpg,顔写真,,\r\n"
           + "BULK-1,attachment,書類/在職証明書.pdf,在職証明書,certificate,\r\n"
           + "BULK-2,bundle,書類/bundle.pdf,,,\r\n"
           + "BULK-2,attachment,書類/納税証明書.pdf,納税証明書,,\r\n",
           [("書類/photo.jpg", photo), ("書類/在職証明書.pdf", clean), ("書類/bundle.pdf", bundle),
            ("書類/納税証明書.pdf", locked)])

# Shift_JIS (CP932) CSV with Japanese titles that plain Shift_JIS lacks (①, ㈱, 髙), and CP932 entry names
# without the UTF-8 flag, as Windows' Explorer writes them: zipfile writes placeholder names of the same length,
# then the bytes are swapped in both headers.
names = {real: letter * (len(real.encode("cp932")) - 4) + ".pdf"
         for real, letter in (("在職証明書①.pdf", "A"), ("髙橋㈱/契約書.pdf", "B"))}
cp932_csv = (HEADER + "SJIS-1,attachment,在職証明書①.pdf,在職証明書①,,\r\n"
             + "SJIS-1,attachment,髙橋㈱/契約書.pdf,髙橋㈱ 雇用契約書,,\r\n")
python_zip("cp932.zip", cp932_csv, [(placeholder, clean if i == 0 else locked)
                                    for i, placeholder in enumerate(names.values())], encoding="cp932")
data = open(os.path.join(out, "cp932.zip"), "rb").read()
for real, placeholder in names.items():
    data = data.replace(placeholder.encode(), real.encode("cp932"))
open(os.path.join(out, "cp932.zip"), "wb").write(data)

# An ASCII name with the Info-ZIP Unicode path extra field (0x7075) giving the real one, as some tools write.
with zipfile.ZipFile(os.path.join(out, "unicode-path.zip"), "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("applications.csv", (HEADER + "UPATH-1,attachment,申請書①.pdf,,,\r\n").encode("utf-8"))
    info = zipfile.ZipInfo("SHINSEI1.pdf")
    field = b"\x01" + struct.pack("<I", zlib.crc32(b"SHINSEI1.pdf")) + "申請書①.pdf".encode()
    info.extra = struct.pack("<HH", 0x7075, len(field)) + field
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, clean)

# The README's example: good rows and one of each common mistake.
python_zip("sample.zip", HEADER
           + "SAMPLE-1,photo,SAMPLE-1/photo.jpg,顔写真,,\r\n"
           + "SAMPLE-1,attachment,SAMPLE-1/在職証明書.pdf,在職証明書,,\r\n"
           + "SAMPLE-2,attachment,SAMPLE-2/納税証明書.pdf,納税証明書,,\r\n"
           + "SAMPLE-2,attachment,SAMPLE-2/住民票.pdf,住民票,,\r\n"
           + "SAMPLE-3,scan,SAMPLE-3/雇用契約書.pdf,雇用契約書,,\r\n",
           [("SAMPLE-1/photo.jpg", photo), ("SAMPLE-1/在職証明書.pdf", clean), ("SAMPLE-2/納税証明書.pdf", locked),
            ("SAMPLE-3/雇用契約書.pdf", clean), ("SAMPLE-3/メモ.txt", b"memo"), ("__MACOSX/._photo.jpg", b"junk"),
            (".DS_Store", b"junk")])

python_zip("missing.zip", HEADER + "MISS-1,attachment,docs/tax.pdf,,,\r\n", [("docs/other.pdf", clean)])
python_zip("unlisted.zip", HEADER + "LIST-1,attachment,a.pdf,,,\r\n", [("a.pdf", clean), ("b.pdf", clean)])
escape = sys.argv[3] if len(sys.argv) > 3 else "/tmp/intake-escape"
python_zip("traversal.zip", HEADER + f"ESC-1,attachment,../../../../../..{escape}-dots.pdf,,,\r\n"
           + f"ESC-1,attachment,{escape}-absolute.pdf,,,\r\n",
           [(f"../../../../../..{escape}-dots.pdf", clean), (f"{escape}-absolute.pdf", clean)])
python_zip("nested.zip", HEADER + "NEST-1,attachment,inner.zip,,,\r\nNEST-1,attachment,disguised.pdf,,,\r\n",
           [("inner.zip", open(os.path.join(out, "missing.zip"), "rb").read()),
            ("disguised.pdf", open(os.path.join(out, "missing.zip"), "rb").read())])
# A ratio bomb: 60 MB of zeros deflate to about 60 kB.
python_zip("ratio-bomb.zip", HEADER + "BOMB-1,attachment,zeros.pdf,,,\r\n", [("zeros.pdf", b"\0" * 60_000_000)])
python_zip("no-csv.zip", None, [("a.pdf", clean)])
python_zip("bad-header.zip", "application,slot,file\r\nX,attachment,a.pdf\r\n", [("a.pdf", clean)])
python_zip("undecodable.zip", b"application_id,slot,file\r\nOK-1,attachment,a.pdf\r\n\xff\xfe,attachment,a.pdf\r\n",
           [("a.pdf", clean)])

# Headers that understate: the entry's declared size is cut in both headers, its data left as it is.
python_zip("understated.zip", HEADER + "LIE-1,attachment,a.pdf,,,\r\n", [("a.pdf", clean)])
data = bytearray(open(os.path.join(out, "understated.zip"), "rb").read())
for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
    start = 0
    while (start := data.find(signature, start)) >= 0:
        name_at = 30 if signature == b"PK\x03\x04" else 46
        name_length = struct.unpack_from("<H", data, start + (26 if signature == b"PK\x03\x04" else 28))[0]
        if data[start + name_at:start + name_at + name_length] == b"a.pdf":
            struct.pack_into("<I", data, start + size_at, 100)
        start += 4
open(os.path.join(out, "understated.zip"), "wb").write(bytes(data))

# David Fifield's trick at its smallest: a second central directory entry whose local header is the first one's,
# so both inflate the same compressed bytes.
python_zip("overlap.zip", HEADER + "OVER-1,attachment,a.pdf,,,\r\n", [("a.pdf", clean)])
data = bytearray(open(os.path.join(out, "overlap.zip"), "rb").read())
eocd = data.rfind(b"PK\x05\x06")
count, size, offset = struct.unpack_from("<HIIxx", data, eocd + 10)[0], *struct.unpack_from("<II", data, eocd + 12)
directory = data[offset:offset + size]
records, cursor = [], 0
while cursor < len(directory):
    lengths = struct.unpack_from("<HHH", directory, cursor + 28)
    records.append(bytes(directory[cursor:cursor + 46 + sum(lengths)]))
    cursor += 46 + sum(lengths)
twin = bytearray(next(r for r in records if r[46:46 + 5] == b"a.pdf"))
new_directory = b"".join(records) + bytes(twin)
tail = bytearray(data[eocd:])
struct.pack_into("<HHII", tail, 8, count + 1, count + 1, len(new_directory), offset)
open(os.path.join(out, "overlap.zip"), "wb").write(bytes(data[:offset]) + new_directory + bytes(tail))

# A central directory that names an entry other than its local header does.
python_zip("disagree.zip", HEADER + "DIS-1,attachment,a.pdf,,,\r\n", [("a.pdf", clean)])
data = bytearray(open(os.path.join(out, "disagree.zip"), "rb").read())
record = data.rfind(b"PK\x01\x02")
data[record + 46:record + 51] = b"z.pdf"
open(os.path.join(out, "disagree.zip"), "wb").write(bytes(data))

whole = open(os.path.join(out, "utf8-bom.zip"), "rb").read()
open(os.path.join(out, "truncated.zip"), "wb").write(whole[: len(whole) // 2])
open(os.path.join(out, "not-a-zip.zip"), "wb").write(clean)

# Info-ZIP: an encrypted entry (-e), and a symbolic link stored as a link (-y); the CSV added unencrypted.
work = tempfile.mkdtemp()
try:
    open(os.path.join(work, "secret.pdf"), "wb").write(clean)
    open(os.path.join(work, "applications.csv"), "w").write(
        HEADER + "ENC-1,attachment,secret.pdf,,,\r\nENC-1,attachment,link.pdf,,,\r\n")
    os.symlink("/etc/passwd", os.path.join(work, "link.pdf"))
    tool("zip", "-q", "-e", "-P", "secret", os.path.join(out, "infozip.zip"), "secret.pdf", cwd=work)
    tool("zip", "-q", "-y", os.path.join(out, "infozip.zip"), "applications.csv", "link.pdf", cwd=work)
    # Info-ZIP on Linux writes UTF-8 names without the UTF-8 flag.
    os.makedirs(os.path.join(work, "plain"))
    open(os.path.join(work, "plain", "applications.csv"), "w").write(HEADER + "UNIX-1,attachment,住民票.pdf,,,\r\n")
    open(os.path.join(work, "plain", "住民票.pdf"), "wb").write(clean)
    tool("zip", "-q", os.path.join(out, "infozip-utf8.zip"), "applications.csv", "住民票.pdf",
         cwd=os.path.join(work, "plain"))
    # 7-Zip, ZIP format, UTF-8 names.
    os.makedirs(os.path.join(work, "seven"))
    open(os.path.join(work, "seven", "applications.csv"), "w").write(
        HEADER + "SEVEN-1,attachment,証明書.pdf,証明書,,\r\n")
    open(os.path.join(work, "seven", "証明書.pdf"), "wb").write(clean)
    tool("7z", "a", "-tzip", os.path.join(out, "7zip.zip"), "applications.csv", "証明書.pdf",
         cwd=os.path.join(work, "seven"))
finally:
    shutil.rmtree(work)
