#!/usr/bin/env python3
"""Writes SQL for a large MySQL/MariaDB schema in the current database: TABLES tables (default
3,000), each with 8 columns, a primary key, a foreign key to the previous table, a unique
constraint and 2 secondary indexes (one over two columns). The output is the same for the same
arguments."""
import sys

tables = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
out = sys.stdout
# Checks are off only to load faster; every referenced table exists before it is referenced.
out.write("SET foreign_key_checks = 0;\nSET unique_checks = 0;\n")
for t in range(tables):
    name = f"t_{t:04d}"
    fk = (
        f",\n  CONSTRAINT {name}_parent_fk FOREIGN KEY (parent_id) REFERENCES t_{t - 1:04d} (id)"
        if t > 0
        else ""
    )
    out.write(
        f"CREATE TABLE {name} (\n  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
        f"  parent_id bigint,\n  name varchar(100) NOT NULL,\n  email varchar(200),\n"
        f"  amount decimal(12,2) DEFAULT 0,\n  created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
        f"  flags int NOT NULL DEFAULT 0,\n  note text,\n"
        f"  CONSTRAINT {name}_email_key UNIQUE (email),\n"
        f"  INDEX {name}_name_idx (name),\n  INDEX {name}_created_idx (created_at, flags){fk}\n"
        f") ENGINE=InnoDB;\n"
    )
out.write("SET foreign_key_checks = 1;\nSET unique_checks = 1;\n")
