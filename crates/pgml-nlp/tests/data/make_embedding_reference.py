#!/usr/bin/env python3
"""Reference embeddings for all-MiniLM-L6-v2, computed by sentence-transformers (PyTorch, CPU).

Writes minilm_reference.json beside this script. Run once with the venv from
bench/nlp-python-env.sh; the output is committed as test data:

    $(bench/nlp-python-env.sh) crates/pgml-nlp/tests/data/make_embedding_reference.py [MODEL_DIR]

MODEL_DIR defaults to $PGML_MODEL_DIR/sentence-transformers/all-MiniLM-L6-v2
($PGML_MODEL_DIR defaults to /var/cache/pgml/models). Nothing is downloaded (HF_HUB_OFFLINE).

Each case holds:
  text        the input as given to the model (without the prompt)
  prompt      the prefix sentence-transformers prepended (encode(..., prompt=...)), or absent
  embedding   384 floats, 7 significant digits, as SentenceTransformer.encode returns them
              (the model's pipeline is Transformer -> mean Pooling -> Normalize, so unit length)
  pooled_norm L2 norm of the mean-pooled vector before the Normalize module: the un-normalized
              embedding (kwargs normalize=false) is embedding * pooled_norm
  token_ids   input_ids the model saw: [CLS] ... [SEP], prompt included, after truncation to
              max_seq_length (SentenceTransformer.preprocess, exactly what encode uses)
  n_tokens_untruncated  length of input_ids without truncation (shows which cases were cut)
"""
import json
import os
import platform
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("PGML_MODEL_DIR", "/var/cache/pgml/models"), MODEL_NAME)
OUT = os.path.join(HERE, "minilm_reference.json")

LONG_PARAGRAPH = (
    "PostgreSQL is a powerful, open source object-relational database system that uses and "
    "extends the SQL language combined with many features that safely store and scale the most "
    "complicated data workloads. The origins of PostgreSQL date back to 1986 as part of the "
    "POSTGRES project at the University of California at Berkeley and has more than 35 years of "
    "active development on the core platform. It has earned a strong reputation for its proven "
    "architecture, reliability, data integrity, robust feature set, extensibility, and the "
    "dedication of the open source community behind the software to consistently deliver "
    "performant and innovative solutions. PostgreSQL runs on all major operating systems, has "
    "been ACID-compliant since 2001, and has powerful add-ons such as the popular PostGIS "
    "geospatial database extender. It is no surprise that PostgreSQL has become the open source "
    "relational database of choice for many people and organisations. Getting started with "
    "using PostgreSQL has never been easier: pick a project you want to build, and let "
    "PostgreSQL safely and robustly store your data. Machine learning inside the database means "
    "the data never leaves it: models are trained where the rows live, predictions are one SQL "
    "call away, and embeddings for semantic search are computed next to the tables that hold the "
    "documents, so a retrieval-augmented answer needs no extra service, no network hop and no "
    "copy of the data in another system that has to be kept in sync with the source of truth."
)

TEXTS = [
    # short, plain English
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "A cat sits on the mat.",
    "A feline is resting on a rug.",
    "How do I create an index on a JSONB column?",
    "Machine learning models can be trained directly inside the database.",
    "PostgreSQL is a powerful, open source object-relational database system.",
    "a",
    "HELLO World hElLo",
    # empty and whitespace-only
    "",
    " ",
    "   \t  ",
    "\n\n\n",
    "\r\n\t \u00a0",
    # accents, unicode normalisation, uncommon scripts
    "Café, naïve, façade, résumé, jalapeño, Zürich, São Paulo, Ångström.",
    "ÀÉÎÕÜ Ünïcödé àccénts Øresund Łódź İstanbul straße",
    "e\u0301 versus \u00e9: combining acute accent and precomposed letter",
    "Привет мир! Γειά σου Κόσμε! مرحبا بالعالم שלום עולם",
    "नमस्ते दुनिया, สวัสดีชาวโลก, ສະບາຍດີ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 ﬁ ligature and ｆｕｌｌｗｉｄｔｈ letters",
    "zero\u200bwidth space, soft\u00adhyphen, BOM\ufeffhere, bidi\u202emark",
    # CJK
    "我喜欢在公园里散步。今天天气很好！",
    "東京は日本の首都です。ひらがなとカタカナも使います。",
    "안녕하세요, 만나서 반갑습니다.",
    # emoji
    "I love pizza 🍕🍕 and coffee ☕! 😀👍🏽",
    "🙂",
    "👨‍👩‍👧‍👦 family emoji with zero-width joiners 🏳️‍🌈",
    # numbers, identifiers, code, punctuation
    "In 2023, revenue grew 12.5% to $3,456,789.01 (up from 3.07e6 in 2022).",
    "Call +1 (555) 123-4567 or email jane.doe@example.com before 2024-12-31T23:59:59Z.",
    "https://github.com/postgresml/postgresml/blob/master/README.md?tab=readme#quick-start",
    "SELECT pgml.embed('intfloat/e5-small', 'hello') FROM docs WHERE id > 42;",
    "def f(x):\n    return x ** 2  # square\n",
    "Wait... what?!?! (really) [yes] {no} <maybe> — “quoted” ‘single’ «guillemets» …",
    "∑_{i=1}^{n} x_i² ≤ √(a+b); ∞ ≠ π ≈ 3.14159",
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 300,
    # truncation boundaries: "hello" is one word piece, [CLS] + n + [SEP]
    " ".join(["hello"] * 254),   # exactly 256 tokens: not truncated
    " ".join(["hello"] * 255),   # 257 tokens: truncated to 256
    # long texts (> 256 word pieces): truncated at max_seq_length
    LONG_PARAGRAPH,
    " ".join([LONG_PARAGRAPH] * 4),
]

PROMPTED = [
    ("query: ", "What is PostgresML?"),
    ("passage: ", "PostgresML is a machine learning extension for PostgreSQL."),
    ("Represent this sentence for searching relevant passages: ", "how to train a model in SQL"),
    ("query: ", ""),
    ("query: ", LONG_PARAGRAPH),
]


def sig7(x):
    return float(f"{float(x):.7g}")


def main():
    torch.set_num_threads(2)
    model = SentenceTransformer(MODEL_DIR, device="cpu")
    modules = [type(m).__name__ for m in model]
    assert modules[-1] == "Normalize", modules
    max_len = model.max_seq_length

    cases = []
    for prompt, text in [(None, t) for t in TEXTS] + PROMPTED:
        full = (prompt or "") + text
        kw = {"prompt": prompt} if prompt is not None else {}
        emb = model.encode([text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True, **kw)[0]
        if hasattr(model, "preprocess"):  # sentence-transformers >= 6: what encode() runs
            tok = model.preprocess([text], **kw)
        else:
            tok = model.tokenize([full])
        ids = tok["input_ids"][0].tolist()
        assert len(ids) <= max_len
        # the pooled vector before Normalize: mean of the token embeddings (prompt included,
        # as include_prompt is true in 1_Pooling/config.json)
        token_emb = model.encode([text], batch_size=1, output_value="token_embeddings", **kw)[0]
        pooled = token_emb.float().mean(dim=0).numpy()
        pooled_norm = float(np.linalg.norm(pooled))
        cos = float(np.dot(pooled / pooled_norm, emb))
        assert cos > 0.99999, (text, cos)
        full_ids = model.tokenizer(full, truncation=False)["input_ids"]
        case = {"text": text}
        if prompt is not None:
            case["prompt"] = prompt
        case["n_tokens_untruncated"] = len(full_ids)
        case["token_ids"] = ids
        case["pooled_norm"] = sig7(pooled_norm)
        case["embedding"] = [sig7(v) for v in emb]
        cases.append(case)

    tj = json.load(open(os.path.join(MODEL_DIR, "tokenizer.json")))
    doc = {
        "model": MODEL_NAME,
        "model_dir": MODEL_DIR,
        "sentence_transformers_version": sentence_transformers.__version__,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "modules": modules,
        "pooling": "mean (attention-masked), include_prompt=true",
        "normalized": True,
        "max_seq_length": max_len,
        "dimension": int(len(cases[0]["embedding"])),
        "note": ("tokenizer.json itself says truncation max_length=128 and padding Fixed(128); "
                 "sentence-transformers overrides both (truncates at max_seq_length, pads per batch "
                 "to the longest). Special tokens: [CLS]=101 [SEP]=102 [PAD]=0 [UNK]=100."),
        "tokenizer_json_truncation": tj.get("truncation"),
        "tokenizer_json_padding": tj.get("padding"),
        "cases": cases,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
