"""Encoding one draft title: search/minilm.py (numpy) against onnxruntime on the same weights.

``search.semantic`` encodes each similar-questions draft alone, in the web process, on one
thread. This measures exactly that for both runtimes, alternating them title by title (so that
a busy machine slows both alike), over the Travel duplicate queries: p50/p95 per title, and the
cosine between the two vectors of each title. CPU time (``time.process_time``) is printed beside
wall time: on a busy machine it is the fairer figure, as both runtimes use one thread.

The ONNX file is made by hand, once, in a throwaway virtualenv with torch and transformers
(never in the project's)::

    "$REFVENV/bin/pip" install 'torch==2.13.0+cpu' transformers onnx onnxruntime tokenizers safetensors
    "$REFVENV/bin/python" bench/semantic_speed.py --export var/minilm.onnx
    "$REFVENV/bin/python" bench/semantic_speed.py --onnx var/minilm.onnx     # the measure

The export is fp32 (opset 17, dynamic batch and length); pooling and normalisation stay in
numpy, as in search/minilm.py, so only the transformer differs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: one thread, as the site
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from search_quality import DEFAULT_DATA, load_beir  # noqa: E402

from search.minilm import MiniLMEncoder, model_dir  # noqa: E402

MAX_LENGTH = 64  # search.semantic's


def export(path: Path) -> None:
    """Write the BERT encoder of the installed weights as an fp32 ONNX graph (needs torch)."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir()), local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert  # a submodule, so that its weights are exported as initialisers

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((1, 8), dtype=torch.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            Encoder(),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                name: {0: "batch", 1: "length"} for name in ("input_ids", "attention_mask", "token_type_ids")
            },
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript
        )
    print(f"{path}: {path.stat().st_size:,} bytes")


class OnnxEncoder:
    """The same tokenizer, pooling and normalisation as MiniLMEncoder, the transformer in onnxruntime."""

    def __init__(self, path: Path, tokenizer_from: MiniLMEncoder):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenize = tokenizer_from.tokenize

    def encode_one(self, text: str) -> np.ndarray:
        ids = np.array([self.tokenize([text])[0]], dtype=np.int64)
        mask = np.ones_like(ids)
        (hidden,) = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        pooled = hidden[0].mean(0)
        return pooled / np.linalg.norm(pooled)


def percentiles(seconds: list[float]) -> str:
    p50, p95 = np.percentile(np.array(seconds) * 1000, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--export", type=Path, help="write the ONNX file here (needs torch) and stop")
    parser.add_argument("--onnx", type=Path, help="the ONNX file to measure against numpy")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the BEIR folder")
    parser.add_argument("--titles", type=int, default=300, help="how many query titles")
    args = parser.parse_args()
    if args.export:
        export(args.export)
        return
    if not args.onnx:
        parser.error("--onnx PATH (or --export PATH first)")

    _, queries, _ = load_beir(args.data)
    titles = list(queries.values())[: args.titles]
    numpy_enc = MiniLMEncoder(max_seq_length=MAX_LENGTH)
    onnx_enc = OnnxEncoder(args.onnx, numpy_enc)
    for text in titles[:10]:  # warm-up
        numpy_enc.encode([text])
        onnx_enc.encode_one(text)

    timings: dict[str, list[float]] = {"numpy": [], "onnxruntime": []}
    cpu: dict[str, list[float]] = {"numpy": [], "onnxruntime": []}
    cosines = []
    runtimes = (("numpy", lambda t: numpy_enc.encode([t])[0]), ("onnxruntime", onnx_enc.encode_one))
    for text in titles:
        vectors = []
        for name, encode in runtimes:
            started, started_cpu = time.perf_counter(), time.process_time()
            vectors.append(encode(text))
            timings[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
        cosines.append(float(vectors[0] @ vectors[1]))

    print(f"{len(titles)} titles, one at a time, one thread, max length {MAX_LENGTH}")
    for name, seconds in timings.items():
        print(f"{name:12} wall {percentiles(seconds)}; CPU {percentiles(cpu[name])}")
    wall = np.median(timings["numpy"]) / np.median(timings["onnxruntime"])
    cpu_ratio = np.median(cpu["numpy"]) / np.median(cpu["onnxruntime"])
    print(f"speed-up at p50: {wall:.2f}x wall, {cpu_ratio:.2f}x CPU")
    print(f"cosine numpy vs onnxruntime: min {min(cosines):.6f}, mean {np.mean(cosines):.6f}")


if __name__ == "__main__":
    main()
