"""Run the whole benchmark suite, print a table and write docs/benchmarks.md.

    PYTHONPATH=. python bench/run_all.py            # the full run (about half an hour on 2 busy cores)
    PYTHONPATH=. python bench/run_all.py --quick    # tiny sizes, to check the suite works (a few minutes)
    PYTHONPATH=. python bench/run_all.py --only startup,inference --output /tmp/b.md

Each section runs in its own process (a fresh interpreter for the start-up
figure, a fresh QApplication for the GUI ones, a clean peak-memory count), one
after the other, while the load average is sampled.  Every figure is the median
of its runs with the min and max; ratios are taken run by run between
measurements made back to back.  Targets missed are listed first in the
document, with what the profile showed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import Figure, LoadSampler, Section, machine  # noqa: E402
from findings import findings_for  # noqa: E402

# section key -> script; run in this order.
SECTIONS = {
    "training": "training_throughput.py",
    "inference": "inference_speed.py",
    "startup": "startup_time.py",
    "gui": "gui_responsiveness.py",
    "bigdata": "gui_million_rows.py",
}


def run_section(key: str, quick: bool, env: dict) -> Section:
    command = [sys.executable, str(HERE / SECTIONS[key]), "--json"] + (["--quick"] if quick else [])
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=None, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        section = Section(f"{key} (failed)")
        section.notes.append(f"`{' '.join(Path(c).name for c in command)}` exited with {done.returncode}")
        return section
    section = Section.from_dict(json.loads(done.stdout.strip().splitlines()[-1]))
    section.notes.append(f"section time {elapsed:.0f} s")
    return section


def fmt(value: float) -> str:
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def target_text(figure: Figure) -> str:
    if figure.target is None:
        return ""
    op, bound = figure.target
    mark = "met" if figure.met else "**open**"
    return f"{'≥' if op == '>=' else '≤'} {fmt(bound)}: {mark}"


def row(figure: Figure) -> list[str]:
    if not figure.values:
        return [figure.name, figure.unit, "n/a", "", "", "0", target_text(figure)]
    return [
        figure.name,
        figure.unit,
        fmt(figure.median),
        fmt(min(figure.values)),
        fmt(max(figure.values)),
        str(len(figure.values)),
        target_text(figure),
    ]


HEADER = ["figure", "unit", "median", "min", "max", "runs", "target"]


def print_table(sections: list[Section]) -> None:
    rows = [HEADER] + [row(f) for s in sections for f in s.figures]
    widths = [min(60, max(len(r[i]) for r in rows)) for i in range(len(HEADER))]
    for section in sections:
        print(f"\n== {section.title}")
        for r in [HEADER] + [row(f) for f in section.figures]:
            print(
                "  ".join(
                    cell[:60].ljust(w) if i in (0, 1, 6) else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(r, widths))
                )
            )


def notes_on(section: Section) -> list[str]:
    """What the run recorded about where time went, then the profile notes written by hand (findings.py)."""
    return section.findings + findings_for(section.title)


def markdown(sections: list[Section], info: dict, load: list[float], command: str, quick: bool) -> str:
    lines = [
        "# Benchmarks",
        "",
        "tlstudio measured side by side with the plain Hugging Face baselines, on one machine, in one session. "
        "The machine is shared: absolute times are noisy, so pairs are run back to back and their ratios "
        "are what to compare. Every figure is the median of its runs, with the min and max.",
        "",
        f"Reproduce: `{command}` (writes this file).",
        "",
    ]
    if quick:
        lines += ["> **Quick mode**: tiny sizes to check that the suite runs; these figures mean little.", ""]
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    lines += [
        "## Machine",
        "",
        f"- date: {info['date']}",
        f"- CPU: {info['cpu']}, {info['cpus']} logical CPUs, {info['memory']} memory; {info['os']}",
        f"- versions: {versions}",
        f"- load average (1 min) during the run: median {sorted(load)[len(load) // 2]:.1f}, "
        f"min {min(load):.1f}, max {max(load):.1f} (sampled every 5 s over every section's run; each section "
        f"gives its own below; {info['cpus']} CPUs: a load above {info['cpus']} means other work was "
        f"competing for them)",
        "",
    ]
    open_targets = [(s, f) for s in sections for f in s.figures if f.met is False]
    lines += ["## Open targets", ""]
    if open_targets:
        for section, figure in open_targets:
            lines.append(
                f"- **{figure.name}** ({section.title}): median {fmt(figure.median)} {figure.unit}, "
                f"target {target_text(figure).split(':')[0]}."
            )
        lines.append("")
        for section in sections:
            if notes_on(section) and any(f.met is False for f in section.figures):
                lines += [f"### {section.title}: where the time goes", "", *notes_on(section), ""]
    else:
        lines += ["None: every target holds in this run.", ""]
    failed = [s.title for s in sections if s.title.endswith("(failed)")]
    if failed:
        lines += [f"Sections that failed to run: {', '.join(failed)}.", ""]
    lines += ["## Figures", ""]
    for section in sections:
        lines += [f"### {section.title}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(row(f)) + " |" for f in section.figures]
        lines.append("")
        lines += [f"- {note}" for note in section.notes]
        if notes_on(section) and not any(f.met is False for f in section.figures):
            lines += ["", "What the profiles showed:", "", *notes_on(section)]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the suite works end to end")
    parser.add_argument("--only", help="comma-separated sections: " + ", ".join(SECTIONS))
    parser.add_argument(
        "--output",
        default=str(HERE.parent / "docs" / "benchmarks.md"),
        help="markdown file to write (default docs/benchmarks.md); the raw figures go beside it as .json",
    )
    parser.add_argument(
        "--render", action="store_true", help="run nothing: write the markdown again from the existing .json"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sections of the existing .json and replace only those run now",
    )
    args = parser.parse_args()
    keys = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [k for k in keys if k not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")])),
    }
    info = machine()
    sections = []
    if args.render:
        keys, args.merge = [], True
    with LoadSampler() as load:
        for key in keys:
            print(f"-- {key}…", file=sys.stderr, flush=True)
            sections.append(run_section(key, args.quick, env))
    samples = load.samples
    output = Path(args.output)
    raw = output.with_suffix(".json")
    if args.merge and raw.is_file():
        # Sections run earlier keep their figures; the machine record keeps the first date and all load samples.
        before = json.loads(raw.read_text(encoding="utf-8"))
        now = {key: section for key, section in zip(keys, sections)}
        ordered = [key for key in SECTIONS if key in now or key in before["sections"]]
        sections = [now[k] if k in now else Section.from_dict(before["sections"][k]) for k in ordered]
        if now:
            samples = before["load"] + samples
            # One span from the first section's run to this one (not a chain of every merge's dates).
            info = {**before["machine"], "date": f"{before['machine']['date'].split(' to ')[0]} to {info['date']}"}
        else:  # --render
            samples, info, args.quick = before["load"], before["machine"], before["quick"]
        keys = ordered
    print_table(sections)
    command = "PYTHONPATH=. python bench/run_all.py" + (" --quick" if args.quick else "")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(sections, info, samples, command, args.quick), encoding="utf-8")
    raw.write_text(
        json.dumps(
            {
                "machine": info,
                "load": samples,
                "quick": args.quick,
                "sections": {k: s.to_dict() for k, s in zip(keys, sections)},
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nwrote {output}")
    return 1 if any(s.title.endswith("(failed)") for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
