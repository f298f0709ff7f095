#!/usr/bin/env python3
"""Token-id and chat-template reference for SmolLM2-135M-Instruct (GGUF), for the Rust tokenizer.

Writes smollm2_tokens.json beside this script. Run with the venv from bench/nlp-python-env.sh:

    $(bench/nlp-python-env.sh) crates/pgml-nlp/tests/data/make_smollm2_token_reference.py \
        [--gguf PATH] [--llama-tokenize PATH]

The GGUF has no tokenizer.json; its metadata holds the byte-level BPE vocabulary and merges
(tokenizer.ggml.model = "gpt2"), the pre-tokenizer name (tokenizer.ggml.pre = "smollm"), the
17 control tokens and the chat template. Three tokenizers are compared:

  1. reference ("ids"): a `tokenizers` BPE built here from the GGUF's tokens and merges, with
     the pre-tokenizer llama.cpp uses for "smollm" (and SmolLM2's original tokenizer.json has):
     Digits(individual_digits=True) then ByteLevel(add_prefix_space=False, use_regex=True)
     (GPT-2 regex), no normalizer, the 17 control tokens as special added tokens.
  2. transformers' GGUF loader: AutoTokenizer.from_pretrained(dir, gguf_file=...).
  3. llama.cpp itself (the copy in llama-cpp-sys-2), through pgml-llama-tokenize built by
     bench/llama_reference.sh build (skipped when that binary is missing).

Every case is encoded without adding special tokens (no BOS; the GGUF says add_bos_token=false),
with special-token strings such as "<|im_start|>" in the text recognised as their control token
(llama.cpp's parse_special=true). For texts that contain such strings, "ids_split_special" is
the encoding with them treated as plain text (parse_special=false) instead. Where a tokenizer
disagrees with "ids", the case carries its ids too ("ids_transformers_gguf", "ids_llama_cpp").
"""
import argparse
import json
import os
import random
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gguf  # noqa: E402
import jinja2  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from gguf import GGUFReader  # noqa: E402
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(os.environ.get("PGML_MODEL_DIR", "/var/cache/pgml/models"),
                         "HuggingFaceTB/SmolLM2-135M-Instruct")
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_TOOL = os.path.join(os.environ.get("PGML_CACHE", "/var/cache/pgml"),
                            "llama-bench-build/build/bin/pgml-llama-tokenize")
OUT = os.path.join(HERE, "smollm2_tokens.json")

# ----------------------------------------------------------------------------------------------
# the strings
PROSE = [
    "Hello world",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "The capital of France is",
    "What is the capital of France?",
    "Once upon a time, there was a little girl who lived in a village near the forest.",
    "PostgreSQL is a powerful, open source object-relational database system.",
    "Machine learning models can be trained directly inside the database.",
    "Retrieval-augmented generation combines search with a language model.",
    "I can't believe it's not butter!",
    "I'm sure they'll say we've done what we'd planned.",
    "DON'T SHOUT. IT'S RUDE, ISN'T IT?",
    "She said: \"Don't worry.\" He replied: 'Fine.'",
    "It’s a curly apostrophe — and an em dash – and an en dash.",
    "Mr. Smith went to Washington D.C. on Jan. 5th, i.e. last week, e.g. Tuesday.",
    "Supercalifragilisticexpialidocious is a long word; antidisestablishmentarianism is longer.",
    "The mitochondria is the powerhouse of the cell.",
    "To be, or not to be, that is the question:",
    "Whether 'tis nobler in the mind to suffer the slings and arrows of outrageous fortune,",
    "In the beginning God created the heaven and the earth.",
    "Summarize the following text in one sentence.",
    "Translate to French: Where is the train station?",
    "Q: Why is the sky blue?\nA: Because of Rayleigh scattering.",
    "Dear Sir or Madam,\n\nI am writing to complain about my order.\n\nYours faithfully,\nJane",
    "lowercase sentence without punctuation",
    "ALL CAPS SENTENCE WITH NO LOWERCASE",
    "MiXeD cAsE tExT iS hArD tO rEaD",
    "camelCaseIdentifier and snake_case_identifier and kebab-case-identifier",
    "e-mail, co-operate, re-enter, well-known, state-of-the-art",
    "(parenthetical remark) [bracketed] {braced} <angled>",
    "Wait... what?!?! Really??? No!!!",
    "#hashtag @mention $dollar %percent ^caret &ampersand *asterisk",
    "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
    "mailto:jane.doe@example.com",
    "C:\\Users\\Jane\\Documents\\report.docx",
    "/usr/local/lib/postgresql/pgml.so",
    "The year 1999 was followed by 2000; the year 2024 by 2025.",
    "Tokenization splits text into sub-word units.",
    "a",
    "A",
    "I",
    ".",
    "the",
    " the",
    "The",
    " The",
    "antidisestablishmentarianism",
    "Pneumonoultramicroscopicsilicovolcanoconiosis",
]

CODE = [
    "def f(x):\n    return x ** 2\n",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "class Foo(Bar):\n    \"\"\"Docstring.\"\"\"\n\n    def __init__(self, *args, **kwargs):\n        super().__init__(*args, **kwargs)\n",
    "import numpy as np\nx = np.arange(10).reshape(2, 5)\nprint(x.T @ x)\n",
    "for i in range(10):\n\tprint(i)\n",
    "if (a && b || !c) { return a != b; }",
    "fn main() {\n    let v: Vec<u32> = (0..10).collect();\n    println!(\"{:?}\", v);\n}\n",
    "impl<'a, T: Clone + Send> Iterator for Foo<'a, T> { type Item = &'a T; }",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n",
    "SELECT pgml.embed('sentence-transformers/all-MiniLM-L6-v2', 'hello');",
    "SELECT id, body FROM docs ORDER BY pgml.cosine_similarity(embedding, $1) DESC LIMIT 5;",
    "CREATE TABLE t (id bigserial PRIMARY KEY, body text NOT NULL, v real[]);",
    "{\"task\": \"text-generation\", \"model\": \"HuggingFaceTB/SmolLM2-135M-Instruct\", \"max_new_tokens\": 32}",
    "[1, 2, 3, {\"a\": null, \"b\": true, \"c\": [false, 1.5e-3]}]",
    "<html><head><title>Test</title></head><body><p class=\"x\">Hi &amp; bye</p></body></html>",
    "<div id=\"main\">\n  <span>nested</span>\n</div>",
    "$ ls -la | grep '^d' | awk '{print $9}' > dirs.txt 2>&1",
    "export PATH=\"$HOME/.cargo/bin:$PATH\" && cargo build --release",
    "git commit -m \"Fix: handle empty input\" --no-verify",
    "x = [i**2 for i in range(100) if i % 3 == 0]",
    "lambda x, y: (x + y) / 2",
    "const add = (a, b) => a + b; // arrow function",
    "console.log(`template ${literal} string`);",
    "a = b ? c : d; x += 1; y -= 2; z *= 3; w /= 4; q %= 5;",
    "0x7FFF_FFFF 0b1010 0o777 1_000_000 3.14f32 2e10 1e-9",
    "std::vector<std::pair<int, std::string>> v;",
    "    indented with four spaces",
    "\tindented with a tab",
    "        eight spaces",
    "                sixteen spaces",
    "line one\n    line two\n        line three\n",
    "# Markdown heading\n\n- item one\n- item two\n\n```python\nprint('hi')\n```\n",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "key: value\nlist:\n  - one\n  - two\n",
    "[section]\nname = \"pgml\"\nversion = \"0.1.0\"\n",
    "-- SQL comment\n/* block comment */",
    "regex: ^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
    "a==b!=c<=d>=e<<f>>g->h=>i::j",
    "__init__ __main__ __name__ _private __dunder__",
    "print(\"Hello, world!\")",
]

WHITESPACE = [
    "",
    " ",
    "  ",
    "   ",
    "    ",
    " " * 16,
    " " * 33,
    "\t",
    "\t\t",
    "\n",
    "\n\n",
    "\n\n\n",
    "\n" * 10,
    "\r\n",
    "\r\n\r\n",
    " \n ",
    "\n \n",
    " \t \n",
    "a b",
    "a  b",
    "a   b",
    "a\tb",
    "a\t\tb",
    "a\nb",
    "a\n\nb",
    "a \nb",
    "a\n b",
    " leading space",
    "  two leading spaces",
    "trailing space ",
    "trailing spaces   ",
    "trailing newline\n",
    "\nleading newline",
    "word\u00a0nbsp",
    "em\u2003space and thin\u2009space",
    "ideographic\u3000space",
    "zero\u200bwidth",
    "vertical\x0btab and form\x0cfeed",
    "end with tab\t",
    "mixed \t\n\r\n  whitespace \t",
]

DIGITS = [
    "0",
    "1",
    "12",
    "123",
    "1234",
    "1234567890",
    " 1",
    " 42",
    "x 123 y",
    "abc123def",
    "3.14159",
    "-273.15",
    "+1 (555) 123-4567",
    "1,000,000",
    "1.000.000,00",
    "$3,456,789.01",
    "12.5%",
    "2024-12-31T23:59:59Z",
    "v1.2.3-rc.4",
    "192.168.0.1:5432",
    "10^9",
    "1e-10",
    "1/2 + 3/4 = 5/4",
    "007",
    "COVID-19",
    "Windows 11 and macOS 14",
    "١٢٣ Arabic-Indic digits",
    "१२३ Devanagari digits",
    "½ ¼ ¾ fractions",
    "x² + y³ = z⁴",
    "Ⅻ Ⅳ Roman numerals",
    "①②③ circled",
    "１２３ fullwidth",
    "9999999999999999999999",
    "3rd 21st 42nd 100th",
]

UNICODE = [
    "Café, naïve, façade, résumé, jalapeño, Zürich, São Paulo.",
    "ÀÉÎÕÜ àéîõü ñÑ çÇ ßẞ",
    "e\u0301 (combining) vs \u00e9 (precomposed)",
    "Ångström Øresund Łódź İstanbul Þórr",
    "Привет, мир! Как дела?",
    "Γειά σου Κόσμε",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "ສະບາຍດີ",
    "გამარჯობა",
    "Բարեւ աշխարհ",
    "你好，世界！",
    "我喜欢在公园里散步。",
    "東京は日本の首都です。",
    "ひらがな カタカナ 漢字",
    "안녕하세요, 만나서 반갑습니다.",
    "Tiếng Việt có dấu",
    "Ελληνικά και English mixed",
    "English 中文 日本語 한국어 mixed",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝐛𝐨𝐥𝐝",
    "ﬁ ﬂ ligatures",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "∑ ∏ ∫ √ ∞ ≠ ≈ ≤ ≥ ∈ ∉ ∀ ∃",
    "α β γ δ ε λ μ π σ ω",
    "→ ← ↑ ↓ ⇒ ⇔",
    "© ® ™ § ¶ † ‡ • …",
    "€ £ ¥ ₹ ₿ ¢",
    "“double” ‘single’ «guillemets» „low“",
    "soft\u00adhyphen",
    "bom\ufeffinside",
    "rtl\u202eoverride\u202c",
    "\u0000nul byte",
    "bell\x07 and escape\x1b[0m",
    "replacement \ufffd char",
    "private use \ue000 char",
    "noncharacter \uffff",
    "Zalgo: Z̷̢̛a̶̡͝l̸̨̛g̵̢̛o̷̧͝",
    "Hangul jamo: 각",
]

EMOJI = [
    "😀",
    "🙂🙃",
    "I love pizza 🍕🍕 and coffee ☕!",
    "👍🏽 thumbs up with skin tone",
    "👨‍👩‍👧‍👦 family with zero-width joiners",
    "🏳️‍🌈 flag with variation selector",
    "🇫🇷🇩🇪🇯🇵 regional indicators",
    "❤️ heart with VS16",
    "⭐️✨🔥💯",
    "1️⃣ keycap",
    "🤖 robot says hi",
    "emoji at end 🎉",
    "🎉 emoji at start",
    "text😀text",
    "😀 😀  😀",
    "🧑🏻‍💻 technologist",
    "🐘 PostgreSQL 🐘",
    "🦀 Rust 🦀",
    "ℹ️ info ⚠️ warning ❌ error ✅ ok",
    "🫠🫡🫥 newer emoji",
]

SPECIAL = [
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|im_start|><|im_end|>",
    "<|im_start|>user\nHello!<|im_end|>\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>assistant\nThe answer is 4.<|im_end|>",
    "text before<|endoftext|>text after",
    " <|im_start|> spaced ",
    "<|im_start|>\n<|im_start|>",
    "<|im_start |> not special",
    "<|IM_START|> wrong case",
    "< |im_start|> broken",
    "<|im_start|",
    "|im_start|>",
    "<|unknown|>",
    "<repo_name>pgml<file_sep>src/lib.rs",
    "<filename>main.py\n<gh_stars>100",
    "<issue_start>bug<issue_comment>fix<issue_closed>",
    "<jupyter_start><jupyter_text>hi<jupyter_code>print(1)<jupyter_output>1<empty_output>",
    "<reponame>",
    "<jupyter_script>",
    "<s> </s> [INST] [/INST] <unk>",
    "<|system|> <|user|> <|assistant|>",
    "<|im_end|><|im_end|><|im_end|>",
]


def generated_cases(n, exclude, seed=20261127):
    """Deterministic random strings from a pool of pieces that stress the pre-tokenizer."""
    rng = random.Random(seed)
    seen = set(exclude)
    pieces = [
        "the", "The", " and", "data", "base", "SQL", "ing", "'s", "'ll", "n't", "?", "!", ".", ",",
        "...", "-", "_", "/", "\\", "(", ")", "[", "]", "{", "}", ":", ";", "\"", "'", "`",
        " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "0", "7", "42", "123", "2024", "3.5", "1e3",
        "é", "ü", "ñ", "ß", "я", "ж", "中", "文", "日本", "한", "ع", "א", "ह", "ไ", "😀", "👍🏽",
        "🇯🇵", "∑", "→", "€", "\u00a0", "\u200b", "<|im_start|>", "<|im_end|>", "<|endoftext|>",
        "<|", "|>", "<", ">", "|", "def", "fn", "let", "=>", "::", "==", "!=", "&&", "||",
        "http://", "www.", ".com", "@", "#", "$", "%", "^", "&", "*", "+", "=", "~",
    ]
    out = []
    while len(out) < n:
        k = rng.randint(1, 24)
        s = "".join(rng.choice(pieces) for _ in range(k))
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


LONG = [
    "a" * 1000,
    " ".join(["word"] * 300),
    "The quick brown fox jumps over the lazy dog. " * 40,
    "x" * 64 + "y" * 64,
    "0123456789" * 20,
    "\n".join(f"line {i}: value={i * 37 % 101}" for i in range(40)),
]


# ----------------------------------------------------------------------------------------------
def gguf_metadata(path):
    r = GGUFReader(path)
    f = r.fields
    meta = {k: f[k].contents() for k in f
            if k.startswith("tokenizer.") and k not in (
                "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges",
                "tokenizer.ggml.scores")}
    tokens = f["tokenizer.ggml.tokens"].contents()
    types = f["tokenizer.ggml.token_type"].contents()
    merges = f["tokenizer.ggml.merges"].contents()
    return meta, tokens, types, merges


def build_reference_tokenizer(tokens, types, merges):
    vocab = {t: i for i, t in enumerate(tokens)}
    bpe = models.BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges],
                     dropout=None, unk_token=None, continuing_subword_prefix="",
                     end_of_word_suffix="", fuse_unk=False, byte_fallback=False)
    tok = Tokenizer(bpe)
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    # token_type 3 = CONTROL in GGUF (llama.cpp); these are the special added tokens
    specials = [tokens[i] for i, t in enumerate(types) if t == 3]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok, specials


def llama_cpp_tokenize(tool, gguf_path, texts, mode="tokenize"):
    inp = "".join(t.encode("utf-8").hex() + "\n" for t in texts)
    res = subprocess.run([tool, mode, gguf_path], input=inp, capture_output=True, text=True, check=True)
    lines = res.stdout.split("\n")[:len(texts)]
    assert len(lines) == len(texts), (len(lines), len(texts))
    return [[int(x) for x in line.split()] for line in lines]


def llama_cpp_chat(tool, gguf_path, conversations):
    inp = "".join(" ".join(f"{m['role'].encode().hex()} {m['content'].encode().hex()}" for m in c) + "\n"
                  for c in conversations)
    res = subprocess.run([tool, "chat", gguf_path], input=inp, capture_output=True, text=True, check=True)
    lines = res.stdout.split("\n")[:len(conversations)]
    return [None if line == "ERROR" else bytes.fromhex(line).decode("utf-8") for line in lines]


def render_jinja(template, messages, add_generation_prompt):
    # how transformers renders chat templates (ImmutableSandboxedEnvironment, trim/lstrip blocks)
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols"])
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=os.path.join(MODEL_DIR, GGUF_NAME))
    ap.add_argument("--llama-tokenize", default=DEFAULT_TOOL)
    args = ap.parse_args()

    meta, tokens, types, merges = gguf_metadata(args.gguf)
    assert meta["tokenizer.ggml.model"] == "gpt2", meta["tokenizer.ggml.model"]
    assert meta["tokenizer.ggml.pre"] == "smollm", meta["tokenizer.ggml.pre"]
    ref, specials = build_reference_tokenizer(tokens, types, merges)

    from transformers import AutoTokenizer
    hf = AutoTokenizer.from_pretrained(os.path.dirname(args.gguf), gguf_file=os.path.basename(args.gguf))

    texts = PROSE + CODE + WHITESPACE + DIGITS + UNICODE + EMOJI + SPECIAL + LONG
    dups = sorted({t for t in texts if texts.count(t) > 1})
    assert not dups, ("duplicate strings", dups)
    texts += generated_cases(300 - len(texts), texts) if len(texts) < 300 else []

    have_tool = os.access(args.llama_tokenize, os.X_OK)
    llama_ids = llama_cpp_tokenize(args.llama_tokenize, args.gguf, texts) if have_tool else None
    llama_raw = llama_cpp_tokenize(args.llama_tokenize, args.gguf, texts, "tokenize-raw") if have_tool else None

    cases, dis_hf, dis_llama = [], [], []
    for i, text in enumerate(texts):
        ids = ref.encode(text, add_special_tokens=False).ids
        assert ref.decode(ids, skip_special_tokens=False) == text, ("no round trip", text)
        case = {"text": text, "ids": ids}
        has_special = any(s in text for s in specials)
        if has_special:
            ref.encode_special_tokens = True  # special-token strings as plain text
            case["ids_split_special"] = ref.encode(text, add_special_tokens=False).ids
            ref.encode_special_tokens = False
        hf_ids = hf.encode(text, add_special_tokens=False)
        if hf_ids != ids:
            case["ids_transformers_gguf"] = hf_ids
            dis_hf.append(i)
        if llama_ids is not None:
            if llama_ids[i] != ids:
                case["ids_llama_cpp"] = llama_ids[i]
                dis_llama.append(i)
            if has_special and llama_raw[i] != case["ids_split_special"]:
                case["ids_split_special_llama_cpp"] = llama_raw[i]
        cases.append(case)

    # chat templates
    template = meta["tokenizer.chat_template"]
    conversations = [
        [{"role": "user", "content": "What is the capital of France?"}],
        [{"role": "system", "content": "You are a concise assistant. Answer in one word."},
         {"role": "user", "content": "What is the capital of France?"}],
        [{"role": "system", "content": "You are a helpful assistant."},
         {"role": "user", "content": "Name three colors."},
         {"role": "assistant", "content": "Red, green and blue."},
         {"role": "user", "content": "And three more?"}],
        [{"role": "user", "content": "Hi!"},
         {"role": "assistant", "content": "Hello! How can I help?"},
         {"role": "user", "content": "Tell me a joke about databases.\nKeep it short."}],
    ]
    llama_chat = llama_cpp_chat(args.llama_tokenize, args.gguf, conversations) if have_tool else None
    chat_cases = []
    for j, msgs in enumerate(conversations):
        prompt = hf.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        assert prompt == render_jinja(template, msgs, True)
        cc = {"messages": msgs, "add_generation_prompt": True, "prompt": prompt,
              "prompt_ids": ref.encode(prompt, add_special_tokens=False).ids,
              "prompt_no_generation_prompt": hf.apply_chat_template(msgs, tokenize=False, add_generation_prompt=False)}
        if llama_chat is not None:
            cc["llama_cpp_builtin_prompt"] = llama_chat[j]
        chat_cases.append(cc)

    special_tokens = [{"id": i, "content": tokens[i]} for i, t in enumerate(types) if t == 3]
    doc = {
        "source": (
            "make_smollm2_token_reference.py: 'ids' from a tokenizers "
            f"{tokenizers.__version__} BPE built from the GGUF's tokenizer.ggml.tokens/merges "
            "(byte-level, no normalizer) with pre-tokenizer Sequence[Digits(individual_digits=true), "
            "ByteLevel(add_prefix_space=false, use_regex=true)] (llama.cpp's 'smollm' pre-tokenizer: "
            "\\p{N} then the GPT-2 regex) and the 17 control tokens as special added tokens; encoded "
            "without adding special tokens, special-token strings in the text recognised. Cross-checked "
            f"against transformers {transformers.__version__} AutoTokenizer(gguf_file=...) and "
            + ("llama.cpp (llama-cpp-sys-2 sources, llama_tokenize add_special=false parse_special=true)."
               if have_tool else "(llama.cpp cross-check skipped: pgml-llama-tokenize not built).")
        ),
        "gguf": os.path.basename(args.gguf),
        "gguf_package_version": gguf.__version__ if hasattr(gguf, "__version__") else None,
        "tokenizer_metadata": {k: v for k, v in meta.items() if k != "tokenizer.chat_template"},
        "vocab_size": len(tokens),
        "n_merges": len(merges),
        "special_tokens": special_tokens,
        "add_special_tokens": False,
        "cross_check": {
            "transformers_gguf": {"version": transformers.__version__, "cases": len(cases),
                                  "disagreements": len(dis_hf), "disagreeing_case_indexes": dis_hf},
            "llama_cpp": ({"cases": len(cases), "disagreements": len(dis_llama),
                           "disagreeing_case_indexes": dis_llama} if have_tool else None),
        },
        "chat_template": template,
        "chat_template_note": (
            "'prompt' is transformers' apply_chat_template(messages, tokenize=False, "
            "add_generation_prompt=True) = the GGUF's Jinja template rendered with trim_blocks and "
            "lstrip_blocks. The template inserts a default system message when the first message is "
            "not a system message. 'llama_cpp_builtin_prompt' is llama_chat_apply_template (llama.cpp's "
            "built-in 'chatml' formatter, detected from the template; no Jinja)."),
        "chat_cases": chat_cases,
        "cases": cases,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {len(chat_cases)} chat cases, "
          f"{os.path.getsize(OUT)} bytes; disagreements: transformers-gguf {len(dis_hf)}, "
          f"llama.cpp {len(dis_llama) if have_tool else 'n/a'}", file=sys.stderr)


if __name__ == "__main__":
    main()
