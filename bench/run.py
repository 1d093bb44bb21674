"""`make bench`: time kafka-profiles as users run it, next to the Helm engine, and write docs/benchmarks.md.

Every timed command is a whole process started the way a user starts it (the console script, a
Python process that loads Helm), measured with os.wait4: wall time, CPU time and peak RSS of that
one process. Commands that are compared run round-robin, so both see the same machine load, and a
discarded warm-up run goes first. Reported numbers are medians. It is a benchmark, not a test:
nothing here fails on a slow number.

usage: python bench/run.py [--runs N] [--before REV]... [--doc PATH]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import pickle
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
BENCH_INPUTS = Path("tests/bench")  # relative: params.yaml headers record -f paths as given
SITES = BENCH_INPUTS / "sites"
CHART = BENCH_INPUTS / "helm" / "kafka-profiles"
HELM_RENDER = REPO / "bench" / "helm_render.py"
SPAWN = REPO / "bench" / "spawn.py"  # measures one process (see there why not from here)
PYTHON = sys.executable

# (b): eight profile combinations on three production sites, plus the development profile twice.
CHECK_PROFILES = (
    "high-availability",
    "durability",
    "throughput",
    "low-latency",
    "high-availability,throughput",
    "durability,throughput",
    "durability,low-latency",
    "high-availability,low-latency",
)
CHECK_SITES = ("eu-3zones", "us-2zones", "onprem-12")
BENCH_CLUSTER_ID = "YmVuY2gta3JhZnQtdGFyZw"  # any fixed id of the form docs/kraft.md gives
EXTRA_TARGETS = (("development", "dev-laptop"), ("development", None))
SCALE = (3, 30, 300)
SCALE_NAMESPACE = "kafka-scale"  # tests/bench/sites/scale.yaml
HEAVY_MODULES = ("jinja2", "jsonschema", "referencing", "fastjsonschema")
FLOOR_IMPORTS = "click, yaml, jinja2"  # what a render cannot do without: its CLI, YAML and templates


# --- running whole processes --------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    env: dict[str, str] | None = None
    before: Any = None  # a callable run untimed before each run (e.g. remove an output folder)


@dataclass
class Stats:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def peak_mib(self) -> float:
        return max(self.rss_kib) / 1024

    def spread(self) -> str:
        return f"{min(self.walls) * 1000:.0f}-{max(self.walls) * 1000:.0f}"


def run_once(command: Command, stats: Stats | None = None) -> None:
    if command.before is not None:
        command.before()
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(
            (PYTHON, str(SPAWN), *command.argv),
            cwd=REPO,
            env=command.env,
            stdout=subprocess.PIPE,
            stderr=errors,
            check=False,
        )
        sample = json.loads(done.stdout) if done.returncode == 0 else {"returncode": done.returncode}
        if sample["returncode"] != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise SystemExit(f"bench: {' '.join(command.argv)} exited {sample['returncode']}: {detail}")
    if stats is not None:
        stats.walls.append(sample["wall"])
        stats.cpus.append(sample["cpu"])
        stats.rss_kib.append(sample["rss_kib"])


def measure(commands: dict[str, Command], runs: int, warm_up: bool = True) -> dict[str, Stats]:
    """Round-robin: one warm-up each, then `runs` rounds; each round runs every command once."""
    results = {name: Stats() for name in commands}
    for command in commands.values() if warm_up else ():
        run_once(command)
    for _ in range(runs):
        for name, command in commands.items():
            run_once(command, results[name])
    return results


def output(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-600:]}")
    return done.stdout


# --- the tools being measured ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """kafka-profiles from a source tree: this one, or a git revision for the `before` columns.

    Started as `python LAUNCHER ARGS`, where the launcher is the console script's two lines with the
    tree first on sys.path: the same work as running `kafka-profiles`, for whichever tree."""

    label: str
    tree: Path
    script: Path
    env: dict[str, str] | None = None

    def argv(self, *args: str) -> tuple[str, ...]:
        return (PYTHON, str(self.script), *args)

    def python(self, *args: str) -> tuple[str, ...]:
        return (PYTHON, *args)

    def snippet(self, code: str, *args: str) -> tuple[str, ...]:
        """python -c CODE with the tree first on sys.path (-c would put the working folder there)."""
        return (PYTHON, "-c", f"import sys\nsys.path.insert(0, {str(self.tree)!r})\n{code}", *args)


def slug(label: str) -> str:
    """'before (ac9681b)' -> 'before-ac9681b': a folder name per tool."""
    return "-".join(label.replace("(", " ").replace(")", " ").split())


def make_tool(label: str, tree: Path, work: Path) -> Tool:
    """The tree's modules are byte-compiled first, as `pip install` does for an installed package
    (this machine sets PYTHONDONTWRITEBYTECODE, so nothing else would). Each tool gets a compiled
    cache folder of its own (generator/compiled.py; trees from before it ignore the variable)."""
    short = slug(label)
    launcher = work / f"kafka-profiles-{short}"
    launcher.write_text(
        f"import sys\nsys.path.insert(0, {str(tree)!r})\nfrom generator.cli import main\nsys.exit(main())\n"
    )
    output((PYTHON, "-m", "compileall", "-q", str(tree / "generator")))
    return Tool(label, tree, launcher, {**os.environ, "KAFKA_PROFILES_CACHE": str(work / f"cache-{short}")})


def before_tool(revision: str, work: Path) -> Tool | None:
    """The tree at `revision`, run with this virtualenv; None when git cannot produce it."""
    tree = work / f"tree-{revision}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=REPO, capture_output=True, check=False)
    if archive.returncode != 0:
        print(f"bench: no before columns: git archive {revision}: {archive.stderr.decode().strip()}")
        return None
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return make_tool(f"before ({revision})", tree, work)


def helm_argv(out_dir: Path, values: dict[str, Any] | None = None) -> tuple[str, ...]:
    extra = (json.dumps(values),) if values else ()
    return (PYTHON, str(HELM_RENDER), str(CHART), str(out_dir), *extra)


def fresh(folder: Path) -> Any:
    return lambda: shutil.rmtree(folder, ignore_errors=True)


# --- objects: Helm's must be ours -------------------------------------------------------------------


def objects_of_files(paths: Sequence[Path]) -> dict[tuple[str, str], Any]:
    found = {}
    for path in paths:
        for document in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
            if document:
                found[(document["kind"], document["metadata"]["name"])] = document
    return found


def helm_values_of(target_dir: Path) -> dict[str, Any]:
    """A target's params.yaml as the chart's values (the chart's values mirror params.yaml)."""
    params = yaml.load((target_dir / "params.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    values = {part: params[part] for part in ("cluster", "kafka", "zookeeper")}
    target = target_dir.name.split("--")[-1]  # check roots name folders <site>--<target>
    values["header"] = f"# Generated by kafka-profiles for target {target} (inputs: params.yaml); do not edit."
    return values


def same_objects_per_target(root: Path, helm_root: Path) -> tuple[int, list[str]]:
    """Helm renders each target of `root` from its params.yaml; (targets compared, differences)."""
    differences = []
    targets = sorted(path for path in root.iterdir() if (path / "params.yaml").is_file())
    for target_dir in targets:
        helm_dir = helm_root / target_dir.name
        output(helm_argv(helm_dir, helm_values_of(target_dir)))
        differences += [f"{target_dir.name}: {d}" for d in same_objects(target_dir, helm_dir)[1]]
    return len(targets), differences


def same_objects(ours_dir: Path, helm_dir: Path) -> tuple[int, list[str]]:
    ours = objects_of_files(sorted(ours_dir.glob("kubernetes/**/*.yaml")))
    helm = objects_of_files(sorted(helm_dir.rglob("*.yaml")))
    differences = [f"only kafka-profiles: {k[0]}/{k[1]}" for k in sorted(set(ours) - set(helm))]
    differences += [f"only Helm: {k[0]}/{k[1]}" for k in sorted(set(helm) - set(ours))]
    differences += [f"differs: {k[0]}/{k[1]}" for k in sorted(set(ours) & set(helm)) if ours[k] != helm[k]]
    return len(ours), differences


# --- (b): many targets in one out root ----------------------------------------------------------------


def check_targets() -> list[tuple[str, str | None]]:
    return [(p, s) for s in CHECK_SITES for p in CHECK_PROFILES] + list(EXTRA_TARGETS)


def prepare_check_root(tool: Tool, root: Path, scratch: Path) -> int:
    """Render every (b) target; `check` replays each folder's params.yaml header, so folders are
    named <site>--<target> to keep one root for all sites."""
    root.mkdir(parents=True)
    for profiles, site in check_targets():
        site_args = ("-f", str(SITES / f"{site}.yaml")) if site else ()
        site_root = scratch / (site or "no-site")
        out = output(tool.argv("render", profiles, *site_args, "--out", str(site_root)))
        target = out.strip().splitlines()[-1].split(":", 1)[0]
        (site_root / target).rename(root / f"{site or 'no-site'}--{target}")
    up_to_date = output(tool.argv("check", "--out", str(root))).count(": up to date")
    if up_to_date != len(check_targets()):
        raise SystemExit(f"bench: check found {up_to_date} of {len(check_targets())} targets up to date")
    return up_to_date


# --- (d): strict Kubernetes validation in one process ---------------------------------------------------

VALIDATION_SNIPPET = """
import glob, json, statistics, sys, time, yaml
try:
    from generator.k8s import schemas as validate  # the engine and components layout (issue #11)
except ImportError:
    from generator import validate
# The validation itself: without the memo of objects seen before (every pass here repeats them).
kubernetes_problems = getattr(validate, "_kubernetes_problems", validate.kubernetes_problems)
files = sorted(glob.glob(sys.argv[1] + "/kubernetes/**/*.yaml", recursive=True))
manifests = [yaml.load(open(f), Loader=yaml.CSafeLoader) for f in files]
versions = sys.argv[2].split(",")
def one_pass():
    started = time.perf_counter()
    problems = [p for m in manifests for v in versions for p in kubernetes_problems(m, v)]
    return time.perf_counter() - started, problems
cold, problems = one_pass()
walls, cpus = [], []
for _ in range(int(sys.argv[3])):
    cpu_started = time.process_time()
    walls.append(one_pass()[0])
    cpus.append(time.process_time() - cpu_started)
print(json.dumps({"resources": len(manifests), "versions": len(versions), "cold": cold,
                  "warm": statistics.median(walls), "warm_cpu": statistics.median(cpus),
                  "problems": len(problems)}))
"""


def validation_rate(tool: Tool, target_dir: Path, passes: int) -> dict[str, Any]:
    versions = "1.35,1.37"  # kubernetesVersions of the targets measured here (profiles/base.yaml)
    text = output(tool.snippet(VALIDATION_SNIPPET, str(target_dir), versions, str(passes)), tool.env)
    result: dict[str, Any] = json.loads(text)
    if result["problems"]:
        raise SystemExit(f"bench: {target_dir} does not validate: {result}")
    return result


# --- (3): where the time goes ------------------------------------------------------------------------

PHASES = (  # (label, path suffix, function); cumulative times overlap (imports happen inside phases)
    ("all imports", "importlib._bootstrap>", "_find_and_load"),
    ("merge profiles and site", "generator/target.py", "load"),
    ("check parameters (schema, rules)", "generator/target.py", "derived"),
    ("compile templates (Jinja)", "jinja2/environment.py", "compile"),
    ("render templates (Jinja)", "generator/core/render.py", "render_text"),
    ("parse rendered YAML", "generator/core/render.py", "_parse_object"),
    ("canonical YAML", "generator/serialize.py", "canonical_yaml"),
    ("strict Kubernetes validation", "generator/k8s/schemas.py", "kubernetes_problems"),
    ("key catalog validation", "generator/core/validate.py", "config_problems"),
    ("checks and invariants", "generator/core/engine.py", "check"),
    ("explain / README.md", "generator/explain.py", "report"),
    ("params.yaml", "generator/paramsfile.py", "params_yaml"),
    ("write files (fsync, swap)", "generator/writer.py", "write"),
    ("ConfigMap names (sha256 of their files)", "generator/k8s/objects.py", "configmap"),
    ("identity guard (StatefulSets on disk and rendered)", "generator/cli.py", "_refuse_identity_changes"),
)


def profile(tool: Tool, args: Sequence[str], work: Path, name: str) -> dict[str, Any]:
    """cProfile of one whole command (profiler overhead inflates times ~1.5-2x; read shares). A render
    is profiled as it is timed: a re-render of a target already on disk (run once first, untimed)."""
    data = work / f"{name}.prof"
    if args[0] == "render":
        output(tool.argv(*args), tool.env)
    output(tool.python("-m", "cProfile", "-o", str(data), str(tool.script), *args), tool.env)
    stats = pstats.Stats(str(data))
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = max(entry[3] for entry in table.values())
    phases = []
    for label, suffix, function in PHASES:
        cumulative = sum(e[3] for (f, _, fn), e in table.items() if f.endswith(suffix) and fn == function)
        if cumulative:
            phases.append((label, cumulative))
    top = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:12]
    functions = [(_short(f, line, fn), entry[1], entry[2], entry[3]) for (f, line, fn), entry in top]
    return {"total": total, "phases": phases, "top": functions}


def _short(path: str, line: int, function: str) -> str:
    for marker in ("site-packages/", "/generator/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1] if marker != "/generator/" else "generator/" + path.split(marker)[1]
            break
    return f"{path}:{line}({function})" if line else function


def import_costs(tool: Tool, args: Sequence[str]) -> list[tuple[str, float]]:
    """Modules imported at the top level, by cumulative import time (python -X importtime), in ms."""
    done = subprocess.run(
        tool.python("-X", "importtime", str(tool.script), *args),
        cwd=REPO,
        env=tool.env,
        capture_output=True,
        text=True,
        check=False,
    )
    costs = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2]
        if len(name) - len(name.lstrip(" ")) == 1:  # one space: imported by no other module
            costs.append((name.strip(), int(parts[1]) / 1000))
    return sorted(costs, key=lambda item: item[1], reverse=True)[:8]


def heavy_imports(tool: Tool, args: Sequence[str]) -> list[str]:
    """Which of the template and schema libraries a command imported."""
    snippet = (
        "sys.argv = ['kafka-profiles', *sys.argv[1:]]\n"
        "from generator.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:' + ','.join(sorted(m for m in sys.modules if m in {HEAVY_MODULES!r})))\n"
    )
    text = output(tool.snippet(snippet, *args), tool.env)
    found = [line for line in text.splitlines() if line.startswith("HEAVY:")][-1]
    return [module for module in found.removeprefix("HEAVY:").split(",") if module]


# --- machine and versions ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = next(
        (
            int(line.split()[1]) // (1024 * 1024)
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    load = os.getloadavg()
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{memory} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load": f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min, at the start)",
    }


def versions() -> dict[str, str]:
    found = {}
    for package in (
        "kafka-profiles",
        "jinja2",
        "pyyaml",
        "click",
        "jsonschema",
        "referencing",
        "fastjsonschema",
        "kubernetes-validate",
        "helm-python-sdk",
    ):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["libyaml"] = "yes" if hasattr(yaml, "CSafeLoader") else "no"
    import helm_python as helm

    found["Helm engine"] = f"Helm Go SDK {helm.helm_sdk_version()} (libhelm_c {helm.helm_c_version()})"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "generator", "templates", "profiles"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    found["tree"] = commit.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    return found


# --- the benchmark -----------------------------------------------------------------------------------


def bench_tool(tool: Tool, work: Path, runs: int, helm: bool) -> dict[str, Any]:
    """Every row for one tool; with `helm`, the Helm anchor runs round-robin with it."""
    out = work / slug(tool.label)
    out.mkdir()
    result: dict[str, Any] = {"label": tool.label, "floor_imports": FLOOR_IMPORTS}
    print(f"bench [{tool.label}]: (a) render, Helm anchor, import floor", flush=True)
    commands = {
        "render": Command(tool.argv("render", "high-availability", "--out", str(out / "a")), tool.env),
    }
    if helm:
        commands["helm"] = Command(helm_argv(out / "helm-a"), before=fresh(out / "helm-a"))
        cache = Path(str(tool.env and tool.env.get("KAFKA_PROFILES_CACHE")))
        cold = tool.argv("render", "high-availability", "--out", str(out / "a-cold"))
        commands["cold"] = Command(cold, tool.env, before=lambda: (fresh(cache)(), fresh(out / "a-cold")()))
        commands["floor"] = Command((PYTHON, "-c", f"import {FLOOR_IMPORTS}"))
        commands["python"] = Command((PYTHON, "-c", "pass"))
        commands["help"] = Command(tool.argv("--help"), tool.env)
        commands["profiles"] = Command(tool.argv("profiles"), tool.env)
        # A KRaft target (issue #12): controllers in place of ZooKeeper, on Kafka 4.1; this tree only.
        kraft_id = f"kafka.clusterId={BENCH_CLUSTER_ID}"
        kraft = ("high-availability,kraft", "--set", kraft_id, "--out", str(out / "a-kraft"))
        commands["kraft"] = Command(tool.argv("render", *kraft), tool.env)
    result["a"] = measure(commands, runs)
    if helm:
        result["kraft_objects"] = len(list((out / "a-kraft").glob("*/kubernetes/**/*.yaml")))
    if helm:
        count, differences = same_objects(out / "a" / "high-availability", out / "helm-a")
        result["a_objects"] = (count, differences)
        result["help_imports"] = heavy_imports(tool, ["--help"])
        result["profiles_imports"] = heavy_imports(tool, ["profiles"])
        result["render_imports"] = heavy_imports(tool, ["render", "high-availability", "--out", str(out / "hi")])

    print(f"bench [{tool.label}]: (b) check over many targets", flush=True)
    targets = prepare_check_root(tool, out / "check", out / "check-scratch")
    result["b_targets"] = targets
    result["b_objects_count"] = len(list((out / "check").glob("*/kubernetes/**/*.yaml")))
    if helm:  # not timed: the chart, given each target's params.yaml, renders that target's objects
        result["b_objects"] = same_objects_per_target(out / "check", out / "helm-sites")
    check = {"check": Command(tool.argv("check", "--out", str(out / "check")), tool.env)}
    if helm:  # the goal says "in one process": also without the parallel workers
        check["one"] = Command(tool.argv("check", "--jobs", "1", "--out", str(out / "check")), tool.env)
    if helm:  # Helm's side: one whole-process render per target, as a CI job would run them
        loop = 'i=0; while [ "$i" -lt "$0" ]; do "$@" || exit 1; i=$((i+1)); done'
        check["helm"] = Command(("sh", "-c", loop, str(targets), *helm_argv(out / "helm-b")))
    result["b"] = measure(check, max(3, runs // 2) if helm else 1, warm_up=helm)
    result["profile_b"] = profile(tool, ("check", "--out", str(out / "check")), work, f"{out.name}-b")

    print(f"bench [{tool.label}]: (c) 3, 30, 300 brokers", flush=True)
    scale: dict[str, Command] = {}
    for brokers in SCALE:
        args = (
            "render",
            "high-availability",
            "-f",
            str(SITES / "scale.yaml"),
            "--set",
            f"kafka.replicas={brokers}",
            "--out",
            str(out / f"scale-{brokers}"),
        )
        scale[f"ours-{brokers}"] = Command(tool.argv(*args), tool.env, before=fresh(out / f"scale-{brokers}"))
        if helm:
            values = {"kafka": {"replicas": brokers}, "cluster": {"namespace": SCALE_NAMESPACE}}
            folder = out / f"helm-scale-{brokers}"
            scale[f"helm-{brokers}"] = Command(helm_argv(folder, values), before=fresh(folder))
    if helm:
        result["c"] = measure(scale, runs)
    else:  # the before tree: 300 brokers took many seconds, so once, after the smaller ones
        result["c"] = measure({k: v for k, v in scale.items() if k != f"ours-{SCALE[-1]}"}, runs)
        result["c"].update(measure({k: scale[k] for k in (f"ours-{SCALE[-1]}",)}, 1, warm_up=False))
    if helm:
        result["c_objects"] = {
            n: same_objects(out / f"scale-{n}" / "high-availability", out / f"helm-scale-{n}") for n in SCALE
        }

    print(f"bench [{tool.label}]: (d) validation throughput, (3) profiles", flush=True)
    big = out / f"scale-{SCALE[-1]}" / "high-availability"
    small = out / f"scale-{SCALE[0]}" / "high-availability"
    result["d"] = validation_rate(tool, big if helm else small, 7 if helm else 2)
    result["profile_a"] = profile(
        tool, ("render", "high-availability", "--out", str(out / "pa")), work, f"{out.name}-a"
    )
    result["profile_c"] = profile(
        tool,
        (
            "render",
            "high-availability",
            "-f",
            str(SITES / "scale.yaml"),
            "--set",
            f"kafka.replicas={SCALE[-1]}",
            "--out",
            str(out / "pc"),
        ),
        work,
        f"{out.name}-c",
    )
    result["imports_a"] = import_costs(tool, ("render", "high-availability", "--out", str(out / "ia")))
    return result


def supports_jobs(tool: Tool) -> bool:
    return "--jobs" in (tool.tree / "generator" / "cli.py").read_text(encoding="utf-8")


def head_to_head(now: Tool, before: Tool, work: Path, runs: int) -> dict[str, Any]:
    """The rows a change must not make slower, this tree and `before` round-robin in one loop, so both
    see the same load (the before columns above run after the whole "now" pass). Re-renders into the
    folders bench_tool left, as a user re-renders a committed target."""
    print(f"bench: head to head, now and {before.label}", flush=True)
    commands: dict[str, Command] = {}
    for side, tool in (("now", now), ("before", before)):
        out = work / slug(tool.label)
        commands[f"{side}-render"] = Command(
            tool.argv("render", "high-availability", "--out", str(out / "a")), tool.env
        )
        commands[f"{side}-one"] = Command(tool.argv("check", "--jobs", "1", "--out", str(out / "check")), tool.env)
        commands[f"{side}-check"] = Command(tool.argv("check", "--out", str(out / "check")), tool.env)
        big = ("-f", str(SITES / "scale.yaml"), "--set", f"kafka.replicas={SCALE[-1]}", "--out", str(out / "h2h-300"))
        commands[f"{side}-300"] = Command(tool.argv("render", "high-availability", *big), tool.env)
    return {"label": before.label, "runs": runs, "stats": measure(commands, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs per command (median reported)")
    parser.add_argument(
        "--before", metavar="REV", action="append", default=[], help="also measure the tree at git revision REV"
    )
    parser.add_argument("--before-runs", type=int, default=3)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--results", type=Path, help="also keep the raw results here (pickle)")
    parser.add_argument("--report-only", type=Path, metavar="RESULTS", help="rewrite the doc from kept results")
    options = parser.parse_args()

    from report import write_report  # bench/report.py: the document around the numbers

    if options.report_only:
        info, now, before = pickle.loads(options.report_only.read_bytes())
    else:
        info = {"machine": machine(), "versions": versions(), "runs": options.runs}
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="kafka-profiles-bench-") as scratch:
            work = Path(scratch)
            now_tool = make_tool("now", REPO, work)
            now = bench_tool(now_tool, work, options.runs, helm=True)
            before, tools = [], []
            for revision in options.before:
                tool = before_tool(revision, work)
                if tool is not None:
                    before.append(bench_tool(tool, work, options.before_runs, helm=False))
                    tools.append(tool)
            if tools and supports_jobs(tools[-1]):
                now["head_to_head"] = head_to_head(now_tool, tools[-1], work, options.runs)
        info["duration"] = f"{time.perf_counter() - started:.0f} s"
        info["date"] = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
        if options.results:
            options.results.write_bytes(pickle.dumps((info, now, before)))
    text = write_report(info, now, before)
    import docsection  # bench/docsection.py: the section `make bench-clients` writes is kept as it is

    options.doc.write_text(text + docsection.kept(options.doc), encoding="utf-8")
    print(f"bench: wrote {options.doc}")
    print(text.split("## Results", 1)[1].split("\n## ", 1)[0])


if __name__ == "__main__":
    main()
