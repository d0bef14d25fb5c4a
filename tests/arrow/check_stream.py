"""Reads an Arrow IPC stream written by `connector-harness run --format arrow`
and checks it against expectations the Rust test computed from the fake's
dataset (tests/it/arrow.rs).

    python check_stream.py STREAM EXPECTED.json

EXPECTED: {"report": id, "rows": n, "types": {column: pyarrow type text},
"nullable": {column: bool}, "key": [columns], "cells": [{"key": {...},
"column": name, "value": ..., "timestamp": bool}]}. A timestamp's expected
value is the API's RFC 3339 text, parsed here with Python's own parser.
Prints one JSON line (rows, batches, batch sizes) on success; fails with an
AssertionError naming what differs.
"""

import json
import sys
from datetime import datetime

import pyarrow as pa
import pyarrow.ipc


def main(stream_path, expected_path):
    with open(expected_path) as f:
        expected = json.load(f)
    with open(stream_path, "rb") as f:
        reader = pa.ipc.open_stream(f)
        schema = reader.schema
        batches = list(reader)
    table = pa.Table.from_batches(batches, schema=schema)

    metadata = schema.metadata or {}
    assert metadata.get(b"bitbucket.report") == expected["report"].encode(), metadata
    for name, type_text in expected["types"].items():
        field = schema.field(name)
        assert str(field.type) == type_text, f"{name}: {field.type} is not {type_text}"
        assert field.nullable == expected["nullable"][name], f"{name}: nullable {field.nullable}"
        assert b"description" in (field.metadata or {}), f"{name} has no description"
    assert table.num_rows == expected["rows"], f"{table.num_rows} rows, expected {expected['rows']}"

    rows = table.to_pylist()
    key = expected["key"]
    by_key = {tuple(row[k] for k in key): row for row in rows}
    assert len(by_key) == len(rows), "primary keys are unique"
    for cell in expected["cells"]:
        row = by_key[tuple(cell["key"][k] for k in key)]
        got = row[cell["column"]]
        want = cell["value"]
        if cell.get("timestamp") and want is not None:
            want = datetime.fromisoformat(want)
            assert got.tzinfo is not None and got.utcoffset().total_seconds() == 0, got
        assert got == want, f"{cell['key']} {cell['column']}: {got!r} != {want!r}"

    print(json.dumps({"rows": table.num_rows, "batches": len(batches), "batch_rows": [b.num_rows for b in batches]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
