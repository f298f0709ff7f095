#!/usr/bin/env python3
"""Peer benchmark for pgml.embed: sentence-transformers (PyTorch, CPU) on all-MiniLM-L6-v2.

    "$(bench/nlp-python-env.sh)" bench/embed_python.py [--n 1000] [--threads 2] [--batch 64]

Sentences: bench/data/sentences.txt (1000, one per line, 6-10 words, mean about 8, generated
deterministically; written here when missing, so our side embeds exactly the same set).
Measures, after a warm-up:
  single   one sentence per encode() call: sentences/s, p50/p99/mean latency in ms
  batched  encode(all sentences, batch_size=64): sentences/s (median of --repeats runs)
Prints one JSON object per line on stdout (progress goes to stderr).
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
SENTENCES = os.path.join(HERE, "data", "sentences.txt")
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"

SUBJECTS = ["the old man", "a young woman", "my neighbour", "the database", "our team", "the cat",
            "a small child", "the engineer", "this model", "the teacher", "a tired nurse", "the city",
            "every student", "the farmer", "a quiet dog", "the new server", "her brother", "the pilot"]
VERBS = ["quickly reads", "carefully writes", "happily eats", "slowly builds", "often visits",
         "rarely answers", "loudly sings", "gently moves", "proudly shows", "silently watches",
         "eagerly opens", "calmly fixes", "suddenly finds", "always checks", "never forgets"]
OBJECTS = ["a long letter", "the red apple", "an empty table", "the morning news", "a strange map",
           "the broken chair", "some fresh bread", "the last train", "a simple query", "the old bridge",
           "a green garden", "the final report", "a bright lamp", "the blue ocean", "a heavy box"]
TAILS = ["at night", "before lunch", "in the park", "every day", "near the river", "after work",
         "on Monday", "with care", "in silence", "at home", "by the sea", "for fun"]


def make_sentences(n, seed=42):
    """Distinct sentences of 6-10 words (mean about 8): subject (2-3) + verb (2) + object (2-3),
    and half of them a tail (2-3)."""
    rng = random.Random(seed)
    out, seen = [], set()
    while len(out) < n:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        if rng.random() < 0.5:
            s += " " + rng.choice(TAILS)
        s = s[0].upper() + s[1:] + "."
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def load_sentences(n):
    if not os.path.exists(SENTENCES):
        os.makedirs(os.path.dirname(SENTENCES), exist_ok=True)
        with open(SENTENCES, "w", encoding="utf-8") as f:
            f.write("\n".join(make_sentences(1000)) + "\n")
    with open(SENTENCES, encoding="utf-8") as f:
        sents = [line.rstrip("\n") for line in f if line.strip()]
    if n > len(sents):
        sys.exit(f"--n {n} is more than the {len(sents)} sentences in {SENTENCES}")
    return sents[:n]


def pct(sorted_vals, p):
    k = (len(sorted_vals) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="sentences (default 1000)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (the GPU machine, docs/gpu.md)")
    ap.add_argument("--repeats", type=int, default=3, help="batched runs; the median is reported")
    ap.add_argument("--model-dir", default=os.path.join(
        os.environ.get("PGML_MODEL_DIR", "/var/cache/pgml/models"), MODEL_NAME))
    args = ap.parse_args()

    sents = load_sentences(args.n)

    t0 = time.perf_counter()
    import torch
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    import sentence_transformers
    from sentence_transformers import SentenceTransformer
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    model = SentenceTransformer(args.model_dir, device=args.device)
    # f32 whatever the checkpoint stores (the GPU check carries f16 weights): the same
    # arithmetic as pgml.embed, which computes in f32.
    model.float()
    model.eval()
    t_load = time.perf_counter() - t0

    common = {"peer": "sentence-transformers", "version": sentence_transformers.__version__,
              "torch": torch.__version__, "threads": torch.get_num_threads(), "model": MODEL_NAME,
              "device": args.device,
              "n": len(sents), "python": platform.python_version(),
              "loadavg_1m_at_start": round(os.getloadavg()[0], 2)}

    with torch.inference_mode():
        # warm-up: a few singles and one batch
        for s in sents[:20]:
            model.encode(s, show_progress_bar=False)
        model.encode(sents[:args.batch], batch_size=args.batch, show_progress_bar=False)

        print(f"single: {len(sents)} calls ...", file=sys.stderr)
        lat = []
        t_all = time.perf_counter()
        for s in sents:
            t = time.perf_counter()
            model.encode(s, show_progress_bar=False)
            lat.append((time.perf_counter() - t) * 1000.0)
        wall = time.perf_counter() - t_all
        lat.sort()
        print(json.dumps({**common, "mode": "single", "sentences_per_s": round(len(sents) / wall, 1),
                          "p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2),
                          "mean_ms": round(statistics.fmean(lat), 2), "wall_s": round(wall, 3),
                          "load_s": round(t_load, 3), "import_s": round(t_import, 2),
                          "loadavg_1m_at_end": round(os.getloadavg()[0], 2)}), flush=True)

        runs = []
        for r in range(args.repeats):
            print(f"batched: run {r + 1}/{args.repeats} ...", file=sys.stderr)
            t = time.perf_counter()
            emb = model.encode(sents, batch_size=args.batch, show_progress_bar=False)
            runs.append(time.perf_counter() - t)
        assert emb.shape == (len(sents), 384), emb.shape
        med = statistics.median(runs)
        print(json.dumps({**common, "mode": "batched", "batch_size": args.batch,
                          "sentences_per_s": round(len(sents) / med, 1),
                          "runs_sentences_per_s": [round(len(sents) / x, 1) for x in runs],
                          "wall_s_median": round(med, 3),
                          "loadavg_1m_at_end": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
