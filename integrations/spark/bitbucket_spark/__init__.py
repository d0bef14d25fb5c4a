"""`spark.read.format("bitbucket")`: Bitbucket Cloud reports as Spark tables.

    from bitbucket_spark import BitbucketDataSource
    spark.dataSource.register(BitbucketDataSource)
    df = (spark.read.format("bitbucket").option("report", "pull-requests")
          .option("workspace", "acme").option("config", "/secrets/bitbucket.json").load())

Every partition (one per repository for per-repository reports, from
`connector-harness partitions` on the driver) is read on a worker by
`connector-harness run ... --format arrow`, whose Arrow stream becomes the
task's RecordBatches. `spark.readStream` reads closed windows of changes;
see README.md beside this package for what its offsets hold.
"""

from __future__ import annotations

import json
import os
import time
from typing import Iterator

from pyspark.sql.datasource import DataSource, DataSourceReader, DataSourceStreamReader, InputPartition
from pyspark.sql.types import (
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from . import core
from .core import CHANGED_AFTER, CHANGED_BEFORE, Harness, HarnessError

__all__ = ["BitbucketDataSource", "HarnessError"]

SPARK_TYPES = {
    "text": StringType(),
    "integer": LongType(),
    "float": DoubleType(),
    "boolean": BooleanType(),
    "timestamp": TimestampType(),
    "json": StringType(),
}


def spark_schema(described: dict) -> StructType:
    fields = []
    for column in described["columns"]:
        kind = column["type"].split("::")[-1]  # older harnesses printed `columntype::text`
        if kind not in SPARK_TYPES:
            raise ValueError(f"column `{column['name']}` has type `{kind}`, which this data source does not know")
        fields.append(StructField(column["name"], SPARK_TYPES[kind], nullable=column["nullable"]))
    return StructType(fields)


class BitbucketPartition(InputPartition):
    """One Spark task: a credential, its share of the budget, and the
    connector partitions (with their windows when streaming) it reads."""

    def __init__(self, task: core.Task):
        super().__init__(task)
        self.task = task


class _Common:
    """What the batch and the streaming reader share."""

    def __init__(self, options: dict, schema: StructType):
        self.options = {k.lower(): v for k, v in options.items()}
        if "report" not in self.options:
            raise ValueError('option `report` is required, e.g. .option("report", "pull-requests")')
        self.report = self.options["report"]
        self.harness = Harness(core.find_harness(self.options.get("harness")), self.options.get("component"))
        self.schema = schema
        self.described = self.harness.describe(self.report)
        self.params = core.report_params(self.options, self.described)
        self.configs = core.config_paths(self.options.get("config"))
        self.k = int(self.options.get("tasks_per_credential", "2"))
        budget = self.options.get("max_requests_per_hour")
        self.budget = int(budget) if budget else None
        self.task_log = self.options.get("_task_log")  # tests: where each task says which process read what

    def list_partitions(self) -> list[dict]:
        return self.harness.partitions(self.report, self.configs[0], self.params)

    def read_task(self, partition: BitbucketPartition) -> Iterator:
        from pyspark.sql.pandas.types import to_arrow_schema

        target = to_arrow_schema(self.schema, timezone="UTC")
        rows: dict[str, int] = {}
        for part_id, batch in core.run_task(self.harness, self.report, partition.task):
            rows[part_id] = rows.get(part_id, 0) + batch.num_rows
            yield batch.cast(target)
        if self.task_log:
            record = {"pid": os.getpid(), "rows": {p["id"]: rows.get(p["id"], 0) for p in partition.task.partitions}}
            path = os.path.join(self.task_log, f"task-{os.getpid()}-{time.time_ns()}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(record, f)


class BitbucketReader(_Common, DataSourceReader):
    def partitions(self):
        parts = self.list_partitions()
        return [BitbucketPartition(t) for t in core.pack(parts, self.configs, self.k, self.budget)]

    def read(self, partition):
        return self.read_task(partition)


class BitbucketStreamReader(_Common, DataSourceStreamReader):
    """Offsets are `{partition id: {"params": {...}, "before": bound}}`: the
    bound is fixed by `latestOffset` before anything is read, so a window
    replayed after a failure asks for exactly the same rows."""

    def __init__(self, options: dict, schema: StructType):
        super().__init__(options, schema)
        names = {p["name"] for p in self.described["params"]}
        if CHANGED_AFTER not in names:
            raise ValueError(f"report `{self.report}` has no date to resume from (no `{CHANGED_AFTER}`): read it in batch")
        for own in (CHANGED_AFTER, CHANGED_BEFORE):
            if own in self.params:
                raise ValueError(f"option `{own}` is the streaming reader's own (its windows); leave it out")
        self.has_before = CHANGED_BEFORE in names
        self.lag = float(self.options.get("lag_seconds", "60"))

    def initialOffset(self):
        return {}

    def latestOffset(self, start=None, limit=None):
        bound = core.window_bound(self.lag)
        return {p["id"]: {"params": p["params"], "before": bound} for p in self.list_partitions()}

    def partitions(self, start, end):
        if start == end:
            return []
        parts = []
        for part_id, offset in sorted(end.items()):
            after = (start.get(part_id) or {}).get("before")
            if after is not None and after == offset["before"]:
                continue
            window = core.window_params(after, offset["before"], self.has_before)
            parts.append({"id": part_id, "params": offset["params"], "window": window})
        return [BitbucketPartition(t) for t in core.pack(parts, self.configs, self.k, self.budget)]

    def read(self, partition):
        return self.read_task(partition)

    def commit(self, end):
        pass  # Spark keeps the offsets in its checkpoint folder; nothing of ours to clean up


class BitbucketDataSource(DataSource):
    """`spark.read.format("bitbucket")` and `spark.readStream.format("bitbucket")`.

    Options: `report`; the report's parameters by name (`workspace`,
    `repository`, `since`, ...); `config` (config files, comma-separated, one
    per credential, naming secrets with `*_env`); `harness`; `component`;
    `tasks_per_credential` (k, default 2); `max_requests_per_hour` (each
    credential's budget, split over its k tasks); streaming: `lag_seconds`
    (default 60).
    """

    @classmethod
    def name(cls):
        return "bitbucket"

    def _options(self) -> dict:
        return {k.lower(): v for k, v in self.options.items()}

    def schema(self):
        options = self._options()
        if "report" not in options:
            raise ValueError('option `report` is required, e.g. .option("report", "pull-requests")')
        harness = Harness(core.find_harness(options.get("harness")), options.get("component"))
        return spark_schema(harness.describe(options["report"]))

    def reader(self, schema):
        return BitbucketReader(self._options(), schema)

    def streamReader(self, schema):
        return BitbucketStreamReader(self._options(), schema)
