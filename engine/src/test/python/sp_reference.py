#!/usr/bin/python3
"""SentencePiece reference ids for the tokenizer tests (no BOS, no EOS).

Encodes hard strings of our own with the SentencePiece library and the LLaMA
tokenizer.model from ../shared/data/models, and writes
engine/src/test/resources/tokenizer/sp_reference.json as a list of {text, ids}.

It also writes three tiny hand-made BPE models (corner-*.model, built here as raw protobuf bytes,
since Debian's module ships without the protobuf classes) and corner_cases.json with the library's
ids for strings that hit SentencePiece's corners: score ties, UNUSED pieces (merged through, never
output), USER_DEFINED pieces, pieces made of characters that are not pieces themselves, byte
fallback, and the normalizer switches add_dummy_prefix / remove_extra_whitespaces.
The outputs are committed, so the Java tests need no Python.

Regenerate (Debian's python, which has the module; the pyenv python3 on PATH does not):
    apt-get update && apt-get install -y python3-sentencepiece
    /usr/bin/python3 engine/src/test/python/sp_reference.py        # from the repository root
tok512.bin has no .model source, so only tokenizer.model is used here.
"""
import json
import os
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
MODEL = os.path.join(REPO, "..", "shared", "data", "models", "tokenizer.model")
OUT = os.path.join(REPO, "engine", "src", "test", "resources", "tokenizer", "sp_reference.json")

PARAGRAPH = (
    "The federated setting splits the data across many clients, each of which fine-tunes "
    "an adapter on its own shard while the server keeps the full model.\n\n"
    "  Indented line with two leading spaces, a tab\there, and trailing spaces   \n"
    "Numbers: 3.14159, 2,718,281,828, -42, 1e-5, 0x7FFF, 2024-07-04T12:00:00Z.\n"
    "Quotes \"double\", 'single', «guillemets», „German“, and ‘curly’ — em dash – en dash… ellipsis.\n"
    "Café déjà vu, naïve coöperation, Ångström, Straße, Ελληνικά, русский текст, עברית, العربية.\n"
    "日本語の文章と中文句子，还有한국어 문장。 Emoji: 👍🏽 🇫🇷 👨‍👩‍👧‍👦 ❤️ 🤖.\n"
    "Code: for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; } // done\n"
) * 3

STRINGS = [
    "",
    " ",
    "  ",
    "     ",
    "a",
    " a",
    "a ",
    "  leading two",
    "trailing two  ",
    "several     inner      spaces",
    "\t",
    "\ttab\tseparated\tvalues\t",
    "\n",
    "line one\nline two\r\nline three\n\n\nafter blanks",
    " \n \t \r ",
    "é",
    "école élève",
    "Müller über Größe",
    "e\u0301cole (combining acute)",
    "a\u0308\u0304 stacked marks \u0323\u0307",
    "Ñandú, ½ ¾, ﬁ ligature, Ⅻ roman",
    "中文测试",
    "日本語のテキスト、カタカナ、ひらがな。",
    "한국어 텍스트",
    "😀",
    "😀😃😄",
    "👨‍👩‍👧‍👦 family",
    "🏳️‍🌈 rainbow flag",
    "🇺🇸🇯🇵🇩🇪 flags",
    "👍🏽 skin tone",
    "❤️ heart with VS16",
    "𝕳𝖊𝖑𝖑𝖔 math fraktur",
    "\U0001F9EC dna",
    "Gothic 𐌰𐌱𐌲, Linear B 𐀀𐀁, cuneiform 𒀀𒀁",
    "ᚠᚢᚦᚨᚱᚲ runes",
    "ꦲꦏ꧀ꦱꦫ Javanese",
    "\ufffd replacement",
    "\U0010ffff lone high code point",
    "\U000e0041 tag char",
    "\u200b zero width \u200d joiner \ufeff bom",
    "\x00 nul and \x7f del",
    "0",
    "42",
    "1234567890",
    "3141592653589793238462643383279502884197169399375105820974944592",
    "v1.2.3-rc.4+build.5",
    "$1,000,000.00 (USD) — 50% off!!!",
    "?!?!...;;::--__==++**&&||^^~~``",
    "<s> not a control token </s>",
    "<0x41> literal byte piece <unk>",
    "▁already▁escaped▁spaces",
    "http://example.com/path?q=1&r=two#frag",
    "def f(x):\n    return x ** 2  # square\n",
    PARAGRAPH,
]


NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

CORNER_PIECES = (
    [("<unk>", 0.0, UNKNOWN), ("<s>", 0.0, CONTROL), ("</s>", 0.0, CONTROL)]
    + [("<0x%02X>" % b, 0.0, BYTE) for b in range(256)]
    + [
        ("ab", -1.0, NORMAL), ("bc", -1.0, NORMAL),          # a tie: the leftmost pair merges first
        ("abc", -3.0, NORMAL),
        ("cd", -0.5, UNUSED), ("cde", -2.0, NORMAL),          # cde is only reachable through unused cd
        ("\u2581a", -4.0, NORMAL), ("\u2581\u2581", -5.0, NORMAL),
        ("xy", -1.5, NORMAL),                                 # x and y are not pieces on their own
        ("<tag>", 0.0, USER_DEFINED), ("ta", -0.2, NORMAL),
        ("\u2581", -10.0, NORMAL), ("a", -11.0, NORMAL), ("b", -12.0, NORMAL), ("c", -13.0, NORMAL),
        ("d", -14.0, NORMAL), ("e", -15.0, NORMAL), ("t", -16.0, NORMAL), ("g", -17.0, NORMAL),
        ("<", -18.0, NORMAL), (">", -19.0, NORMAL), ("s", -20.0, NORMAL),
    ]
)

CORNER_MODELS = {  # name: (add_dummy_prefix, remove_extra_whitespaces)
    "corner-llama": (True, False),
    "corner-collapse": (True, True),
    "corner-noprefix": (False, False),
}

CORNER_STRINGS = [
    "", " ", "   ", "abc", "bcd", "cd", "cde", "abcde", "xy", "xyz", "a<tag>b", "<tag>", "<ta<tag>g>",
    "<s>a</s>", "  a  b  ", " a", "a ", "ab  cd   e", "é", "a\tb\nc", "\u2581a",
]


def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, wire, payload):
    key = _varint(number << 3 | wire)
    if wire == 0:
        return key + _varint(payload)
    if wire == 5:
        return key + payload
    return key + _varint(len(payload)) + payload


def corner_model(add_dummy_prefix, remove_extra_whitespaces):
    """ModelProto bytes: pieces (1), trainer_spec (2), normalizer_spec (3)."""
    import struct
    out = b""
    for piece, score, kind in CORNER_PIECES:
        sp = _field(1, 2, piece.encode("utf-8")) + _field(2, 5, struct.pack("<f", score)) + _field(3, 0, kind)
        out += _field(1, 2, sp)
    trainer = (_field(3, 0, 2) + _field(4, 0, len(CORNER_PIECES)) + _field(35, 0, 1)
               + _field(40, 0, 0) + _field(41, 0, 1) + _field(42, 0, 2) + _field(43, 0, -1))
    normalizer = (_field(1, 2, b"identity") + _field(3, 0, int(add_dummy_prefix))
                  + _field(4, 0, int(remove_extra_whitespaces)) + _field(5, 0, 1))
    return out + _field(2, 2, trainer) + _field(3, 2, normalizer)


def write_corner_cases():
    rows = []
    for name, (prefix, collapse) in CORNER_MODELS.items():
        data = corner_model(prefix, collapse)
        with open(os.path.join(os.path.dirname(OUT), name + ".model"), "wb") as f:
            f.write(data)
        sp = spm.SentencePieceProcessor(model_proto=data)
        for s in CORNER_STRINGS:
            rows.append({"model": name, "text": s, "ids": sp.encode(s), "decoded": sp.decode(sp.encode(s))})
    with open(os.path.join(os.path.dirname(OUT), "corner_cases.json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=True) for r in rows) + "\n]\n")
    print("wrote %d corner cases" % len(rows))


def main():
    write_corner_cases()
    sp = spm.SentencePieceProcessor(model_file=MODEL)
    rows = [{"text": s, "ids": sp.encode(s)} for s in STRINGS]
    for row in rows:
        if sp.decode(row["ids"]) != row["text"]:
            # Expected for a literal U+2581: it decodes as a space.
            print("note: SentencePiece does not round-trip %r" % row["text"], file=sys.stderr)
    with open(OUT, "w", encoding="utf-8") as f:
        # One row a line: readable diffs when the strings change.
        f.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=True) for r in rows) + "\n]\n")
    print("wrote %d strings to %s (sentencepiece %s)" % (len(rows), OUT, spm.__version__))


if __name__ == "__main__":
    main()
