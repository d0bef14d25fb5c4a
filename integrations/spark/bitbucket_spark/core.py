"""The engine-neutral part: `connector-harness` calls, partition packing and
windows. Nothing here imports Spark, so a Ray or Dask adapter can use it too.

Secrets never pass through here: a configuration file names its secrets
with `auth.token_env`, `auth.email_env` and the like, and the harness reads
them from the worker's environment. What travels to a worker is the file's
path, the partitions' parameters and the request budget.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Iterator, Optional

#: Options that are the data source's own, not report parameters.
OWN_OPTIONS = {
    "report",
    "config",
    "harness",
    "component",
    "tasks_per_credential",
    "max_requests_per_hour",
    "lag_seconds",
    "path",
}
#: The window parameters the streaming reader sets itself.
CHANGED_AFTER = "changed-after"
CHANGED_BEFORE = "changed-before"


class HarnessError(RuntimeError):
    """`connector-harness` failed; the message is its stderr (code first)."""


def find_harness(option: Optional[str]) -> str:
    """The `harness` option, else `$CONNECTOR_HARNESS`, else `connector-harness` on PATH."""
    path = option or os.environ.get("CONNECTOR_HARNESS") or shutil.which("connector-harness")
    if not path:
        raise HarnessError(
            "connector-harness not found: give the `harness` option, set CONNECTOR_HARNESS, "
            "or put it on PATH (on every worker)"
        )
    return path


@dataclass(frozen=True)
class Harness:
    """How to call the harness: the binary and, optionally, the component."""

    binary: str
    component: Optional[str] = None

    def command(self, *args: str) -> list[str]:
        cmd = [self.binary]
        if self.component:
            cmd += ["--component", self.component]
        return cmd + list(args)

    def output(self, *args: str) -> str:
        proc = subprocess.run(self.command(*args), stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0:
            raise HarnessError(f"`connector-harness {' '.join(args[:2])}` failed: {proc.stderr.strip()}")
        return proc.stdout

    def describe(self, report: str) -> dict:
        return json.loads(self.output("describe", report, "--json"))

    def partitions(self, report: str, config: str, params: dict) -> list[dict]:
        """`connector-harness partitions`: the partitions that cover the report once."""
        args = ["partitions", report, "--config", config]
        for name, value in params.items():
            args += ["--param", f"{name}={value}"]
        return json.loads(self.output(*args))

    def run_arrow(self, report: str, config: str, params: dict) -> Iterator:
        """Runs one partition and yields the pyarrow RecordBatches of its Arrow
        stream as they arrive; raises HarnessError when the run fails."""
        import pyarrow as pa

        args = ["run", report, "--config", config, "--format", "arrow", "--quiet"]
        for name, value in params.items():
            args += ["--param", f"{name}={value}"]
        with tempfile.TemporaryFile() as stderr:
            proc = subprocess.Popen(self.command(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
            try:
                try:
                    reader = pa.ipc.open_stream(proc.stdout)
                    for batch in reader:
                        yield batch
                except pa.ArrowInvalid:
                    pass  # the run failed before or while writing: its exit code says why
                proc.stdout.close()
                code = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if code != 0:
                stderr.seek(0)
                message = stderr.read().decode(errors="replace").strip()
                raise HarnessError(f"`connector-harness run {report}` failed: {message}")


# --- options ------------------------------------------------------------------


def report_params(options: dict, described: dict) -> dict:
    """The options that are report parameters (`repository`, `since`, ...), by
    the report's own names (`days_back` is taken for `days-back`)."""
    names = {p["name"] for p in described["params"]}
    params = {}
    for key, value in options.items():
        if key in OWN_OPTIONS or key.startswith("_"):
            continue
        name = key if key in names else key.replace("_", "-")
        if name not in names:
            raise ValueError(
                f"option `{key}` is neither a data source option ({', '.join(sorted(OWN_OPTIONS - {'path'}))}) "
                f"nor a parameter of report `{described['id']}` ({', '.join(sorted(names))})"
            )
        params[name] = value
    return params


def config_paths(option: Optional[str]) -> list[str]:
    """The `config` option: one configuration file per credential, comma-separated.
    Paths are made absolute: workers read the same files (a shared or copied path)."""
    if not option:
        raise ValueError("option `config` is required: a config file that names its secrets with `token_env`/`email_env`")
    return [os.path.abspath(p.strip()) for p in option.split(",") if p.strip()]


# --- packing ------------------------------------------------------------------


@dataclass
class Task:
    """One engine task: partitions read one after another with one credential,
    at most `budget` requests an hour (None: the config's own setting)."""

    config: str
    budget: Optional[int]
    partitions: list = field(default_factory=list)  # [{"id", "params", "window": [after, before]}]


def pack(partitions: list[dict], configs: list[str], k: int, budget: Optional[int]) -> list[Task]:
    """Packs the partitions into at most k tasks per credential, each with
    `budget / k` requests an hour, so k tasks of one credential running at
    once stay within its budget. Largest first onto the least loaded task
    (`estimated_rows`, 1 when unknown); deterministic for equal input."""
    if k < 1:
        raise ValueError("tasks_per_credential must be at least 1")
    count = min(len(partitions), k * len(configs))
    share = None if budget is None else max(1, budget // k)
    tasks = [Task(config=configs[i % len(configs)], budget=share) for i in range(count)]
    load = [0] * count
    ordered = sorted(partitions, key=lambda p: (-(p.get("estimated_rows") or 1), p["id"]))
    for part in ordered:
        i = min(range(count), key=lambda j: (load[j], j))
        tasks[i].partitions.append(part)
        load[i] += part.get("estimated_rows") or 1
    return tasks


def task_config(path: str, budget: Optional[int], directory: str) -> str:
    """A copy of the config file with this task's share of the budget, in
    `directory` (0600). Relative `ca_file` is kept pointing at the original's
    folder. Secrets stay where the file put them: in the environment."""
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    if budget is not None:
        config["max_requests_per_hour"] = budget
    ca_file = config.get("ca_file")
    if ca_file and not os.path.isabs(ca_file):
        config["ca_file"] = os.path.join(os.path.dirname(path), ca_file)
    copy = os.path.join(directory, "config.json")
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(config, f)
    return copy


def run_task(harness: Harness, report: str, task: Task) -> Iterator:
    """Runs a task's partitions one after another; yields (partition id, RecordBatch)."""
    with tempfile.TemporaryDirectory(prefix="bitbucket-spark-") as directory:
        config = task_config(task.config, task.budget, directory)
        for part in task.partitions:
            params = dict(part["params"])
            window = part.get("window")
            if window:
                after, before = window
                if after:
                    params[CHANGED_AFTER] = after
                if before:
                    params[CHANGED_BEFORE] = before
            for batch in harness.run_arrow(report, config, params):
                yield part["id"], batch


# --- windows ------------------------------------------------------------------

TICK = _dt.timedelta(microseconds=1)


def format_time(when: _dt.datetime) -> str:
    return when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def window_bound(lag_seconds: float) -> str:
    """The upper bound of a new window: now, less the lag that covers clock
    skew and changes that become visible late."""
    return format_time(_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(seconds=lag_seconds))


def window_params(after: Optional[str], bound: str, has_before: bool) -> list:
    """[changed-after, changed-before] for the window (after, bound]: both
    parameters are exclusive, so the upper one is the bound plus one
    microsecond (Bitbucket's precision) and the next window's lower one is
    the bound itself: consecutive windows meet without a gap or an overlap.
    Without `changed-before` in the report the window is open at the top."""
    before = format_time(parse_time(bound) + TICK) if has_before else None
    return [after, before]
