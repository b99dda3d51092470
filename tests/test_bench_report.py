"""The benchmark report: medians with min and max, targets checked, open targets listed first.

The suite itself (bench/run_all.py) takes minutes; this checks only how it reports, in well under a second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from figures import Figure, Section, ratios  # noqa: E402
from run_all import markdown  # noqa: E402

MACHINE = {
    "cpu": "Test CPU",
    "cpus": 2,
    "memory": "8 GiB",
    "os": "Linux",
    "date": "2026-11-25 02:00 UTC",
    "versions": {"python": "3.11", "torch": "2.13"},
}


def test_a_figure_reports_its_median_and_checks_its_target_on_it():
    fast = Figure("a/b samples/s", "ratio", [0.90, 0.99, 1.02], (">=", 0.97))
    assert fast.median == 0.99 and fast.met is True
    assert Figure("stall", "ms", [10.0, 80.0, 90.0], ("<=", 50.0)).met is False
    assert Figure("peak", "GFLOP/s", [1.0]).met is None
    assert ratios([2.0, 3.0], [1.0, 0.0]) == [2.0]  # a zero baseline gives no ratio rather than a crash


def test_open_targets_come_first_with_their_profile_and_every_figure_shows_median_min_max():
    training = Section("Training throughput")
    training.add("a/b samples/s", "ratio", [0.95, 0.96, 0.98], (">=", 0.97))
    startup = Section("Start-up")
    startup.add("launch to a responsive window", "s", [1.2, 1.0, 1.4], ("<=", 1.5))
    startup.findings.append("- measured note")
    text = markdown([training, startup], MACHINE, [3.0, 5.0, 4.0], "python bench/run_all.py", quick=False)
    open_part = text[text.index("## Open targets") : text.index("## Figures")]
    assert "**a/b samples/s** (Training throughput): median 0.96 ratio, target ≥ 0.97" in open_part
    assert "launch to a responsive window" not in open_part
    assert "### Training throughput: where the time goes" in open_part  # its profile notes come with it
    assert "| launch to a responsive window | s | 1.20 | 1.00 | 1.40 | 3 | ≤ 1.50: met |" in text
    assert "median 4.0, min 3.0, max 5.0" in text and "Test CPU" in text and "torch 2.13" in text
    assert "- measured note" in text[text.index("### Start-up") :]


def test_render_writes_the_document_again_from_the_saved_figures(tmp_path):
    section = Section("Inference")
    section.add("one text", "ms", [5.0, 6.0, 7.0])
    output = tmp_path / "bench.md"
    output.with_suffix(".json").write_text(
        json.dumps({"machine": MACHINE, "load": [2.0], "quick": True, "sections": {"inference": section.to_dict()}})
    )
    subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--render", "--output", str(output)],
        check=True,
        capture_output=True,
    )
    text = output.read_text(encoding="utf-8")
    assert "| one text | ms | 6.00 | 5.00 | 7.00 | 3 |  |" in text and "Quick mode" in text
