#!/usr/bin/env python3
"""Writes SQL for a large PostgreSQL schema: SCHEMAS schemas x TABLES tables, each with about 8
columns, 2 secondary indexes and 1 foreign key (to the previous table of its schema)."""
import sys

schemas = int(sys.argv[1]) if len(sys.argv) > 1 else 20
per_schema = int(sys.argv[2]) if len(sys.argv) > 2 else 500
out = sys.stdout
out.write("SET client_min_messages = warning;\n")
for s in range(schemas):
    # One transaction per schema: 10,000 tables in one would exhaust max_locks_per_transaction.
    out.write(f"BEGIN;\nCREATE SCHEMA app_{s:02d};\n")
    for t in range(per_schema):
        name = f"app_{s:02d}.t_{t:04d}"
        fk = f",\n  parent_id bigint REFERENCES app_{s:02d}.t_{t - 1:04d} (id)" if t > 0 else ",\n  parent_id bigint"
        out.write(
            f"CREATE TABLE {name} (\n  id bigserial PRIMARY KEY{fk},\n  name text NOT NULL,\n"
            f"  email varchar(200),\n  amount numeric(12,2) DEFAULT 0,\n  created_at timestamptz NOT NULL DEFAULT now(),\n"
            f"  flags integer NOT NULL DEFAULT 0,\n  note text\n);\n"
            f"CREATE INDEX t_{t:04d}_name_idx ON {name} (name);\n"
            f"CREATE INDEX t_{t:04d}_created_idx ON {name} (created_at, flags);\n"
        )
    out.write("COMMIT;\n")
