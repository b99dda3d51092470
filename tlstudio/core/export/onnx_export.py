"""Converting a transformers model to ONNX, and quantizing it to int8.

The exporter is ``torch.onnx.export`` (the torch.export/dynamo path), torch's own
maintained exporter.  ``optimum-onnx`` was tried first: its only release requires
``transformers<4.58``, so it cannot run beside transformers 5.  transformers 5's
built-in ``transformers.exporters`` wraps the same ``torch.onnx.export`` but is
marked experimental, warns about version drift and changes between minor releases.
For encoder classifiers the plain torch exporter gives outputs equal to PyTorch's
to about 1e-7, and every export is verified in onnxruntime before it is kept
(see ``onnx_verify``).

Batch and sequence axes are dynamic and named (``batch``, ``sequence``), so one
file serves any number of texts of any length up to the model's maximum.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path

from ..errors import TlStudioError

# protobuf cannot hold more than 2 GB; bigger models keep their weights in model.onnx.data beside it.
SINGLE_FILE_LIMIT = 1_500_000_000


def require_onnx_packages() -> None:
    missing = []
    for module in ("onnx", "onnxscript", "onnxruntime"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise TlStudioError(
            f"ONNX export needs {', '.join(missing)}, which is not installed.",
            'Install it with: pip install "tlstudio[onnx]"',
        )


def export_to_onnx(model, tokenizer, adapter, path: Path, *, max_length: int) -> list[str]:
    """Write ``model`` as ONNX at ``path``; return the input names of the graph."""
    import torch
    from torch.export import Dim

    require_onnx_packages()
    model = model.float().cpu().eval()
    inputs = adapter.encode(tokenizer, adapter.example_texts(), max_length, tensors="pt")
    batch, sequence = Dim("batch"), Dim("sequence", min=2, max=max_length)
    shapes = {name: {0: batch, 1: sequence} for name in inputs}
    size = sum(p.numel() * p.element_size() for p in model.parameters())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with quiet(), torch.inference_mode(False), torch.no_grad():
            program = torch.onnx.export(
                model,
                (),
                kwargs=dict(inputs),
                dynamic_shapes=shapes,
                input_names=list(inputs),
                output_names=list(adapter.output_names),
                dynamo=True,
                external_data=size > SINGLE_FILE_LIMIT,
                verbose=False,
                optimize=True,
            )
            program.save(str(path), external_data=size > SINGLE_FILE_LIMIT)
    except TlStudioError:
        raise
    except Exception as exc:  # torch.export names the unsupported operation; users need that and a way out
        summary = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise TlStudioError(
            f"the {type(model).__name__} model could not be converted to ONNX ({summary}).",
            "The Hugging Face folder export still works; please report the model type so ONNX support can be added.",
        ) from exc
    return list(inputs)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantization: weights stored as int8, activations quantized on the fly.

    No calibration data is needed.  MatMul/Gemm weights (almost all of a transformer) shrink to a
    quarter; on CPUs with int8 dot-product instructions the matrix products run faster too.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = target.with_name(target.stem + ".prep.onnx")
        try:
            # Shape inference and graph clean-up first, as onnxruntime's quantization guide advises.
            quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
            quantize_dynamic(str(prepared), str(target), weight_type=QuantType.QInt8)
        except Exception:
            quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
        finally:
            for leftover in (prepared, prepared.with_name(prepared.name + ".data")):
                if leftover.exists():
                    leftover.unlink()


@contextlib.contextmanager
def quiet():
    """torch.onnx and onnxruntime.quantization print progress and developer warnings; users see tlstudio's."""
    loggers = [
        logging.getLogger(name)
        for name in ("torch.onnx", "torch.export", "torch._dynamo", "root", "onnxscript", "onnx_ir")
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
