"""docs/benchmarks.md: the numbers of one `make bench` run, the goals they meet, and why."""

from __future__ import annotations

from typing import Any

GOAL_A = 1.0  # (a) render <= 1.0x one Helm render of the same objects
GOAL_B = 0.35  # (b) check of N targets <= 0.35x N Helm renders
GOAL_C = 5.0  # (c) 300 brokers <= 5x 3 brokers
GOAL_D = 2000  # (d) resources per second
GOAL_E = 100  # (e) MiB peak
BOUND = 0.10  # issues #10 and #11: render and check may not get more than 10% slower than the tree before

# Phases the issue's work moved (bench/run.py PHASES): always shown in its section.
PHASES_OF_ISSUE = (
    "check parameters (schema, rules)",
    "checks and invariants",
)

# What each "before" revision is, for the before/after section (any other revision is named only).
TREES = {
    "ac9681b": "the first generator",
    "ffc00d3": "the tree before the second round of work below (validators and templates compiled once and "
    "kept, parallel check)",
    "d4b85bf": "the tree before issue #10 (one broker StatefulSet, content-named ConfigMaps, identity guard)",
    "771919b": "the tree before issue #11 (engine and components; see the section on it below)",
}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def verdict(ok: bool, ok_by_cpu: bool | None = None) -> str:
    """Judged on median wall time, as the goals are written; said so when CPU time disagrees."""
    if ok_by_cpu is None or ok_by_cpu == ok:
        return "**met**" if ok else "**not met**"
    return "**met** by wall time only" if ok else "**not met** by wall time (met by CPU time)"


def write_report(info: dict[str, Any], now: dict[str, Any], befores: list[dict[str, Any]]) -> str:
    """`befores`: older trees, oldest first; profiles are compared with the newest of them."""
    before = befores[-1] if befores else None
    a, b, c, d = now["a"], now["b"]["one"], now["c"], now["d"]
    parallel = now["b"]["check"]
    helm_b = now["b"]["helm"]
    render, helm = a["render"], a["helm"]
    targets = now["b_targets"]
    small, large = c[f"ours-{3}"], c[f"ours-{300}"]
    ratio_a = render.wall / helm.wall
    ratio_b = b.wall / helm_b.wall
    ratio_c = large.wall / small.wall
    cpu_a, cpu_b, cpu_c = render.cpu / helm.cpu, b.cpu / helm_b.cpu, large.cpu / small.cpu
    rate = d["resources"] / d["warm"]
    rate_cpu = d["resources"] / d["warm_cpu"]
    rate_cold = d["resources"] / d["cold"]
    peak = max(render.peak_mib, large.peak_mib)
    objects, differences = now["a_objects"]
    same = "yes" if not differences else f"NO ({len(differences)} differences: {'; '.join(differences[:4])})"
    scale_same = all(not diff for _, diff in now["c_objects"].values())
    checked, target_differences = now.get("b_objects", (0, []))
    targets_same = (
        "yes" if not target_differences else f"NO ({len(target_differences)}: {'; '.join(target_differences[:4])})"
    )

    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py, bench/report.py); do not edit by hand, run it again.",
        f"Run finished {info.get('date', '?')}, took {info['duration']}.",
        "",
        "Every number is the median of "
        f"{info['runs']} runs of a whole process, started the way a user starts it (the "
        "code of the `kafka-profiles` console script; for Helm, a Python process that loads the Helm "
        "engine and renders the chart), after one discarded warm-up run. Commands that are compared run "
        "round-robin, so both see the same load. Wall and CPU time and peak RSS come from `wait4` "
        "of that one process. It is a benchmark, not a test: `make test` asserts no timing.",
        "",
        "## Machine and versions",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in info["machine"].items()],
        *[f"| {key} | {value} |" for key, value in info["versions"].items()],
        "",
        "The machine is shared (other jobs ran at the same time): spreads (min-max) are given so that "
        "noise is visible, every goal is a ratio of medians measured in the same run, round-robin, and "
        "each ratio is also given in CPU time, which other jobs disturb much less than wall time.",
        "",
        "## Results",
        "",
        "| | measurement | kafka-profiles | Helm, same objects | ratio | goal | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| (a) | `render high-availability`, full validation, whole process ({objects} objects) | "
        f"{ms(render.wall)} | {ms(helm.wall)} | {ratio_a:.2f}x (CPU {cpu_a:.2f}x) | <= {GOAL_A}x | "
        f"{verdict(ratio_a <= GOAL_A, cpu_a <= GOAL_A)} |",
        f"| (a) | the same, first run after an install or upgrade (empty compiled cache) | {ms(a['cold'].wall)} | "
        f"{ms(helm.wall)} | {a['cold'].wall / helm.wall:.2f}x (CPU {a['cold'].cpu / helm.cpu:.2f}x) | | |",
        *(
            [
                f"| (a) | `render high-availability,kraft` (KRaft on Kafka 4.1, {now['kraft_objects']} objects) | "
                f"{ms(a['kraft'].wall)} | | | | |"
            ]
            if "kraft" in a
            else []
        ),
        f"| (b) | `check --jobs 1` over {targets} targets in one process | {ms(b.wall)} | "
        f"{targets} renders, one process each: {ms(helm_b.wall)} | {ratio_b:.2f}x (CPU {cpu_b:.2f}x) | "
        f"<= {GOAL_B}x | "
        f"{verdict(ratio_b <= GOAL_B, cpu_b <= GOAL_B)} |",
        f"| (b) | `check` as run by default: the same, one worker process per core | {ms(parallel.wall)} | "
        f"{ms(helm_b.wall)} | {parallel.wall / helm_b.wall:.2f}x (CPU {parallel.cpu / helm_b.cpu:.2f}x) | | |",
        f"| (c) | one target with 3 / 30 / 300 brokers | {ms(small.wall)} / {ms(c['ours-30'].wall)} / "
        f"{ms(large.wall)} | {ms(c['helm-3'].wall)} / {ms(c['helm-30'].wall)} / {ms(c['helm-300'].wall)} | "
        f"300:3 = {ratio_c:.2f}x (CPU {cpu_c:.2f}x; Helm {c['helm-300'].wall / c['helm-3'].wall:.2f}x) | "
        f"<= {GOAL_C}x | "
        f"{verdict(ratio_c <= GOAL_C, cpu_c <= GOAL_C)} |",
        f"| (d) | strict Kubernetes validation, {d['resources']} resources x {d['versions']} Kubernetes "
        f"versions, one process | {rate:,.0f} resources/s ({rate * d['versions']:,.0f} validations/s; "
        f"by CPU time {rate_cpu:,.0f}/s; first pass, building validators: {rate_cold:,.0f}/s) | - | | "
        f">= {GOAL_D}/s | "
        f"{verdict(rate >= GOAL_D, rate_cpu >= GOAL_D)} |",
        f"| (e) | peak memory of (a) / of the 300-broker render | {render.peak_mib:.0f} MiB / "
        f"{large.peak_mib:.0f} MiB | {helm.peak_mib:.0f} MiB / {c['helm-300'].peak_mib:.0f} MiB | | "
        f"<= {GOAL_E} MiB | {verdict(peak <= GOAL_E)} |",
        f"| (f) | Helm anchor: tests/bench/helm/kafka-profiles rendered by the Helm engine | | "
        f"{ms(helm.wall)} | | same objects as (a): {same}; as (c): {'yes' if scale_same else 'NO'}; "
        f"as each of the {checked} (b) targets, given its params.yaml as values: {targets_same} | |",
        "",
        "Details (median wall / median CPU / min-max wall / peak RSS):",
        "",
        "| command | wall | CPU | spread | peak |",
        "| --- | --- | --- | --- | --- |",
    ]
    detail_rows = [
        ("kafka-profiles render high-availability", render),
        ("kafka-profiles render high-availability, empty compiled cache", a["cold"]),
        *([("kafka-profiles render high-availability,kraft", a["kraft"])] if "kraft" in a else []),
        ("Helm render of the same objects", helm),
        (f"kafka-profiles check --jobs 1 ({targets} targets)", b),
        (f"kafka-profiles check ({targets} targets, {info['machine']['cpu'].rsplit(', ', 1)[-1]})", parallel),
        (f"Helm, {targets} renders (one process each, in a shell loop)", helm_b),
        *[(f"kafka-profiles render, {n} brokers", c[f"ours-{n}"]) for n in (3, 30, 300)],
        *[(f"Helm render, {n} brokers", c[f"helm-{n}"]) for n in (3, 30, 300)],
        ("kafka-profiles --help", a["help"]),
        ("kafka-profiles profiles", a["profiles"]),
        ("python -c pass", a["python"]),
        (f"python -c 'import {now['floor_imports']}'", a["floor"]),
    ]
    for name, stats in detail_rows:
        lines.append(
            f"| {name} | {ms(stats.wall)} | {ms(stats.cpu)} | {stats.spread()} ms | {stats.peak_mib:.0f} MiB |"
        )
    lines += [
        "",
        f"Of {', '.join(_heavy())}: `--help` imports {', '.join(now['help_imports']) or 'none'}; "
        f"`profiles` imports {', '.join(now['profiles_imports']) or 'none'}; a `render` of valid input "
        f"imports {', '.join(now['render_imports']) or 'none'} (jsonschema only words a refusal).",
        "",
    ]
    if befores:
        lines += _before_after(befores, now)
    if "head_to_head" in now and before is not None:
        lines += _issue_10(now, before)
    lines += _profiles(now, before)
    lines += _goals(now, (ratio_a, cpu_a), (ratio_b, cpu_b), (ratio_c, cpu_c), (rate, rate_cpu), peak)
    lines += _notes(now)
    return "\n".join(lines) + "\n"


def _heavy() -> tuple[str, ...]:
    return ("jinja2", "jsonschema", "referencing", "fastjsonschema")


def _before_after(befores: list[dict[str, Any]], now: dict[str, Any]) -> list[str]:
    def rows(tree: dict[str, Any]) -> list[float]:
        return [
            tree["a"]["render"].wall,
            tree["b"].get("one", tree["b"]["check"]).wall,  # one process, as every older tree ran it
            *[tree["c"][f"ours-{n}"].wall for n in (3, 30, 300)],
            tree["d"]["resources"] / tree["d"]["warm"],
            tree["a"]["render"].peak_mib,
            tree["c"]["ours-300"].peak_mib,
        ]

    names = [
        "(a) render high-availability",
        f"(b) check {now['b_targets']} targets, one process",
        *[f"(c) render, {n} brokers" for n in (3, 30, 300)],
        "(d) validation, resources/s",
        "(e) peak memory of (a)",
        "(e) peak memory, 300 brokers",
    ]
    columns = [rows(tree) for tree in befores]
    after = rows(now)
    lines = [
        "## Before and after",
        "",
        "Measured in the same run with the same virtualenv, each tree byte-compiled the same way: "
        + ", ".join(tree["label"] for tree in befores)
        + f"; {len(befores[0]['a']['render'].walls)} runs each (one for (b) and 300 brokers: the oldest "
        "is slow), after the whole run of this tree. "
        + " ".join(f"{tree['label'].capitalize()}: {_tree(tree['label'])}." for tree in befores)
        + " The tree has grown since the first (explain, failure budget, invariants, README.md per target, "
        "fsync of every file), so later columns do more work.",
        "",
        "| | " + " | ".join(tree["label"] for tree in befores) + " | after | speed-up (last before : after) |",
        "| --- | " + "--- | " * len(befores) + "--- | --- |",
    ]
    for index, name in enumerate(names):
        olds = [column[index] for column in columns]
        new = after[index]
        if name.startswith("(d)"):
            cells = [f"{old:,.0f}/s" for old in olds] + [f"{new:,.0f}/s", f"{new / olds[-1]:.1f}x"]
        elif name.startswith("(e)"):
            cells = [f"{old:.0f} MiB" for old in olds] + [f"{new:.0f} MiB", ""]
        else:
            cells = [ms(old) for old in olds] + [ms(new), f"{olds[-1] / new:.1f}x"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _tree(label: str) -> str:
    revision = label.split("(", 1)[-1].rstrip(")")
    return TREES.get(revision, f"revision {revision}")


def _change(old: float, new: float) -> str:
    return f"{(new / old - 1) * 100:+.0f}%"


def _issue_10(now: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """What issue #11 changed and what it cost, from the head-to-head round-robin."""
    duel = now["head_to_head"]
    stats = duel["stats"]
    label = duel["label"]
    rows = (
        ("render", "(a) `render high-availability` (17 objects in both trees)", True),
        ("one", f"(b) `check --jobs 1` over {now['b_targets']} targets", True),
        ("check", "(b) `check` as run by default, one worker per core", True),
        ("300", "(c) `render` with 300 brokers", False),
    )
    lines = [
        "## Issue #11: the engine and components, and what they cost",
        "",
        "Issue #11 rebuilt the generator as an engine (generator/core) and one package per component "
        "(generator/components: cluster, zookeeper, brokers, clients, budget), each with its schema fragment, "
        "frozen model, config files built from owned sections, rules over the models and invariants over the "
        "rendered objects. The manifests and config files it renders are byte-identical to before; what a "
        "render does on top: the parameter schema is assembled from the fragments (dumped once per process), "
        "each model freezes its parameters, config files are written from sections and checked for keys a "
        "section owns, about twenty new rules (heap headroom, requests within limits, probe and grace "
        "periods, ZooKeeper session bounds, heartbeats, batch sizes, the four-letter words), a minimum for "
        "every numeric catalog key, ten new parameters per target (image tag, pull secrets, tolerations, node "
        "selector, priority class) in params.yaml and README.md, and params.yaml listing every earlier layer "
        "that set a value. For high-availability that is still 17 objects; the "
        f"{now['b_targets']} (b) targets hold {before['b_objects_count']} objects before and "
        f"{now['b_objects_count']} after.",
        "",
        f"The bound the issue sets: render and check no more than {BOUND:.0%} slower. Measured here "
        f"head to head: this tree and {label} round-robin in one loop, {duel['runs']} runs each after a "
        "warm-up, each a re-render of a target already on disk or a check of the (b) root (median wall; "
        "CPU time alongside, which other jobs on the machine disturb less).",
        "",
        f"| | {label} | now | change, wall | change, CPU | change per object | within {BOUND:.0%} |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    objects = {"one": (before["b_objects_count"], now["b_objects_count"])}
    objects["check"] = objects["one"]
    verdicts = []
    for key, name, bounded in rows:
        old, new = stats[f"before-{key}"], stats[f"now-{key}"]
        wall_ok = new.wall <= old.wall * (1 + BOUND)
        cpu_ok = new.cpu <= old.cpu * (1 + BOUND)
        per_object = ""
        if key in objects:
            old_n, new_n = objects[key]
            per_object = _change(old.wall / old_n, new.wall / new_n)
        elif key == "render":
            per_object = _change(old.wall, new.wall)
        within = ("yes" if wall_ok else "**no**") + (
            "" if wall_ok == cpu_ok else f" (CPU: {'yes' if cpu_ok else 'no'})"
        )
        lines.append(
            f"| {name} | {ms(old.wall)} (CPU {ms(old.cpu)}) | {ms(new.wall)} (CPU {ms(new.cpu)}) | "
            f"{_change(old.wall, new.wall)} | {_change(old.cpu, new.cpu)} | {per_object} | "
            f"{within if bounded else '(not bounded)'} |"
        )
        if bounded:
            verdicts.append((name.split(" ", 1)[1], wall_ok, cpu_ok))
    failed = [name for name, wall_ok, _ in verdicts if not wall_ok]
    lines += [
        "",
        (
            f"The bound holds for every bounded row (wall time, {BOUND:.0%})."
            if not failed
            else f"The bound does not hold by wall time for: {'; '.join(failed)}."
        ),
        "",
        "What the redesign adds to a render (and what the cuts below pay for): its start-up imports about 25 more"
        " small modules (the engine, generator/k8s, one package per component, among them the KRaft controllers "
        "component that a ZooKeeper-mode target leaves disabled but still imports and whose parameters it still "
        "validates), and each render runs about twenty more rules, checks a minimum on every numeric catalog key "
        "it uses and writes about 30 more lines into params.yaml and README.md (the image, scheduling and KRaft "
        "parameters). A warm render in one process costs the same as before (about 15 ms); what a whole process "
        "adds is mostly those imports, about 20 ms. The spread between runs on this shared machine is as large as"
        " the difference: four runs of this comparison at nearly the same code gave -3% to +28% for (a), and the "
        "parallel check moves with the machine's other load (two workers on two cores)."
        "",
        "What pays for it (after the first measurement over the bound): a re-render that changes nothing "
        "touches no file (no staging tree, no fsync of every file: the head-to-head re-renders a target on "
        "disk, as a user re-renders a committed one); every ConfigMap's files are written as YAML literal "
        "blocks by the fast writer instead of PyYAML's pure-Python emitter (held byte for byte to PyYAML by "
        "property tests and by every committed config file); properties files are read back by splitting "
        "each line at its separator; parsed YAML files are kept in the compiled cache by the digest of "
        "their text. Each is in tests/engine (test_writer, test_serialize, test_compiled).",
        "",
        f"Where the difference is, from the profiles (cProfile, {label} and now, cumulative and overlapping "
        "as in the section below; the phases that moved most):",
        "",
        f"| phase | (a) {label} | (a) now | (c) 300 brokers, {label} | (c) now |",
        "| --- | --- | --- | --- | --- |",
    ]
    moved = []
    for key in ("profile_a", "profile_c"):
        old_phases, new_phases = dict(before[key]["phases"]), dict(now[key]["phases"])
        for phase in set(old_phases) | set(new_phases):
            moved.append((abs(new_phases.get(phase, 0) - old_phases.get(phase, 0)), phase))
    shown = []
    for _, phase in sorted(moved, reverse=True):
        if phase not in shown and phase != "all imports":
            shown.append(phase)
    issue_phases = [p for p in PHASES_OF_ISSUE if p not in shown[:6]]
    shown = ["whole process", *shown[:6], *issue_phases]
    for phase in shown:
        cells = []
        for key in ("profile_a", "profile_c"):
            for tree in (before, now):
                if phase == "whole process":
                    cells.append(ms(tree[key]["total"]))
                else:
                    value = dict(tree[key]["phases"]).get(phase)
                    cells.append(ms(value) if value is not None else "-")
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _phase_table(now: dict[str, Any], before: dict[str, Any] | None, key: str) -> list[str]:
    current = dict(now[key]["phases"])
    old = dict(before[key]["phases"]) if before else {}
    labels = list(current) + [label for label in old if label not in current]
    header = "| phase (cumulative, overlapping) | " + ("before | " if before else "") + "after |"
    lines = [header, "| --- | " + ("--- | " if before else "") + "--- |"]
    total_old = before[key]["total"] if before else 0
    total_new = now[key]["total"]
    lines.append(f"| whole process | {ms(total_old) + ' | ' if before else ''}{ms(total_new)} |")
    for label in labels:
        cells = [label]
        if before:
            cells.append(ms(old[label]) if label in old else "-")
        cells.append(ms(current[label]) if label in current else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _top(profile: dict[str, Any]) -> list[str]:
    lines = ["| function | calls | own time | cumulative |", "| --- | --- | --- | --- |"]
    for name, calls, own, cumulative in profile["top"][:10]:
        lines.append(f"| `{name}` | {calls} | {ms(own)} | {ms(cumulative)} |")
    return lines


def _profiles(now: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    lines = [
        "## Where the time goes",
        "",
        "cProfile of one whole `render` (profiler overhead inflates every number by 1.5-2x; read the "
        "shares). Phases are cumulative times of the functions named in bench/run.py and overlap: the "
        "imports happen inside the phases that first need them.",
        "",
        "### (a) `render high-availability`",
        "",
        *_phase_table(now, before, "profile_a"),
        "",
    ]
    if before:
        lines += ["Top functions by own time, before:", "", *_top(before["profile_a"]), ""]
    lines += ["Top functions by own time, after:", "", *_top(now["profile_a"]), ""]
    lines += [
        "Imports of a `render` (python -X importtime, top level, cumulative):",
        "",
        "| module | ms |",
        "| --- | --- |",
        *[f"| {name} | {cost:.1f} |" for name, cost in now["imports_a"]],
        "",
        "### (c) `render` with 300 brokers",
        "",
        *_phase_table(now, before, "profile_c"),
        "",
    ]
    if before:
        lines += ["Top functions by own time, before:", "", *_top(before["profile_c"]), ""]
    lines += ["Top functions by own time, after:", "", *_top(now["profile_c"]), ""]
    lines += [
        f"### (b) `check` over {now['b_targets']} targets",
        "",
        *_phase_table(now, before, "profile_b"),
        "",
        "Top functions by own time, after:",
        "",
        *_top(now["profile_b"]),
        "",
    ]
    lines += [
        "### What was done about each",
        "",
        "First round (against the first generator):",
        "",
        "1. **Strict Kubernetes validation (then about 90% of a render).** The profile was topped by "
        "`referencing._core.crawl`: the shared `_definitions.json` was registered under a made-up URI, so "
        "every `$ref` missed the registry and made `referencing` crawl all 1.2 MB of definitions (about "
        "280,000 subschemas). Registered under its own `$id`, a `$ref` became a lookup plus a JSON pointer.",
        "2. **Parsing the rendered YAML** with libyaml (`CSafeLoader`); only invalid YAML goes through the "
        "Python parser again, for its messages.",
        "3. **Canonical YAML** written directly in the canonical block layout, PyYAML asked only how to "
        "write a scalar that is not a plain word (cached); anything it cannot promise byte for byte falls "
        "back to PyYAML. Checked byte for byte against PyYAML on 1,500 files and 60,000 random documents.",
        "4. **params.yaml**: plain words, numbers, booleans and null take the same shortcut.",
        "5. **Templates** compiled once per process (one Jinja Environment per templates folder).",
        "6. **Objects seen before** are not validated again: a memo per (object as JSON, Kubernetes version).",
        "7. **Imports** where the commands need them: `--help` and `profiles` import no template or schema machinery.",
        "",
        "Second round (against the tree before it). After the first round the profile of (a) was topped by "
        "`builtins.compile` (Jinja compiling every template, every run), `marshal.loads`, the JSON decoder "
        "(the 1.2 MB definitions, once per Kubernetes version) and jsonschema's `descend`/`evolve`; "
        "importing jsonschema cost about 30 ms; 300 brokers spent most of their time in jsonschema.",
        "",
        "8. **Validators compiled once and kept** (generator/schemacode.py, generator/compiled.py): each "
        "strict schema (and the parameter schema) is turned into Python by fastjsonschema, compiled, and "
        "the code object kept under the user's cache folder, keyed by the schema files' stamps, "
        "fastjsonschema's version and the bytecode format. Loading the StatefulSet validator takes about "
        "1 ms; the definitions are not even read on a warm run, and jsonschema is not imported unless "
        "something is refused: then it words every problem, exactly as before. tests/engine/test_compiled.py "
        "holds both to the same verdict on valid and broken objects.",
        "9. **Templates compiled once and kept**: Jinja's own bytecode cache (`FileSystemBytecodeCache`, "
        "which checks each template's source) in the same folder.",
        "10. **Key catalogs parsed once and kept** (marshal), not re-read from YAML every run.",
        "11. **Byte-compiled modules**: this machine sets PYTHONDONTWRITEBYTECODE, so every run compiled "
        "the generator's own modules from source (about 20 ms). An installed package is byte-compiled by "
        "pip; the benchmark byte-compiles each measured tree the same way.",
        "12. **`check` in parallel**: the first target is checked in the command's process (loading "
        "everything), the rest by one forked worker per core, which start with all of it loaded; output "
        "keeps the targets' order. Rendered objects seen before in the same process (a site's Services "
        "and PDBs under every profile) are parsed and re-dumped once.",
        "13. Smaller ones: profile comments read with libyaml; the writer no longer starts `ldconfig` "
        "(ctypes.util.find_library) on every re-render.",
        "",
        "The cache only ever saves time: a render still renders every template, validates every object "
        "against every Kubernetes version and writes every file; a cache file that is missing, torn or "
        "from another version is rebuilt, and a folder that cannot be written is skipped. Not done, on "
        "purpose: keeping results (a render that skipped validation because the inputs look unchanged "
        "would make this benchmark measure a copy); replacing Jinja, click or PyYAML (the floor under "
        "Goals); fewer fsyncs (the writer's durability guarantee).",
        "",
    ]
    return lines


def _goals(
    now: dict[str, Any],
    a_ratios: tuple[float, float],
    b_ratios: tuple[float, float],
    c_ratios: tuple[float, float],
    rates: tuple[float, float],
    peak: float,
) -> list[str]:
    """Each goal as (wall, CPU) ratios; the wall one is the goal's own measure."""
    a = now["a"]
    floor, helm = a["floor"].wall, a["helm"].wall
    lines = ["## Goals", ""]
    (ratio_a, cpu_a), (ratio_b, cpu_b), (ratio_c, cpu_c), (rate, rate_cpu) = a_ratios, b_ratios, c_ratios, rates
    lines.append(
        f"- (a) render <= {GOAL_A}x Helm: {verdict(ratio_a <= GOAL_A, cpu_a <= GOAL_A)} "
        f"({ratio_a:.2f}x; CPU {cpu_a:.2f}x). "
        + (
            ""
            if ratio_a <= GOAL_A
            else f"Not reachable in CPython with the libraries the product is built on: starting Python "
            f"and importing {now['floor_imports']} alone takes {ms(floor)} here ({ms(a['floor'].cpu)} CPU), "
            f"{floor / helm:.2f}x Helm's whole render ({ms(helm)}), before a single profile is read. What "
            f"a render adds to that floor ({ms(a['render'].wall - floor)}) is in the (a) profile above: "
            "our modules and fastjsonschema's runtime, reading and merging the profiles, the parameter "
            "check, rendering and parsing back the templates, validating every object against two "
            "Kubernetes versions, the explain report, and writing with fsync. Helm validates nothing."
        )
    )
    targets = now["b_targets"]
    # CPU time: steadier than wall time on a shared machine
    per_target = (now["b"]["one"].cpu - a["render"].cpu) / (targets - 1)
    needed = (GOAL_B * now["b"]["helm"].cpu - a["render"].cpu) / (targets - 1)
    parallel_ratio = now["b"]["check"].wall / now["b"]["helm"].wall
    lines.append(
        f"- (b) check <= {GOAL_B}x of as many Helm renders: {verdict(ratio_b <= GOAL_B, cpu_b <= GOAL_B)} "
        f"({ratio_b:.2f}x; CPU {cpu_b:.2f}x). "
        + (
            f"Judged on one process (`--jobs 1`), as the goal is written: the start-up is paid once, "
            f"then each further target costs about {ms(per_target)} of CPU. By default `check` also "
            f"spreads targets over the cores ({parallel_ratio:.2f}x)."
            if ratio_b <= GOAL_B
            else f"The start-up is paid once, but each further target costs about {ms(per_target)} "
            f"of CPU (check minus one render, per target) where the goal leaves about {ms(needed)}. The "
            "(b) profile above shows where: strict validation of the objects that differ per target "
            "(every StatefulSet and ConfigMap carries the target's configuration or its checksum, and "
            "a StatefulSet is the largest schema), then render, parse back and canonical YAML, the "
            "parameter check and the explain report, all Python. Helm validates nothing and its "
            "per-render cost is mostly its own start-up. Getting to 0.35x needs a different design "
            "(e.g. rendering straight to canonical text instead of render-parse-dump, or a compiled "
            "validator), not a hot spot."
        )
    )
    lines.append(
        f"- (c) 300 brokers <= {GOAL_C}x 3 brokers: {verdict(ratio_c <= GOAL_C, cpu_c <= GOAL_C)} "
        f"({ratio_c:.2f}x; CPU {cpu_c:.2f}x)."
    )
    lines.append(
        f"- (d) >= {GOAL_D} resources/s: {verdict(rate >= GOAL_D, rate_cpu >= GOAL_D)} "
        f"({rate:,.0f}/s; by CPU time {rate_cpu:,.0f}/s)."
    )
    lines.append(f"- (e) <= {GOAL_E} MiB peak: {verdict(peak <= GOAL_E)} ({peak:.0f} MiB).")
    lines.append("")
    return lines


def _notes(now: dict[str, Any]) -> list[str]:
    return [
        "## Notes",
        "",
        "- Only ZooKeeper mode exists (Kafka 3.9 with ZooKeeper 3.8); there is no KRaft mode yet, so "
        "every target here is a ZooKeeper-mode target.",
        f"- (b) targets ({now['b_targets']}):"
        " the profiles high-availability, durability, throughput, low-latency and the combinations "
        "high-availability,throughput, durability,throughput, durability,low-latency and "
        "high-availability,low-latency on each of the sites tests/bench/sites/eu-3zones.yaml, "
        "us-2zones.yaml and onprem-12.yaml (24 targets), plus development with dev-laptop.yaml and "
        "without a site. They are rendered first, then one `kafka-profiles check --out ROOT` replays "
        "and compares them all (folders are named <site>--<target>; check reads each folder's "
        "params.yaml header). Helm's side is the same number of whole-process Helm renders.",
        "- (c) uses tests/bench/sites/scale.yaml with `--set kafka.replicas=N`; Helm renders the chart "
        "with the same replicas and namespace, and its objects equal ours for every N.",
        "- (d) validates the objects of the 300-broker target in one process with "
        "`generator.validate`'s validation without its memo of objects seen before (each pass repeats "
        "them), every object against each of the target's two Kubernetes versions, median of 7 passes "
        "after a first pass that builds the validators.",
        "- kafka-profiles is started as `python LAUNCHER ARGS`, where the launcher is the console "
        "script's two lines with the measured tree first on sys.path (the same work as `kafka-profiles`, "
        "and the same for the before tree).",
        "- The Helm engine is Helm's Go SDK compiled into libhelm_c, shipped inside the helm-python-sdk "
        "wheel from PyPI (installed by `make bench` into the project virtualenv, optional dependency "
        "group `bench`); nothing is downloaded at run time. The chart is tests/bench/helm/kafka-profiles, "
        "an ordinary chart (helpers, `range`, `sha256sum` checksums, `toYaml`) whose objects the "
        "benchmark compares with ours before timing. Helm neither validates nor fsyncs what it writes.",
        "- Helm's Bitnami kafka 31.5.0 chart (3 brokers + 3 ZooKeeper, 17 objects) was quoted at about "
        "0.12 s whole process on these machines; the chart here renders comparable objects faster, so "
        "the anchor is the stricter one.",
        "",
    ]
