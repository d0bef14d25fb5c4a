"""End-to-end: the Spark data source on a two-worker local cluster against
`connector-harness fake`. Run by `tests/it/spark.rs` (which installs pyspark
and a JRE); by hand:

    CONNECTOR_HARNESS=target/debug/connector-harness \\
    BITBUCKET_COMPONENT=target/component/wasm32-wasip2/component/bitbucket_connector.wasm \\
    target/spark-venv/bin/python tests/spark/e2e.py

1. batch: pull-requests of workspace `acme` (3 repositories, 60 each) on
   `local-cluster[2,1,1024]`: 180 rows, unique keys, read by more than one
   worker process; then the same on the fake Data Center (`fake --product
   data-center`), project `PRJ`: the pull requests its REST API lists, one
   partition per repository, read by more than one worker process;
2. streaming, `trigger(availableNow=True)` three times on one checkpoint
   folder: everything, then nothing, then (after one pull request was
   touched through the fake's control endpoint) exactly that pull request.

Prints the run time and the rows each worker process read. Exits non-zero
(an AssertionError) when a check fails.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, "integrations", "spark")
sys.path.insert(0, PACKAGE)

HARNESS = os.environ["CONNECTOR_HARNESS"]
COMPONENT = os.environ.get("BITBUCKET_COMPONENT")
EXPECTED = 180
TOUCHED = ("acme", "web-app", 7)


class Fake:
    """`connector-harness fake`: the demo's fake Bitbucket, changed through its
    control endpoint, stopped by closing its stdin."""

    def __init__(self, product="cloud"):
        cmd = [HARNESS] + (["--component", COMPONENT] if COMPONENT else []) + ["fake", "--port", "0", "--product", product]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.proc.stdout.readline())

    def touch(self, workspace, repository, pr_id, title):
        base = self.info["base_url"]
        origin = base[: base.index("/", len("http://"))]
        request = urllib.request.Request(
            f"{origin}/_fake/pull-requests/{workspace}/{repository}/{pr_id}",
            data=json.dumps({"title": title}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)["updated_on"]

    def dc_get(self, path):
        """A Data Center REST answer, read here without the connector."""
        auth = {"Authorization": "Bearer " + self.info["config"]["auth"]["token"]}
        request = urllib.request.Request(self.info["base_url"] + "/rest" + path, headers=auth)
        with urllib.request.urlopen(request, timeout=30) as answer:
            page = json.load(answer)
        assert page["isLastPage"], f"{path}: one page expected"
        return page["values"]

    def stop(self):
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0, "connector-harness fake exits 0 once its stdin ends"


def main():
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="bitbucket-spark-e2e-")
    fake = Fake()
    # The config names its secrets by variable: the values reach the
    # workers through their environment, never through the options.
    auth = fake.info["config"]["auth"]
    os.environ["BITBUCKET_E2E_EMAIL"] = auth["email"]
    os.environ["BITBUCKET_E2E_TOKEN"] = auth["token"]
    config = os.path.join(work, "bitbucket.json")
    with open(config, "w") as f:
        json.dump(
            {
                "endpoint": fake.info["config"]["endpoint"],
                "auth": {"type": "api-token", "email_env": "BITBUCKET_E2E_EMAIL", "token_env": "BITBUCKET_E2E_TOKEN"},
            },
            f,
        )
    # The fake Data Center, its token set before the executors start.
    dc = Fake("data-center")
    os.environ["BITBUCKET_E2E_DC_TOKEN"] = dc.info["config"]["auth"]["token"]
    dc_config = os.path.join(work, "bitbucket-dc.json")
    with open(dc_config, "w") as f:
        auth = {"type": "bearer", "token_env": "BITBUCKET_E2E_DC_TOKEN"}
        json.dump({"product": "data-center", "endpoint": dc.info["config"]["endpoint"], "auth": auth}, f)

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers' Python: this venv's
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local-cluster[2,1,1024]")
        .appName("bitbucket-spark-e2e")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.executorEnv.PYTHONPATH", PACKAGE)
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    # Both executors up before the first job, so its tasks can spread.
    deadline = time.monotonic() + 300
    while spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() < 3:
        assert time.monotonic() < deadline, "the two executors did not register within 300 s"
        time.sleep(0.5)
    session_up = time.monotonic() - started

    from bitbucket_spark import BitbucketDataSource

    spark.dataSource.register(BitbucketDataSource)

    def source(reader, task_log, scope=("workspace", "acme"), config=config):
        r = (
            reader.format("bitbucket")
            .option("report", "pull-requests")
            .option(*scope)
            .option("config", config)
            .option("harness", HARNESS)
            .option("tasks_per_credential", "2")
            .option("max_requests_per_hour", "1000")
            .option("_task_log", task_log)
        )
        if COMPONENT:
            r = r.option("component", COMPONENT)
        return r

    # 1. Batch.
    batch_log = os.path.join(work, "batch-tasks")
    os.makedirs(batch_log)
    t = time.monotonic()
    df = source(spark.read, batch_log).load()
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    assert types["id"] == "bigint" and types["created_on"] == "timestamp", types
    rows = df.collect()
    batch_time = time.monotonic() - t
    assert len(rows) == EXPECTED, f"batch read {len(rows)} rows, expected {EXPECTED}"
    keys = {(r["repository"], r["id"]) for r in rows}
    assert len(keys) == EXPECTED, f"{len(keys)} unique keys in {len(rows)} rows"
    tasks = [json.load(open(p)) for p in glob.glob(os.path.join(batch_log, "*.json"))]
    per_pid = {}
    for task in tasks:
        per_pid[task["pid"]] = per_pid.get(task["pid"], 0) + sum(task["rows"].values())
    print(f"batch: {len(rows)} rows, {len(keys)} unique keys, {len(tasks)} tasks in {batch_time:.1f} s")
    for pid, count in sorted(per_pid.items()):
        parts = sorted(p for task in tasks if task["pid"] == pid for p in task["rows"])
        print(f"  worker pid {pid}: {count} rows ({', '.join(parts)})")
    assert len(per_pid) > 1, f"one worker process read every partition: {tasks}"

    # 1b. Batch on Data Center: project PRJ, one partition per repository;
    # the expected pull requests read from the fake's REST API here.
    dc_log = os.path.join(work, "dc-tasks")
    os.makedirs(dc_log)
    repos = [r["slug"] for r in dc.dc_get("/api/latest/projects/PRJ/repos?limit=1000")]
    expected_dc = {
        (slug, pr["id"], pr["title"])
        for slug in repos
        for pr in dc.dc_get(f"/api/latest/projects/PRJ/repos/{slug}/pull-requests?state=ALL&limit=1000")
    }
    t = time.monotonic()
    dc_rows = source(spark.read, dc_log, ("project", "PRJ"), dc_config).load().collect()
    dc_time = time.monotonic() - t
    got_dc = {(r["repository"], r["id"], r["title"]) for r in dc_rows}
    assert len(dc_rows) == len(expected_dc) and got_dc == expected_dc, f"Data Center: {len(dc_rows)} rows, expected {len(expected_dc)}"
    dc_tasks = [json.load(open(p)) for p in glob.glob(os.path.join(dc_log, "*.json"))]
    dc_parts = sorted(p for task in dc_tasks for p in task["rows"])
    assert dc_parts == sorted(f"PRJ/{slug}" for slug in repos), dc_parts
    dc_pids = {task["pid"] for task in dc_tasks}
    print(f"data center batch: {len(dc_rows)} rows of {len(repos)} repositories, {len(dc_tasks)} tasks, {len(dc_pids)} worker processes, in {dc_time:.1f} s")
    assert len(dc_pids) > 1, f"one worker process read every Data Center partition: {dc_tasks}"
    dc.stop()

    # 2. Streaming, three runs on one checkpoint folder.
    checkpoint = os.path.join(work, "checkpoint")
    stream_log = os.path.join(work, "stream-tasks")
    os.makedirs(stream_log)

    def stream_run():
        seen = []

        def collect(frame, batch_id):
            seen.extend((r["repository"], r["id"], r["title"]) for r in frame.collect())

        query = (
            source(spark.readStream, stream_log)
            .option("lag_seconds", "0")
            .load()
            .writeStream.foreachBatch(collect)
            .option("checkpointLocation", checkpoint)
            .trigger(availableNow=True)
            .start()
        )
        query.awaitTermination()
        return seen

    t = time.monotonic()
    first = stream_run()
    assert len(first) == EXPECTED and len({r[:2] for r in first}) == EXPECTED, f"stream run 1 read {len(first)} rows"
    second = stream_run()
    assert second == [], f"stream run 2 read {len(second)} rows, expected none: {second[:5]}"
    workspace, repository, pr_id = TOUCHED
    when = fake.touch(workspace, repository, pr_id, "Touched by the Spark test")
    third = stream_run()
    assert third == [(repository, pr_id, "Touched by the Spark test")], f"stream run 3 read {third}"
    stream_time = time.monotonic() - t
    offsets = sorted(glob.glob(os.path.join(checkpoint, "offsets", "*")), key=lambda p: int(os.path.basename(p)))
    last_offset = open(offsets[-1]).read().splitlines()[-1] if offsets else "?"
    print(f"stream: run 1 {len(first)} rows, run 2 {len(second)}, run 3 {len(third)} ({repository} #{pr_id}, updated_on {when}) in {stream_time:.1f} s")
    print(f"  last offset: {last_offset}")

    spark.stop()
    fake.stop()
    print(f"spark e2e: session up {session_up:.1f} s, batch {batch_time:.1f} s, streaming {stream_time:.1f} s, total {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
