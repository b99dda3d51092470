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
        "- a/c: (c) pads every short review snippet to 128 tokens; (a) groups batches by length, so it "
        "computes far fewer tokens. The run before this one used 160 training rows (cut for a machine at load "
        "~20), with which the Trainer's length grouping (mega-batches of min(rows / (4 x batch), 50) batches) "
        "sorted within a single batch, i.e. not at all: a/c was 3.97 there. At 1,024 rows (this run, load "
        "1.6-2.2) the grouping works as in a real run and a/c is 6.1 (5.6-6.6).",
        "- Found and fixed while measuring (not a speed issue, but it changes what the benchmark trains): "
        "transformers' Trainer assumed that any model whose forward takes **kwargs normalises its loss by "
        "`num_items_in_batch`; sequence- and token-classification heads and T5/BART/Marian do not, so with "
        "gradient accumulation their gradients and reported loss were multiplied by the accumulation steps "
        "(and by the process count under accelerate). `tlstudio/core/training/trainer.py` now reads what "
        "the model's loss really does (`loss_uses_item_count`).",
        "- (a) ahead of (b): the whole `trainer.train()` call is timed, evaluation and checkpoint included. "
        "tlstudio evaluates its validation split sorted by length (little padding) where the stock Trainer "
        "groups evaluation batches only roughly, and writes its checkpoints with its own atomic saver; the "
        "gap (4-37 % in samples/s) is within what this load's noise allows, so read it as 'no cost', not as a "
        "speed-up. The whole-run ratio also includes tlstudio reusing the last evaluation's predictions for "
        "its report and (b) saving its model at the end.",
        "- On a loaded machine (the run before this one had load averages several times the core count) torch's two worker "
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
        "- Found and fixed: with 100,000 points, pyqtgraph's own peak downsampling and clip-to-view "
        "ran in Python on every repaint and still handed 10,000 points to Qt; its NaN scan ran on every "
        "`setData`; and each axis replayed its tick, label and grid QPicture (three grid levels) on every "
        "repaint, about 4 ms each. Now the live chart thins the visible x range itself when data or view "
        "change, with numpy, to each pixel column's lowest and highest point (`tlstudio/ui/widgets/decimate.py`: "
        "at most two points per pixel, spikes kept, zooming in shows every point), skips the NaN scan for "
        "finite curves, caches each axis as a pixmap (`QGraphicsItem.DeviceCoordinateCache`, redrawn only when "
        "the axis changes) and draws grid lines at two tick levels, not three. GUI-thread CPU time on the loss "
        "chart (`bench/chart_redraw.py --cpu`, 10 repeats, load ~9): replacing the 100,000 points and repainting "
        "29.6 to 8.1 ms, repainting 8.7 to 2.0 ms, appending a point then flushing and repainting 10.9 to 6.5 ms. "
        "`tests/test_chart_decimation.py` checks that each bucket keeps exactly its minimum and maximum.",
        "- The redraw figures above are wall time on a machine at load ~10; the GUI-thread CPU time beside them "
        "is what the chart itself costs (replacing 100,000 points and repainting ~15 ms, repainting ~5 ms, "
        "against ~27 ms and ~18 ms for a bare pyqtgraph PlotWidget). Replacing all 100,000 points is the "
        "Runs page's or a resumed run's case; a live run appends, and appending a point, thinning and "
        "repainting cost 6.5 ms of CPU (`bench/chart_redraw.py --cpu`). The redraw is now timed after the "
        "jobs a finished run starts (the Evaluate and Try pages loading its model), which it competed with.",
        "- Re-measured (later the same day, load 8-10 instead of 25): the GUI thread blocked during training, 99th "
        "percentile 123 ms to 43 ms (median lateness 7 ms), target met; longest 3,037 ms to 823 ms, still "
        "open. To see what held things up, a second sampler recorded every other thread's stack whenever the "
        "GUI thread was late (24-step run, load ~9): the worst stall (880 ms) fell while the training thread "
        "loaded the backbone and torch imported sympy (through `torch.distributed.tensor` and "
        "`torch.fx.experimental.symbolic_shapes`, pulled in by transformers' model loading): a one-time "
        "import in the process, thousands of class definitions executed under the GIL. During the steps "
        "themselves the other threads were in torch's backward (4.8 s sampled), attention (1.2 s) and fused "
        "Adam (1.0 s): native code that releases the GIL but keeps both cores busy with torch's two threads, "
        "so the GUI thread waits for a core, more so with other engineers' work on the same 2 cores. "
        "tlstudio's own share on the GUI thread is the chart repaint (~0.3 s sampled over the run) and the "
        "refcount guard's rare top-up (80 ms). Not done: importing torch's lazy modules ahead of a run (it "
        "would move, not remove, the GIL-bound import), or running training with one thread fewer than the "
        "cores (it would cost throughput on every machine to help only a loaded one).",
        "- Quiet machine (load under 1, session 4): the longest block during a run was 286 and 363 ms in two runs, p99 7-10 ms. "
        "Sampling every thread's stack during the stalls found two causes. (1) accelerate's `free_memory()`, "
        "which transformers' Trainer calls as training starts: a full `gc.collect()` over the millions of "
        "objects torch, transformers and Qt create, under the GIL (326 ms). Tried: `gc.freeze()` around "
        "`trainer.train()`; the longest block fell to 200-220 ms over 6 runs, but six tiny runs in one process "
        "then left 1,400 more objects of cyclic garbage each (9,000 in all, and 5 MB of RSS; the same runs "
        "without it stayed flat), because the collection that freed the previous run's cycles (and, on a GPU, "
        "their device memory) no longer reached them. Reverted: a pause at the start of a run is better than "
        "memory that grows with every run of a search. (2) The first run's imports of transformers' Trainer "
        "and generation modules, whose registration of torch operators (`torch.library`, from "
        "`torch.distributed` imports) runs in C++ holding the GIL (about 200 ms). A second run in the same "
        "window also blocked for 316-329 ms while the Evaluate, Try and Export pages were still loading the "
        "first run's model (torch's Python reference operators under `torch._compile`). Not done: training in "
        "a separate process, which would take the GIL out of the picture but is a different architecture.",
        "- Found and fixed in the benchmark itself: its stall sampler walked the GUI thread's frames from another "
        "thread (`sys._current_frames()` and `traceback.extract_stack`), which crashed CPython 3.11 with a "
        "segmentation fault in 4 of 10 runs (0 of 6 with the sampler switched off; the same rate on the "
        "previous session's code, so not a tlstudio crash). It now reads stacks with "
        "`faulthandler.dump_traceback`, which walks frames in C without creating frame objects: 0 crashes in "
        "12 runs since.",
        "- The blocked-time figures come from a 5 ms timer on the GUI thread: on a machine whose load average "
        "is several times its core count, a timer is late whenever the scheduler gives the GUI thread no "
        "core, whatever the app does; the stack samples listed with it say where the GUI thread was when it was late. "
        "Lines showing only Qt's event loop (`processEvents`) mean the thread was waiting for a core or for "
        "the GIL held by the training thread, not running tlstudio code.",
    ],
    "Start-up": [
        "- Found and fixed: the Model page listed the devices (which imports torch) in a background thread "
        "while the window was being built; importing torch holds the GIL for seconds and starved the GUI "
        "thread. Now the devices are listed when the Model page is first shown "
        "(`tlstudio/ui/pages/model_page.py`): 6.1 s to 3.1 s median to a responsive window (2 launches each, "
        "load ~10), against 0.5-0.8 s for a bare PySide6 window under the same load.",
        "- Found and fixed: importing pyqtgraph (numpy under it) was ~40 % of start-up, pulled in "
        "when the Data page module imported its bar chart, and the Train page built three plots no one sees "
        "at start-up. Every chart is now a `PlotHost` (`tlstudio/ui/widgets/plot_host.py`) that keeps its data "
        "as plain values and builds its pyqtgraph plot the first time it is shown, one chart per event-loop "
        "pass; pyqtgraph is imported on a worker thread meanwhile (started when a file starts loading), so "
        "the first chart appears a moment after its page without freezing the window. numpy is imported "
        "with a chart's first point.",
        "- Found and fixed: every background job first imported transformers' auto classes "
        "(and with them torch, 4.7 s of imports) one thread at a time, to avoid a deadlock in transformers' "
        "lazy imports, so the Model page's backbone summary, started while the window was built, imported "
        "torch before the window showed, and the sample data waited for it. Jobs that never use transformers "
        "(reading a table, data health, listing runs, the backbone summary) now say so and start at once "
        "(`uses_transformers=False` in `tlstudio/ui/workers/background.py`). `python -X importtime` and "
        "`tests/test_ui_startup.py` confirm that no torch, transformers, pandas, numpy or pyqtgraph is "
        "imported before the window shows.",
        "- Before/after, focused (the bench's probe, 5 launches each, alternating with main, load ~5): "
        "launch to a responsive window 2.37 s to 1.19 s median; sample data on screen 11.8 s to 3.2 s; again "
        "at load ~6 after the last change: 2.97 s to 1.13 s, and 13.2 s to 3.6 s. This section's run "
        "(7 launches, load up to 6.7, timed from process creation to the second event-loop pass) measured "
        "1.55 s median, 1.27-1.86 s, against 0.40 s for a bare PySide6 window, down from 18.5 s at load ~25: "
        "just over the 1.5 s target on a machine three times oversubscribed; an earlier run at load ~10 "
        "gave 1.9 s.",
        "- Where the rest goes (cProfile of `run_app` to the first event-loop pass, load ~5, 1.1 s in all): "
        "importing the app's modules 0.77 s (PySide6 and shiboken 0.23 s of it; PySide6 turning Qt enums into "
        "Python enums the first time each is touched, 265 of them, 0.24 s across all modules; the first "
        "QObject subclass with signals, in `error_dialog.py`, pays shiboken's signature setup, ~50 ms) and "
        "building the eight pages 0.22 s. Fixed on the way: the Help menu imported `importlib.metadata` "
        "(~60 ms) for the About box's versions; it is read when asked for now. Not done: "
        "building the pages other than Data when first shown, which needs the main window's signal wiring "
        "(runs, recovery, label journals) to stop assuming every page exists.",
        "- Quiet machine (load under 1, session 4): 0.56-0.60 s median to a responsive window (target 1.5 s met), "
        "3.9x a bare PySide6 window; the sample data on screen after 1.25-1.46 s. The earlier 1.55 s was measured "
        "with three other engineers' jobs on the 2 cores.",
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
        "conversions hold the GIL.",
        "- Found and fixed: `classification_health` now works on `pd.factorize` codes (one "
        "normalisation per distinct label, counts by `np.bincount`, duplicates from the text codes) and, for "
        "the Arrow-backed strings the CSV reader gives, finds blank texts with pyarrow's kernels "
        "(`tlstudio/core/data/health.py`). On the million rows (load ~9): 2.5-4.6 s to 1.7-1.9 s, and the "
        "longest stretch a ticking thread waited for the GIL 230 ms to 8-30 ms. `tests/test_health_at_scale.py` "
        "checks the counts against a row-by-row count on messy cells in every string storage and on 60,000 rows.",
        "- Found and fixed: sampling what other threads ran whenever the GUI thread was late "
        "showed the Label page looping over every row on the GUI thread each time a file opened: a set of "
        "every label cell (0.7 s sampled) and a million-entry row index (list and dict, 0.2 s). It now takes "
        "the distinct labels with `pd.unique`, and the row index is a `range` until a filter picks rows "
        "(`tlstudio/ui/labelling/controller.py`, `label_model.py`). The token-length sample is measured with "
        "the Rust tokenizer alone (`backend_tokenizer.encode_batch`, which releases the GIL) instead of the "
        "full tokenizer call that also built attention masks and Python lists per token "
        "(`tlstudio/core/data/token_stats.py`); a big file's first rows no longer race pyqtgraph's import.",
        "- Focused before/after (`bench/gui_million_rows.py`'s app part, 2 opens, load ~8-9): longest GUI "
        "stall while loading and profiling 1.6-1.8 s to 0.29-0.6 s; labels profiled (second open) 3.4 s to "
        "1.1 s. What the late ticks still coincide with: pyarrow's multi-threaded CSV read, the tokenizer's "
        "Rust threads and the text hashing, all of which release the GIL but occupy both cores, and the other "
        "engineers' work (a load of 8-10 on 2 cores): a thread then waits for a core, whatever it runs.",
        "- This section's run (3 opens, load ~10, against the session-3 run at load ~25): first rows 1.41 s "
        "to 0.79 s (target met), labels profiled 5.1 s to 2.1 s, longest GUI stall 2,996 ms to 614 ms (still "
        "open). Still on the GUI thread and sampled there: the Label page counting classes when a file opens "
        "(`label_counts` and `pd.unique` over the million labels, vectorised now, ~100 ms sampled) and the "
        "table model's reset. Not done: build the Label page's labelling state off the GUI thread or when that "
        "page is first shown (its journal recovery at start-up expects it built with the data).",
        "- Quiet machine (load under 1, session 4): everything is faster and the ratios move. pandas' pyarrow "
        "engine reads the file in 0.16-0.42 s and `read_table` in 0.24-0.33 s (1.05x), but the app's full load "
        "adds fixed costs that no longer hide under a slow read: a cProfile of the GUI thread's `_on_loaded` "
        "found 105 ms per open, 79 ms of it the Label page, which read the million labels twice (`pd.unique` "
        "for the class list, `factorize` for the counts), and 20 ms the settings form converting the whole "
        "config to a dict once per row. Fixed: one pass gives the classes and their counts "
        "(`ui/labelling/controller.py`, `class_actions.py`), and the form converts the config once; then the "
        "count itself moved to the reading thread, which hands it to the Label page with the table "
        "(`Table.label_counts`): `_on_loaded` went from 105 ms to 36 ms per open. Medians of 3 opens, before, "
        "after the first fix (two runs), after the second: app full load / pandas 2.31; 1.72, 1.68; 1.45 "
        "(target 1.2, open). Longest GUI stall while loading and profiling 98.5; 59, 95; 53 ms (target 50, "
        "open; the first open of each run, with first-time imports, stalls 235-264 ms). Peak memory on the "
        "first open 2.46x; 1.98x, 2.10x; 1.95x the file (target 2x, met in the last run, one open per run). "
        "What the late ticks now find is the GUI thread waiting for the GIL while the reading thread converts "
        "pyarrow's table to pandas and the profiling jobs run; the app's remaining extra ~0.15 s over "
        "`read_table` is that conversion competing with the GUI thread showing the first rows, the role "
        "suggestions and the table model's reset.",
    ],
    "Inference": [
        "- tlstudio's three runtimes share its tokenisation (dynamic padding, max length 128); the pipeline "
        "pads each batch to its longest text as well. On this loaded machine PyTorch's per-call overhead "
        "(thread pool start, many small kernels) dominates one-text latency; onnxruntime's graph executes "
        "the same network with far fewer dispatches.",
    ],
}


def findings_for(title: str) -> list[str]:
    for prefix, lines in FINDINGS.items():
        if title.startswith(prefix):
            return lines
    return []
