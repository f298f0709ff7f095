#!/usr/bin/env python3
"""Writes chunk_token_reference.json: LangChain's splitters measuring length in tokens of the
all-MiniLM-L6-v2 tokenizer, as `TextSplitter.from_huggingface_tokenizer(tokenizer)` does
(`len(tokenizer.tokenize(text))`: no special tokens, no truncation; computed here with the
`tokenizers` package on the model's own tokenizer.json, which is what a fast Hugging Face
tokenizer runs). The texts are those of chunk_reference.json.

    /var/cache/pgml/chunk-venv/bin/pip install langchain-text-splitters tokenizers
    /var/cache/pgml/chunk-venv/bin/python crates/pgml-nlp/tests/data/make_chunk_token_reference.py \
        /var/cache/pgml/models/sentence-transformers/all-MiniLM-L6-v2/tokenizer.json
"""
import json
import logging
import os
import sys
from importlib.metadata import version

from langchain_text_splitters import (
    CharacterTextSplitter,
    LatexTextSplitter,
    MarkdownTextSplitter,
    PythonCodeTextSplitter,
    RecursiveCharacterTextSplitter,
)
from tokenizers import Tokenizer

logging.disable(logging.WARNING)
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SPLITTERS = {
    "character": CharacterTextSplitter,
    "recursive_character": RecursiveCharacterTextSplitter,
    "markdown": MarkdownTextSplitter,
    "latex": LatexTextSplitter,
    "python": PythonCodeTextSplitter,
}

tok = Tokenizer.from_file(sys.argv[1])
tok.no_truncation()
tok.no_padding()


def tokens(text):
    return len(tok.encode(text, add_special_tokens=False).ids)


texts = json.load(open(os.path.join(HERE, "chunk_reference.json")))["texts"]
cases = []
for splitter, cls in SPLITTERS.items():
    for text_name, text in texts.items():
        for size, overlap in [(8, 0), (16, 4), (32, 8), (64, 0)]:
            kwargs = {"tokenizer": MODEL, "chunk_size": size, "chunk_overlap": overlap}
            if splitter == "character" and size == 16:
                kwargs["separator"] = " "
            args = {k: v for k, v in kwargs.items() if k != "tokenizer"}
            chunks = cls(length_function=tokens, **args).split_text(text)
            cases.append({"splitter": splitter, "text_name": text_name, "kwargs": kwargs, "chunks": chunks})

json.dump(
    {"langchain_text_splitters": version("langchain-text-splitters"), "tokenizers": version("tokenizers"),
     "model": MODEL, "cases": cases},
    open(os.path.join(HERE, "chunk_token_reference.json"), "w"), ensure_ascii=False, indent=0)
print(len(cases), "cases")
