#!/usr/bin/env python3
"""Writes chunk_reference.json: what LangChain's text splitters return for a set of texts and
kwargs, so that pgml's Rust splitters (crates/pgml-nlp/src/chunk/) can be compared with them
exactly, chunk for chunk.

PostgresML 2.x's pgml.chunk(splitter, text, kwargs) called
`SPLITTERS[splitter](**kwargs).split_text(text)`; this script does the same.

    python3 -m venv /var/cache/pgml/chunk-venv
    /var/cache/pgml/chunk-venv/bin/pip install langchain-text-splitters
    /var/cache/pgml/chunk-venv/bin/python crates/pgml-nlp/tests/data/make_chunk_reference.py

Every case is deterministic (no randomness without a fixed seed), so re-running it with the same
LangChain version rewrites the same file.
"""

import json
import logging
import os
import random
import sys
from importlib.metadata import version

from langchain_text_splitters import (
    CharacterTextSplitter,
    LatexTextSplitter,
    MarkdownTextSplitter,
    PythonCodeTextSplitter,
    RecursiveCharacterTextSplitter,
)

# LangChain logs "Created a chunk of size X, which is longer than the specified Y"; pgml keeps
# those chunks silently, as LangChain does.
logging.disable(logging.WARNING)

SPLITTERS = {
    "character": CharacterTextSplitter,
    "recursive_character": RecursiveCharacterTextSplitter,
    "markdown": MarkdownTextSplitter,
    "latex": LatexTextSplitter,
    "python": PythonCodeTextSplitter,
}

PROSE = (
    "PostgresML is a machine learning extension for PostgreSQL. It lets you train models "
    "and run inference with SQL.\n\nEmbeddings, chunking and text generation all happen "
    "inside the database, next to the data.\nNo data leaves the server.\n\n\n"
    "A third paragraph follows, with a few more words so that it is longer than the "
    "others and has to be split on spaces when the chunk size is small."
)

UNICODE = (
    "Grüße aus Köln! Ça va très bien. Ñandú y pingüino.\n\n"
    "日本語のテキストは空白がありません。これは長い文です。中文文本也没有空格，所以必须按字符拆分。\n\n"
    "Emoji: 👍🏽 👨‍👩‍👧‍👦 🇫🇷 — combining: e\u0301 a\u0308 n\u0303.\n"
    "Ideographic\u3000space and\u00a0no-break space, thin\u2009space.\n"
    "Русский текст с кириллицей и ελληνικά γράμματα."
)

MARKDOWN = """# Title

Intro paragraph with *emphasis* and a [link](https://postgresml.org).

## Installation

Run the following:

```bash
sudo apt install postgresql-15
cargo pgrx install
```

## Usage
### Chunking

Text is split into chunks.

***

- item one
- item two
- item three

---

#{1,6} a literal regex-looking header
Some text after a rule.

___

```python
def f(x):
    return x * 2
```
The end.
"""

LATEX = r"""\documentclass{article}
\begin{document}
\chapter{Intro}
Some intro text with inline math $x^2 + y^2 = z^2$ and more text.
\section{Methods}
We use $$\int_0^1 f(x)\,dx$$ in display math.
\subsection{Details}
\begin{itemize}
\item First
\item Second
\end{itemize}
\begin{align}
a &= b \\
c &= d
\end{align}
\subsubsection{Fine print}
\begin{verbatim}
raw text
\end{verbatim}
\end{document}
"""

# The doubled backslashes are what LangChain's LaTeX separators look for literally.
LATEX_DOUBLE = LATEX.replace("\n\\", "\n\\\\")

PYTHON = '''import os


class Splitter:
    """Splits things."""

    def __init__(self, size):
        self.size = size

    def split(self, text):
        return [text[i : i + self.size] for i in range(0, len(text), self.size)]


def main():
\tdef inner():
\t\treturn 1
    print(Splitter(3).split("abcdefgh"))


if __name__ == "__main__":
    main()
'''

WHITESPACE = "  \t leading and trailing \x1c\x1d\x1e\x1f whitespace \u3000\u2028 \r\n\r\n second \u0085 line \x0b\x0c  "


def words(seed, count):
    rng = random.Random(seed)
    vocabulary = ["alpha", "beta", "gamma", "delta", "épsilon", "ζήτα", "ηта", "θ", "日本", "🙂",
                  "supercalifragilisticexpialidocious", "a", "to", "of"]
    out = []
    for i in range(count):
        out.append(rng.choice(vocabulary))
        r = rng.random()
        if r < 0.05:
            out.append("\n\n")
        elif r < 0.12:
            out.append("\n")
        elif r < 0.15:
            out.append(". ")
        else:
            out.append(" ")
    return "".join(out)


LONG = words(1, 500)
NO_SEPARATORS = "x" * 450 + "é" * 150
LONG_WORD = "short words then averyveryveryveryveryveryveryverylongwordthatexceedsthechunksize and more"

TEXTS = {
    "prose": PROSE,
    "unicode": UNICODE,
    "markdown": MARKDOWN,
    "latex": LATEX,
    "latex_double": LATEX_DOUBLE,
    "python": PYTHON,
    "whitespace": WHITESPACE,
    "long": LONG,
    "no_separators": NO_SEPARATORS,
    "long_word": LONG_WORD,
    "empty": "",
    "spaces_only": "   \n\n  \n ",
    "separators_only": "\n\n\n\n\n\n",
    "one_char": "a",
    "crlf": "line one\r\nline two\r\n\r\nparagraph two\r\nend",
    "exact": "abcde fghij",
}

# The texts whose chunks at tiny chunk sizes would bloat the file.
BIG = {"long", "no_separators"}

# (splitters, kwargs): each splitter in the list runs each text with these kwargs.
ALL = list(SPLITTERS)
RECURSIVE = ["recursive_character", "markdown", "latex", "python"]
CONFIGS = [
    (ALL, {}),
    (ALL, {"chunk_size": 100, "chunk_overlap": 20}),
    (ALL, {"chunk_size": 40, "chunk_overlap": 10}),
    (ALL, {"chunk_size": 10, "chunk_overlap": 0}),
    (ALL, {"chunk_size": 11, "chunk_overlap": 11}),
    (ALL, {"chunk_size": 1, "chunk_overlap": 0}),
    (ALL, {"chunk_size": 30, "chunk_overlap": 5, "keep_separator": True}),
    (ALL, {"chunk_size": 30, "chunk_overlap": 5, "keep_separator": False}),
    (ALL, {"chunk_size": 30, "chunk_overlap": 5, "keep_separator": "start"}),
    (ALL, {"chunk_size": 30, "chunk_overlap": 5, "keep_separator": "end"}),
    (ALL, {"chunk_size": 50, "chunk_overlap": 10, "strip_whitespace": False}),
    (ALL, {"chunk_size": 50, "chunk_overlap": 10, "strip_whitespace": False, "keep_separator": "end"}),
    (ALL, {"chunk_size": 25, "chunk_overlap": 5, "add_start_index": True}),
    (["character"], {"separator": " ", "chunk_size": 20, "chunk_overlap": 5}),
    (["character"], {"separator": "\n", "chunk_size": 60, "chunk_overlap": 0}),
    (["character"], {"separator": "", "chunk_size": 7, "chunk_overlap": 2}),
    (["character"], {"separator": ". ", "chunk_size": 80, "chunk_overlap": 10, "keep_separator": True}),
    (["character"], {"separator": "e", "chunk_size": 15, "chunk_overlap": 3, "keep_separator": "end"}),
    (["character"], {"separator": "\\s+", "is_separator_regex": True, "chunk_size": 20, "chunk_overlap": 4}),
    (["character"], {"separator": "[.!?] ", "is_separator_regex": True, "chunk_size": 60, "chunk_overlap": 0, "keep_separator": "end"}),
    (["character"], {"separator": "(?<=\\. )", "is_separator_regex": True, "chunk_size": 60, "chunk_overlap": 0}),
    (["character"], {"separator": "(?=\\n)", "is_separator_regex": True, "chunk_size": 30, "chunk_overlap": 0}),
    (["character"], {"separator": "(,)", "is_separator_regex": True, "chunk_size": 30, "chunk_overlap": 0}),
    (["character"], {"separator": "a{2}|é{3,}", "is_separator_regex": True, "chunk_size": 50, "chunk_overlap": 0}),
    (["character"], {"separator": "\\n{2,}", "is_separator_regex": True, "chunk_size": 80, "chunk_overlap": 0}),
    (["recursive_character"], {"separators": ["\n", " "], "chunk_size": 30, "chunk_overlap": 5}),
    (["recursive_character"], {"separators": [". ", ""], "chunk_size": 30, "chunk_overlap": 5}),
    (["recursive_character"], {"separators": ["e", "a"], "chunk_size": 8, "chunk_overlap": 2, "keep_separator": "end"}),
    (["recursive_character"], {"separators": [], "chunk_size": 30, "chunk_overlap": 5}),
    (["recursive_character"], {"separators": ["\\n\\n+", "\\s", ""], "is_separator_regex": True, "chunk_size": 30, "chunk_overlap": 5}),
    (["recursive_character"], {"separators": ["\\n\\n+", "\\s", ""], "is_separator_regex": True, "keep_separator": False, "chunk_size": 30, "chunk_overlap": 5}),
    (RECURSIVE[1:], {"is_separator_regex": True, "chunk_size": 60, "chunk_overlap": 10}),
    (RECURSIVE[1:], {"is_separator_regex": True, "chunk_size": 60, "chunk_overlap": 10, "keep_separator": False}),
    (RECURSIVE[1:], {"is_separator_regex": True, "chunk_size": 200, "chunk_overlap": 0, "keep_separator": "end"}),
]

# Cases LangChain refuses: pgml must refuse them too (any error; the message is pgml's own).
ERRORS = [
    ("character", {"chunk_size": 10, "chunk_overlap": 20}),
    ("recursive_character", {"chunk_size": 0}),
    ("recursive_character", {"chunk_size": -5, "chunk_overlap": 0}),
    ("character", {"chunk_overlap": -1}),
    ("markdown", {"separators": ["\n"]}),
    ("character", {"separators": ["\n"]}),
    ("recursive_character", {"separator": "\n"}),
    ("character", {"chunk_sise": 10}),
]


def run(splitter, text, kwargs):
    try:
        return {"chunks": SPLITTERS[splitter](**kwargs).split_text(text)}
    except Exception as err:  # noqa: BLE001 - any failure is recorded as the expected outcome
        return {"error": f"{type(err).__name__}: {err}"}


def main():
    cases = []
    for splitters, kwargs in CONFIGS:
        for splitter in splitters:
            for name, text in TEXTS.items():
                if name in BIG and kwargs.get("chunk_size", 4000) <= 11:
                    continue  # thousands of tiny chunks: the small texts cover these sizes
                if name == "latex_double" and splitter != "latex":
                    continue  # only the LaTeX splitter's literal separators match it
                case = {"splitter": splitter, "text_name": name, "kwargs": kwargs}
                case.update(run(splitter, text, kwargs))
                cases.append(case)
    for splitter, kwargs in ERRORS:
        case = {"splitter": splitter, "text_name": "prose", "kwargs": kwargs}
        case.update(run(splitter, PROSE, kwargs))
        assert "error" in case, case
        cases.append(case)

    out = {
        "generator": "make_chunk_reference.py",
        "langchain_text_splitters": version("langchain-text-splitters"),
        "python": sys.version.split()[0],
        "texts": TEXTS,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chunk_reference.json")
    # One case per line: reviewable diffs when LangChain or the cases change.
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        for key in ("generator", "langchain_text_splitters", "python", "texts"):
            f.write(f"{json.dumps(key)}: {json.dumps(out[key], ensure_ascii=False)},\n")
        f.write('"cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]}\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({errors} errors) to {path}")


if __name__ == "__main__":
    main()
