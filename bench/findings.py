"""What profiling found behind each section's figures, and what was changed in tlstudio because of it.

Kept apart from the measuring code so ``run_all.py --render`` can write the
document again after this text is edited.  Keyed by the start of a section's
title; each entry is markdown lines.
"""

from __future__ import annotations

FINDINGS: dict[str, list[str]] = {
    "Training throughput": [
        "- (a) and (b) run the same `transformers.Trainer` loop; what tlstudio adds per step (its progress "
        "callback, the NaN check on the loss and gradient norm, the collator wrapper that drops the length "
        "column, its epoch-seeded length-grouped sampler) did not show in cProfile: 96 rows, load ~16, "
        "`Trainer.train` took 137.6 s in (a) and 144.0 s in (b), of which `training_step` 97.8 s and 104.0 s.",
        "- The whole (a) run also reads and checks the CSV, hashes it, writes run.json, the model card, "
        "eval_predictions.jsonl and the exported model: about 3 s outside `Trainer.train` in that profile.",
        "- FLOP/s counts the encoder's matrix multiplies (6 x encoder weights x tokens computed, plus attention "
        "12 x layers x hidden x batch x length²) over the time spent in steps (evaluation and checkpoint saving "
        "taken out), against the best 1024x1024 fp32 `torch.mm` measured just before each repeat. Padding "
        "tokens count as computed: (c) computes far more of them.",
        "- On a machine this loaded (the load average was several times the core count) torch's two worker "
        "threads lose their core between parallel regions, and small matrix multiplies suffer more than the "
        "1024x1024 peak; the fraction of peak measured here is a floor, not what a quiet machine reaches.",
    ],
    "GUI responsiveness": [
        "- Found and fixed: with the loss chart's 2-pixel antialiased pen, redrawing a noisy 100,000-point "
        "curve took 3.3-4.2 s (load ~10); a bare pyqtgraph PlotWidget took 50-120 ms. Timing variants on the "
        "same curve (peak downsampling leaves 10,000 drawn points): 2-px antialiased 3,254-3,515 ms; 1-px "
        "antialiased 17-57 ms; 2-px drawn as segments 137 ms; 2-px with 2,000 points 1,026-1,094 ms; 2-px with "
        "500 points 262-325 ms. Qt strokes wide antialiased polylines through its general path stroker, whose "
        "cost grows with the self-intersections of a noisy curve. Per-step series (training loss, learning "
        "rate) now use a 1-pixel pen; per-epoch series (few points, with markers) stay 2 pixels "
        "(`tlstudio/ui/widgets/live_chart.py`).",
        "- The blocked-time figures come from a 5 ms timer on the GUI thread: on a machine whose load average "
        "is several times its core count, a timer is late whenever the scheduler gives the GUI thread no "
        "core, whatever the app does; the stack samples below say where the GUI thread was when it was late. "
        "Lines showing only Qt's event loop (`processEvents`) mean the thread was waiting for a core or for "
        "the GIL held by the training thread, not running tlstudio code.",
    ],
    "Start-up": [
        "- Found and fixed: the Model page listed the devices (which imports torch) in a background thread "
        "while the window was being built; importing torch holds the GIL for seconds and starved the GUI "
        "thread. Now the devices are listed when the Model page is first shown "
        "(`tlstudio/ui/pages/model_page.py`): 6.1 s to 3.1 s median to a responsive window (2 launches each, "
        "load ~10), against 0.5-0.8 s for a bare PySide6 window under the same load.",
        "- Where the rest goes (cProfile of `run_app` to the first event-loop pass, load ~10, 4.5 s in all): "
        "importing pyqtgraph 1.77 s (pulled in when the Data page module imports its bar chart; numpy 0.58 s "
        "of it), building the main window 0.89 s (the Train page's three live charts 0.4 s), PySide6 itself "
        "0.5 s. Not done yet: create the chart widgets, and import pyqtgraph, when a chart is first shown.",
        "- This environment sets PYTHONDONTWRITEBYTECODE, so tlstudio's modules were compiled from source at "
        "every launch (0.24 s); the benchmark's launches use a bytecode cache, as an installed package does.",
    ],
    "Big data": [
        "- Found and fixed: `read_table` on the one-million-row file took 2.79 s under cProfile, 1.44 s of it "
        "searching every string column for NUL characters (pyarrow `match_substring`) and 1.34 s reading the "
        "CSV with pyarrow. A scan of the file's bytes now proves most files NUL-free in tens of milliseconds "
        "(UTF-8 and other ASCII-compatible encodings write NUL as a lone 0x00 byte; UTF-16 files are still "
        "searched column by column) (`tlstudio/core/data/readers.py`): `read_table` 3.67 s to 2.3-2.4 s, "
        "0.85-1.05x pandas' pyarrow engine, with a peak of 1.75x the file size (pandas: 2.5x).",
        "- Found and fixed: the app showed no rows until the whole file was loaded. A file of 8 MB or more now "
        "shows its first 500 rows (read with pyarrow's streaming reader) while the rest loads, with the "
        "column settings greyed out until then (`tlstudio/ui/pages/data_page.py`).",
        "- The app's full load adds, to `read_table`, suggesting column roles and handing the frame to the "
        "table model; the first rows add a second, small read (500 rows) racing the full one for the 2 cores.",
        "- GUI stalls while a million rows load and are profiled: cProfile of the GUI thread over one open "
        "(load ~20) found little Python work there: `headerData` 3,569 calls 0.38 s, `data` 910 calls 0.22 s, "
        "chart paints 0.66 s, the rest inside Qt's `processEvents`. The stack samples agree (most late ticks "
        "find no tlstudio or library code running on the GUI thread). The stalls are the GUI thread waiting "
        "for a core or for the GIL while the background jobs run: pyarrow's conversion to pandas, the label "
        "profile over a million rows (17 s after the load in that profile) and the token-length sample. "
        "Timed alone on the million-row frame (load ~21), `classification_health` took 16.5 s: normalising "
        "the labels (`Series.map` with a dict, then `astype(object)`) 7.6 s, the empty-text check "
        "(`astype('string').str.strip()`) 5.8 s, the duplicate-text check (`duplicated()`) 8.9 s; the object "
        "conversions hold the GIL. Not done yet: work on `pd.factorize` codes (one normalisation per distinct "
        "label, no million-object arrays) and check duplicates by hash, or profile a sample of big files.",
    ],
    "Inference": [
        "- All four share tlstudio's tokenisation (dynamic padding, max length 128); the pipeline pads each "
        "batch to its longest text as well. On this loaded machine PyTorch's per-call overhead "
        "(thread pool start, many small kernels) dominates one-text latency; onnxruntime's graph executes "
        "the same network with far fewer dispatches.",
    ],
}


def findings_for(title: str) -> list[str]:
    for prefix, lines in FINDINGS.items():
        if title.startswith(prefix):
            return lines
    return []
