#!/usr/bin/env python3
"""Writes one realistic monorepo for migdoctor's "truth and speed" benchmark and, with --db, builds
its PostgreSQL database by running the migrations.

    python bench/gen_monorepo.py OUT_DIR [--seed N] [--scale F] [--db postgres://…]
    python bench/gen_monorepo.py OUT_DIR --db URL --build-only   # database for an existing corpus

Sizes at --scale 1 (counts scale linearly, Django keeps 100 migrations per app and scales apps):
  services/inventory/        Alembic: 5,000 revisions, 96 of them merges (alembic.ini, env.py, …)
  services/billing/db/migrations/  golang-migrate: 10,000 versions (.up.sql + .down.sql), Makefile
  backend/                   Django: 50 apps x 100 migrations (manage.py, config/settings.py)
  web/drizzle/               Drizzle: 2,000 journal entries (meta/_journal.json, NNNN_tag.sql)
  everything else            100,000 ordinary files (.py .ts .tsx .go .md .json .yaml .sql …) in a
                             few thousand folders; about 10 % of them in gitignored folders (build/,
                             dist/, coverage/, *.log, node_modules/, .venv/), including gitignored
                             copies that look like migrations.

The database (one, all four projects in `public`, table prefixes inv_ / bill_ / <django app>_ /
web_) is built only by running the migrations: `alembic upgrade heads`, golang-migrate's postgres
driver emulated file by file (there is no migrate binary here: one multi-statement Exec per up file,
SetVersion(v, dirty=true) before and SetVersion(v, false) after, as migrate.go does),
`manage.py migrate`, and `drizzle-kit migrate` (or, with --drizzle emulate, drizzle-orm's migrator
emulated: every pending entry, its rows in drizzle.__drizzle_migrations). Everything is
deterministic from --seed and --scale. Needs, for --db: psycopg2, Alembic and Django in the Python
that runs this script (bench/requirements.txt), and drizzle-kit (bench/package.json) unless
--drizzle emulate.
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse, urlunparse

GEN_VERSION = 1

# ---------------------------------------------------------------------------------------------
# vocabulary

NOUNS = """orders invoices customers accounts payments refunds shipments warehouses products variants
prices discounts coupons carts cart_items line_items subscriptions plans usage_records ledger_entries
journals transfers payouts disputes webhooks events audit_logs sessions tokens api_keys users teams
memberships roles permissions invites addresses contacts notes attachments documents reports exports
imports jobs schedules tasks tickets comments tags categories suppliers purchase_orders receipts
stock_levels stock_moves locations bins carriers rates zones taxes tax_rates currencies exchange_rates
settlements batches statements credit_notes adjustments reservations allocations forecasts budgets
campaigns leads opportunities quotes contracts renewals notifications preferences devices
feature_flags experiments metrics alerts incidents releases deployments vendors pallets manifests
returns claims policies quotas limits regions stores channels listings bundles kits components
assemblies work_orders routings shifts employees timesheets payrolls benefits""".split()

ADJS = """archived pending daily monthly legacy external internal regional draft scheduled failed manual
bulk primary secondary temp staged cached merged synced partner vendor customer public private
rolling historic""".split()

# (column name, logical type)
COLS = [
    ("status", "varchar"), ("name", "varchar"), ("title", "varchar"), ("code", "varchar"),
    ("email", "varchar"), ("description", "text"), ("notes", "text"), ("amount", "numeric"),
    ("total", "numeric"), ("price", "numeric"), ("quantity", "int"), ("position", "int"),
    ("retries", "int"), ("attempts", "int"), ("is_active", "bool"), ("is_archived", "bool"),
    ("enabled", "bool"), ("created_at", "ts"), ("updated_at", "ts"), ("deleted_at", "ts"),
    ("expires_at", "ts"), ("due_on", "date"), ("metadata", "jsonb"), ("payload", "jsonb"),
    ("external_id", "varchar"), ("reference", "varchar"), ("currency", "varchar"),
    ("country", "varchar"), ("sku", "varchar"), ("slug", "varchar"), ("version", "int"),
    ("priority", "int"), ("score", "numeric"), ("weight", "numeric"), ("source", "varchar"),
    ("kind", "varchar"), ("label", "varchar"), ("locale", "varchar"), ("timezone", "varchar"),
    ("balance", "numeric"), ("counter", "bigint"), ("sequence_no", "bigint"),
    ("checksum", "varchar"), ("comment", "text"), ("url", "text"), ("phone", "varchar"),
    ("city", "varchar"), ("postal_code", "varchar"), ("started_at", "ts"), ("finished_at", "ts"),
    ("region", "varchar"), ("owner_email", "varchar"), ("tax_code", "varchar"),
    ("discount", "numeric"), ("is_default", "bool"), ("settings", "jsonb"), ("note", "text"),
]
UNIQUE_OK = {"int", "bigint", "varchar", "text"}

DJANGO_APPS = """accounts addresses analytics approvals assets audits blog bookings campaigns catalog
checkout chat compliance contracts crm dashboards documents emails experiments feeds forms forums
fulfilment geo helpdesk imports integrations kb leads loyalty media messaging moderation onboarding
partners payroll pricing procurement profiles promotions ratings referrals reporting returns reviews
scheduling shipping surveys wishlists quotes""".split()
assert len(DJANGO_APPS) == 50 and len(set(DJANGO_APPS)) == 50

HEROES = """cobra falcon wolverine storm cyclops phoenix hulk thor loki vision wasp hawkeye falcon
banshee rogue gambit mystique magneto sentry nova quasar ronan gamora groot rocket drax mantis
nebula yondu thanos ultron jocasta blade morbius elektra punisher daredevil kingpin bullseye""".split()
DADJS = """fresh fat brave calm eager fancy gentle happy jolly kind lively nice proud silly witty
zany quick slow bright dark shiny dusty rapid steady clever bold swift quiet loud odd""".split()

WORDS = """alpha beta gamma delta core util common shared api client server worker queue cache store
model schema config auth billing ledger report export import sync async event stream batch job task
handler service router view form table grid chart panel modal button input select hook context
provider layout page route loader action adapter driver parser lexer token codec encoder decoder
metrics tracing logging health retry backoff limiter pool session cookie header payload request
response error result option state reducer store selector effect saga thunk fixture factory mock
stub spec test bench profile trace index search filter sort page cursor offset window frame""".split()


def ident(name):
    """PostgreSQL identifiers are at most 63 bytes: long names are shortened with a hash so that
    the name in the files is the name in the catalog."""
    if len(name) <= 63:
        return name
    return name[:54] + "_" + hashlib.sha1(name.encode()).hexdigest()[:8]


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# schema state shared by the Alembic, golang-migrate and Drizzle generators


class Col:
    __slots__ = ("name", "typ", "length", "nullable", "default", "kind", "target")

    def __init__(self, name, typ, length=None, nullable=True, default=None, kind="data", target=None):
        self.name, self.typ, self.length = name, typ, length
        self.nullable, self.default, self.kind, self.target = nullable, default, kind, target


class Table:
    def __init__(self, name):
        self.name = name
        self.cols = {}  # name -> Col, in order
        self.indexes = {}  # name -> (cols, unique)
        self.uniques = {}  # constraint name -> cols (backed by an index of the same name)
        self.fks = {}  # constraint name -> (col, target Table)
        self.incoming = 0
        self.seq = None  # serial sequence of an integer id (None for bigserial)
        self.rows = 0
        self.branch = None

    def data_cols(self):
        return [c for c in self.cols.values() if c.kind == "data"]

    def unique_cols(self):
        out = set()
        for cols, u in self.indexes.values():
            if u:
                out.update(cols)
        for cols in self.uniques.values():
            out.update(cols)
        return out

    def indexed_cols(self):
        out = set()
        for cols, _ in self.indexes.values():
            out.update(cols)
        for cols in self.uniques.values():
            out.update(cols)
        return out


class Schema:
    """Tables of one project and the names taken in the schema (tables, indexes, sequences and
    constraints share one namespace here, which is stricter than PostgreSQL)."""

    def __init__(self, prefix, rng, names):
        self.prefix = prefix
        self.rng = rng
        self.names = names  # shared set of every relation/constraint name ever used
        self.tables = {}  # name -> Table, visible on the main line
        self.counter = 0
        self.fk_style = "drizzle" if prefix == "web_" else "postgres"

    def take(self, name):
        name = ident(name)
        if name in self.names:
            return None
        self.names.add(name)
        return name

    def fresh(self, base):
        n = self.take(base)
        k = 2
        while n is None:
            n = self.take(f"{base}_{k}")
            k += 1
        return n

    def new_table_name(self):
        rng = self.rng
        noun = rng.choice(NOUNS)
        for cand in (f"{self.prefix}{noun}", f"{self.prefix}{rng.choice(ADJS)}_{noun}"):
            if len(cand) <= 48 and cand not in self.names and f"{cand}_pkey" not in self.names and f"{cand}_id_seq" not in self.names:
                self.names.update((cand, f"{cand}_pkey", f"{cand}_id_seq"))
                return cand
        while True:
            self.counter += 1
            cand = f"{self.prefix}{noun}_{self.counter}"
            if cand not in self.names and f"{cand}_pkey" not in self.names and f"{cand}_id_seq" not in self.names:
                self.names.update((cand, f"{cand}_pkey", f"{cand}_id_seq"))
                return cand

    def new_col(self, table, nullable=None, with_default=None):
        rng = self.rng
        name, typ = rng.choice(COLS)
        base = name
        k = 2
        while name in table.cols:
            name = f"{base}_{k}"
            k += 1
        length = rng.choice((32, 64, 128, 255)) if typ == "varchar" else None
        if nullable is None:
            nullable = rng.random() < 0.55
        default = None
        if with_default or (with_default is None and rng.random() < 0.3):
            default = {"int": "0", "bigint": "0", "varchar": "''", "text": "''", "bool": "false",
                       "numeric": "0", "ts": "now()", "date": "CURRENT_DATE", "jsonb": "'{}'::jsonb"}[typ]
        if typ == "ts" and name in ("created_at", "updated_at") and rng.random() < 0.8:
            default, nullable = "now()", False
        return Col(name, typ, length, nullable, default)

    def build_table(self, fk_pool, name=None):
        """Returns a new Table (not yet registered) with an id, 2-7 columns, maybe FKs and a unique."""
        rng = self.rng
        t = Table(name or self.new_table_name())
        big = rng.random() < 0.3
        t.cols["id"] = Col("id", "bigserial" if big else "serial", nullable=False, kind="pk")
        t.seq = None if big else f"{t.name}_id_seq"
        fks = []
        if fk_pool and rng.random() < 0.45:
            for target in rng.sample(fk_pool, min(len(fk_pool), rng.choice((1, 1, 1, 2)))):
                cname = singular(target.name[len(self.prefix):]) + "_id"
                if cname in t.cols:
                    cname = f"{cname}_{len(t.cols)}"
                t.cols[cname] = Col(cname, "bigint" if target.seq is None else "int", kind="fk", target=target)
                fks.append(cname)
        for _ in range(rng.randint(2, 7)):
            c = self.new_col(t)
            t.cols[c.name] = c
        for cname in fks:
            target = t.cols[cname].target
            if self.fk_style == "drizzle":
                con = self.fresh(ident(f"{t.name}_{cname}_{target.name}_id_fk"))
            else:
                con = self.fresh(ident(f"{t.name}_{cname}_fkey"))
            t.fks[con] = (cname, target)
        if rng.random() < 0.25:
            cands = [c for c in t.data_cols() if c.typ in UNIQUE_OK]
            if cands:
                c = rng.choice(cands)
                con = self.fresh(f"{t.name}_{c.name}_key")
                t.uniques[con] = (c.name,)
        return t

    def register(self, t):
        self.tables[t.name] = t
        for _, (col, target) in t.fks.items():
            target.incoming += 1

    def unregister(self, t):
        self.tables.pop(t.name, None)
        for _, (col, target) in t.fks.items():
            target.incoming -= 1

    def drop_col(self, t, cname):
        """PostgreSQL drops every index and constraint that uses the column."""
        col = t.cols.pop(cname)
        for n in [n for n, (cols, _) in t.indexes.items() if cname in cols]:
            del t.indexes[n]
        for n in [n for n, cols in t.uniques.items() if cname in cols]:
            del t.uniques[n]
        for n in [n for n, (c, _) in t.fks.items() if c == cname]:
            t.fks[n][1].incoming -= 1
            del t.fks[n]
        return col

    def rename_col(self, t, old, new):
        cols = {}
        for k, v in t.cols.items():
            if k == old:
                v.name = new
                cols[new] = v
            else:
                cols[k] = v
        t.cols = cols
        t.indexes = {n: (tuple(new if c == old else c for c in cols_), u) for n, (cols_, u) in t.indexes.items()}
        t.uniques = {n: tuple(new if c == old else c for c in cols_) for n, cols_ in t.uniques.items()}
        t.fks = {n: (new if c == old else c, tg) for n, (c, tg) in t.fks.items()}

    def fresh_col_name(self, t):
        name, _ = self.rng.choice(COLS)
        base, k = name, 2
        while name in t.cols:
            name = f"{base}_{k}"
            k += 1
        return name


# ---------------------------------------------------------------------------------------------
# operations: one generator of schema changes, three renderings (Alembic, plain SQL, Drizzle SQL)

OP_WEIGHTS = {
    # op: (alembic, golang-migrate, drizzle)
    "create_table": (40, 40, 44),
    "add_column": (14, 12, 14),
    "create_index": (10, 8, 10),
    "drop_index": (4, 3, 3),
    "drop_column": (5, 4, 4),
    "rename_table": (3, 2, 2),
    "rename_column": (5, 4, 4),
    "drop_table": (3, 2, 3),
    "recreate_table": (2, 2, 1),
    "execute": (7, 0, 2),
    "do_block": (4, 3, 1),
    "add_unique": (0, 3, 2),
    "drop_constraint": (0, 2, 1),
    "add_fk": (0, 2, 2),
    "seq_bigint": (0, 2, 0),
    "insert": (0, 6, 1),
}
FW_INDEX = {"alembic": 0, "golang": 1, "drizzle": 2}


class OpGen:
    """Chooses valid schema changes against a Schema and records them as plain dicts."""

    def __init__(self, schema, fw):
        self.s = schema
        self.rng = schema.rng
        self.fw = fw
        i = FW_INDEX[fw]
        self.ops = [k for k, w in OP_WEIGHTS.items() if w[i]]
        self.weights = [OP_WEIGHTS[k][i] for k in self.ops]
        self.value = 0

    def pool(self, branch=None):
        if branch is None:
            return [t for t in self.s.tables.values() if t.branch is None]
        return [t for t in self.s.tables.values() if t.branch == branch]

    def next_value(self):
        self.value += 1
        return self.value

    def literal(self, col, distinct=True):
        v = self.next_value()
        return {"int": str(v), "bigint": str(v), "varchar": sql_str(f"v{v}"), "text": sql_str(f"text {v}"),
                "bool": "true" if v % 2 else "false", "numeric": f"{v}.50", "ts": "now()",
                "date": "DATE '2024-01-01'", "jsonb": "'{\"k\": %d}'::jsonb" % v}[col.typ]

    def choose(self, branch=None, allowed=None):
        """Returns one op dict, already applied to the state. branch: tables of a side branch."""
        rng = self.rng
        tables = self.pool(branch)
        for _ in range(50):
            kind = rng.choices(self.ops, self.weights)[0]
            if allowed and kind not in allowed:
                continue
            if kind != "create_table" and not tables:
                kind = "create_table"
            op = getattr(self, "op_" + kind)(tables, branch)
            if op:
                return op
        return self.op_create_table(tables, branch)

    # each op_* returns None when it does not fit the current state

    def op_create_table(self, tables, branch):
        fk_pool = tables if branch is None else tables
        t = self.s.build_table(fk_pool[-200:] if fk_pool else [])
        t.branch = branch
        self.s.register(t)
        op = {"op": "create_table", "table": t, "cols": list(t.cols.values()), "fks": dict(t.fks),
              "uniques": dict(t.uniques)}
        return op

    def op_add_column(self, tables, branch):
        t = self.rng.choice(tables)
        nullable = self.rng.random() < 0.7
        c = self.s.new_col(t, nullable=nullable, with_default=not nullable)
        t.cols[c.name] = c
        return {"op": "add_column", "table": t, "col": c}

    def op_create_index(self, tables, branch):
        rng = self.rng
        t = rng.choice(tables)
        cands = [c for c in t.cols.values() if c.kind != "pk" and c.typ != "jsonb"]
        if not cands:
            return None
        n = 1 if len(cands) == 1 or rng.random() < 0.6 else rng.choice((2, 2, 3))
        cols = tuple(c.name for c in rng.sample(cands, min(n, len(cands))))
        unique = t.rows == 0 and rng.random() < 0.2 and all(t.cols[c].typ in UNIQUE_OK for c in cols)
        if any(v[0] == cols for v in t.indexes.values()):
            return None
        base = ("uq_" if unique else "ix_") + t.name + "_" + "_".join(cols)
        name = self.s.fresh(ident(base))
        t.indexes[name] = (cols, unique)
        return {"op": "create_index", "table": t, "name": name, "cols": cols, "unique": unique}

    def op_drop_index(self, tables, branch):
        cands = [t for t in tables if t.indexes]
        if not cands:
            return None
        t = self.rng.choice(cands)
        name = self.rng.choice(sorted(t.indexes))
        cols, unique = t.indexes.pop(name)
        return {"op": "drop_index", "table": t, "name": name, "cols": cols, "unique": unique}

    def op_drop_column(self, tables, branch):
        cands = [t for t in tables if len(t.data_cols()) > 1]
        if not cands:
            return None
        t = self.rng.choice(cands)
        c = self.rng.choice(t.data_cols())
        self.s.drop_col(t, c.name)
        return {"op": "drop_column", "table": t, "col": c}

    def op_rename_table(self, tables, branch):
        t = self.rng.choice(tables)
        old = t.name
        new = self.s.new_table_name()
        # the serial sequence, the primary key and every index keep their names
        del self.s.tables[old]
        t.name = new
        self.s.tables[new] = t
        return {"op": "rename_table", "table": t, "old": old, "new": new}

    def op_rename_column(self, tables, branch):
        cands = [t for t in tables if t.data_cols()]
        if not cands:
            return None
        t = self.rng.choice(cands)
        c = self.rng.choice(t.data_cols())
        old = c.name
        new = self.s.fresh_col_name(t)
        self.s.rename_col(t, old, new)
        return {"op": "rename_column", "table": t, "old": old, "new": new}

    def op_drop_table(self, tables, branch):
        cands = [t for t in tables if t.incoming == 0]
        if not cands:
            return None
        t = self.rng.choice(cands)
        self.s.unregister(t)
        return {"op": "drop_table", "table": t, "cols": list(t.cols.values())}

    def op_recreate_table(self, tables, branch):
        cands = [t for t in tables if t.incoming == 0]
        if not cands:
            return None
        old = self.rng.choice(cands)
        self.s.unregister(old)
        fk_pool = [t for t in tables if t is not old]
        # same name, new columns, none of the old indexes
        self.s.names.update((f"{old.name}_pkey", f"{old.name}_id_seq"))
        t = self.s.build_table(fk_pool[-200:], name=old.name)
        t.branch = old.branch
        self.s.register(t)
        return {"op": "recreate_table", "table": t, "old": old, "cols": list(t.cols.values()),
                "fks": dict(t.fks), "uniques": dict(t.uniques)}

    def op_execute(self, tables, branch):
        rng = self.rng
        t = rng.choice(tables)
        uniq = t.unique_cols()
        cols = [c for c in t.data_cols() if c.name not in uniq and c.typ != "jsonb"]
        r = rng.random()
        if r < 0.5 and cols:
            c = rng.choice(cols)
            return {"op": "execute", "table": t,
                    "sql": f"UPDATE {t.name} SET {c.name} = {self.literal(c)} WHERE {c.name} IS NULL"}
        if r < 0.8:
            return {"op": "execute", "table": t,
                    "sql": f"COMMENT ON TABLE {t.name} IS {sql_str('owned by the ' + rng.choice(WORDS) + ' team')}"}
        return self.op_insert(tables, branch, t=t)

    def op_insert(self, tables, branch, t=None):
        rng = self.rng
        t = t or rng.choice(tables)
        cols = [c for c in t.cols.values() if c.kind == "data"]
        if not cols:
            return None
        rows = []
        for _ in range(rng.randint(1, 4)):
            rows.append("(" + ", ".join(self.literal(c) for c in cols) + ")")
        t.rows += len(rows)
        sql = f"INSERT INTO {t.name} ({', '.join(c.name for c in cols)}) VALUES\n    " + ",\n    ".join(rows)
        return {"op": "execute", "table": t, "sql": sql, "insert": True}

    def op_do_block(self, tables, branch):
        """A DO block: opaque to a static reader, but it changes the schema (or only data)."""
        rng = self.rng
        t = rng.choice(tables)
        r = rng.random()
        if r < 0.4:
            cands = [c for c in t.data_cols() if c.typ != "jsonb"]
            if not cands:
                return None
            c = rng.choice(cands)
            if any(v[0] == (c.name,) for v in t.indexes.values()):
                return None
            name = self.s.fresh(ident(f"idx_{t.name}_{c.name}"))
            t.indexes[name] = ((c.name,), False)
            body = (f"IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '{name}') THEN\n"
                    f"        CREATE INDEX {name} ON {t.name} ({c.name});\n"
                    "    END IF;")
            return {"op": "do_block", "table": t, "body": body, "schema": ("index", name, (c.name,))}
        if r < 0.7:
            c = self.s.new_col(t, nullable=True, with_default=False)
            t.cols[c.name] = c
            body = (f"IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()\n"
                    f"                   AND table_name = '{t.name}' AND column_name = '{c.name}') THEN\n"
                    f"        ALTER TABLE {t.name} ADD COLUMN {c.name} {sql_type(c)};\n"
                    "    END IF;")
            return {"op": "do_block", "table": t, "body": body, "schema": ("column", c)}
        body = (f"IF (SELECT count(*) FROM {t.name}) > 100000 THEN\n"
                f"        RAISE NOTICE 'large table {t.name}: %', (SELECT count(*) FROM {t.name});\n"
                "    END IF;")
        return {"op": "do_block", "table": t, "body": body, "schema": None}

    def op_add_unique(self, tables, branch):
        rng = self.rng
        cands = [t for t in tables if t.rows == 0]
        if not cands:
            return None
        t = rng.choice(cands)
        cols = [c for c in t.data_cols() if c.typ in UNIQUE_OK]
        if not cols:
            return None
        pick = tuple(c.name for c in rng.sample(cols, min(len(cols), rng.choice((1, 1, 2)))))
        name = self.s.fresh(ident(f"{t.name}_{'_'.join(pick)}_key"))
        t.uniques[name] = pick
        return {"op": "add_unique", "table": t, "name": name, "cols": pick}

    def op_drop_constraint(self, tables, branch):
        rng = self.rng
        cands = [t for t in tables if t.uniques or t.fks]
        if not cands:
            return None
        t = rng.choice(cands)
        names = sorted(t.uniques) + sorted(t.fks)
        name = rng.choice(names)
        if name in t.uniques:
            cols = t.uniques.pop(name)
            return {"op": "drop_constraint", "table": t, "name": name, "kind": "unique", "cols": cols}
        col, target = t.fks.pop(name)
        target.incoming -= 1
        return {"op": "drop_constraint", "table": t, "name": name, "kind": "fk", "col": col, "target": target}

    def op_add_fk(self, tables, branch):
        rng = self.rng
        if len(tables) < 2:
            return None
        t, target = rng.sample(tables, 2)
        cname = singular(target.name[len(self.s.prefix):]) + "_id"
        if cname in t.cols:
            return None
        c = Col(cname, "bigint" if target.seq is None else "int", kind="fk", target=target)
        t.cols[cname] = c
        if self.s.fk_style == "drizzle":
            name = self.s.fresh(ident(f"{t.name}_{cname}_{target.name}_id_fk"))
        else:
            name = self.s.fresh(ident(f"fk_{t.name}_{cname}"))
        t.fks[name] = (cname, target)
        target.incoming += 1
        return {"op": "add_fk", "table": t, "col": c, "name": name, "target": target}

    def op_seq_bigint(self, tables, branch):
        cands = [t for t in tables if t.seq and t.cols["id"].typ == "serial"]
        if not cands:
            return None
        t = self.rng.choice(cands)
        t.cols["id"].typ = "serial->bigint"
        return {"op": "seq_bigint", "table": t, "seq": t.seq}


def sql_type(c, quoted=False):
    return {"serial": "serial", "bigserial": "bigserial", "int": "integer", "bigint": "bigint",
            "varchar": f"varchar({c.length})", "text": "text", "bool": "boolean",
            "numeric": "numeric(12,2)", "ts": "timestamptz", "date": "date", "jsonb": "jsonb",
            "serial->bigint": "bigint"}[c.typ]


# ---------------------------------------------------------------------------------------------
# plain SQL (golang-migrate) rendering


def sql_col(c, q=lambda n: n):
    s = f"{q(c.name)} {sql_type(c)}"
    if c.kind == "pk":
        return s + " PRIMARY KEY"
    if q is dq:  # drizzle-kit's order
        return s + (f" DEFAULT {c.default}" if c.default is not None else "") + ("" if c.nullable else " NOT NULL")
    if not c.nullable:
        s += " NOT NULL"
    if c.default is not None:
        s += f" DEFAULT {c.default}"
    return s


def render_sql(op, rng):
    """Returns (up, down) SQL for golang-migrate files."""
    k = op["op"]
    t = op["table"]
    if k in ("create_table", "recreate_table"):
        lines = [sql_col(c) for c in op["cols"]]
        for con, (col, target) in op["fks"].items():
            lines.append(f"CONSTRAINT {con} FOREIGN KEY ({col}) REFERENCES {target.name} (id) ON DELETE {rng.choice(('CASCADE', 'RESTRICT', 'SET NULL'))}")
        for con, cols in op["uniques"].items():
            lines.append(f"CONSTRAINT {con} UNIQUE ({', '.join(cols)})")
        ine = "IF NOT EXISTS " if k == "create_table" and rng.random() < 0.5 else ""
        create = f"CREATE TABLE {ine}{t.name} (\n    " + ",\n    ".join(lines) + "\n);"
        if k == "recreate_table":
            return (f"-- rebuilt from scratch: the old layout and its indexes are gone\nDROP TABLE {t.name};\n\n{create}",
                    f"DROP TABLE {t.name};")
        return create, f"DROP TABLE IF EXISTS {t.name};"
    if k == "add_column":
        c = op["col"]
        return (f"ALTER TABLE {t.name} ADD COLUMN {sql_col(c)};",
                f"ALTER TABLE {t.name} DROP COLUMN IF EXISTS {c.name};")
    if k == "create_index":
        u = "UNIQUE " if op["unique"] else ""
        ine = "IF NOT EXISTS " if rng.random() < 0.3 else ""
        return (f"CREATE {u}INDEX {ine}{op['name']} ON {t.name} ({', '.join(op['cols'])});",
                f"DROP INDEX IF EXISTS {op['name']};")
    if k == "drop_index":
        u = "UNIQUE " if op["unique"] else ""
        return (f"DROP INDEX {'IF EXISTS ' if rng.random() < 0.5 else ''}{op['name']};",
                f"CREATE {u}INDEX {op['name']} ON {t.name} ({', '.join(op['cols'])});")
    if k == "drop_column":
        c = op["col"]
        return (f"ALTER TABLE {t.name} DROP COLUMN {c.name};",
                f"ALTER TABLE {t.name} ADD COLUMN {c.name} {sql_type(c)};")
    if k == "rename_table":
        return (f"ALTER TABLE {op['old']} RENAME TO {op['new']};",
                f"ALTER TABLE {op['new']} RENAME TO {op['old']};")
    if k == "rename_column":
        return (f"ALTER TABLE {t.name} RENAME COLUMN {op['old']} TO {op['new']};",
                f"ALTER TABLE {t.name} RENAME COLUMN {op['new']} TO {op['old']};")
    if k == "drop_table":
        body = ",\n    ".join(sql_col(c) for c in op["cols"])
        return (f"DROP TABLE {t.name};", f"CREATE TABLE {t.name} (\n    {body}\n);")
    if k == "execute":
        return op["sql"] + ";", ("-- data only, nothing to undo" if not op.get("insert") else f"DELETE FROM {t.name};")
    if k == "do_block":
        return (f"DO $$\nBEGIN\n    {op['body']}\nEND\n$$;", "-- the DO block is not reversed")
    if k == "add_unique":
        return (f"ALTER TABLE {t.name} ADD CONSTRAINT {op['name']} UNIQUE ({', '.join(op['cols'])});",
                f"ALTER TABLE {t.name} DROP CONSTRAINT IF EXISTS {op['name']};")
    if k == "drop_constraint":
        if op["kind"] == "unique":
            down = f"ALTER TABLE {t.name} ADD CONSTRAINT {op['name']} UNIQUE ({', '.join(op['cols'])});"
        else:
            down = f"ALTER TABLE {t.name} ADD CONSTRAINT {op['name']} FOREIGN KEY ({op['col']}) REFERENCES {op['target'].name} (id);"
        return f"ALTER TABLE {t.name} DROP CONSTRAINT {op['name']};", down
    if k == "add_fk":
        c = op["col"]
        return (f"ALTER TABLE {t.name} ADD COLUMN {c.name} {sql_type(c)};\n"
                f"ALTER TABLE {t.name} ADD CONSTRAINT {op['name']} FOREIGN KEY ({c.name}) REFERENCES {op['target'].name} (id) ON DELETE SET NULL;",
                f"ALTER TABLE {t.name} DROP CONSTRAINT {op['name']};\nALTER TABLE {t.name} DROP COLUMN {c.name};")
    if k == "seq_bigint":
        return (f"ALTER TABLE {t.name} ALTER COLUMN id TYPE bigint;\nALTER SEQUENCE {op['seq']} AS BIGINT;",
                f"ALTER SEQUENCE {op['seq']} AS integer;\nALTER TABLE {t.name} ALTER COLUMN id TYPE integer;")
    raise ValueError(k)


# ---------------------------------------------------------------------------------------------
# Drizzle rendering (drizzle-kit's style: quoted names, statement breakpoints)


def dq(n):
    return f'"{n}"'


def render_drizzle(op, rng):
    k = op["op"]
    t = op["table"]
    out = []
    if k in ("create_table", "recreate_table"):
        if k == "recreate_table":
            out.append(f'DROP TABLE "{t.name}" CASCADE;')
        lines = []
        for c in op["cols"]:
            if c.kind == "pk":
                lines.append(f'"id" {sql_type(c)} PRIMARY KEY NOT NULL')
            else:
                lines.append(sql_col(c, dq))
        for con, cols in op["uniques"].items():
            lines.append(f'CONSTRAINT "{con}" UNIQUE({",".join(dq(c) for c in cols)})')
        out.append(f'CREATE TABLE "{t.name}" (\n\t' + ",\n\t".join(lines) + "\n);\n")
        for con, (col, target) in op["fks"].items():
            out.append(f'ALTER TABLE "{t.name}" ADD CONSTRAINT "{con}" FOREIGN KEY ("{col}") REFERENCES "public"."{target.name}"("id") ON DELETE no action ON UPDATE no action;')
    elif k == "add_column":
        out.append(f'ALTER TABLE "{t.name}" ADD COLUMN {sql_col(op["col"], dq)};')
    elif k == "create_index":
        u = "UNIQUE " if op["unique"] else ""
        out.append(f'CREATE {u}INDEX "{op["name"]}" ON "{t.name}" USING btree ({",".join(dq(c) for c in op["cols"])});')
    elif k == "drop_index":
        out.append(f'DROP INDEX "{op["name"]}";')
    elif k == "drop_column":
        out.append(f'ALTER TABLE "{t.name}" DROP COLUMN "{op["col"].name}";')
    elif k == "rename_table":
        out.append(f'ALTER TABLE "{op["old"]}" RENAME TO "{op["new"]}";')
    elif k == "rename_column":
        out.append(f'ALTER TABLE "{t.name}" RENAME COLUMN "{op["old"]}" TO "{op["new"]}";')
    elif k == "drop_table":
        out.append(f'DROP TABLE "{t.name}" CASCADE;')
    elif k == "execute":
        out.append(op["sql"] + ";")
    elif k == "do_block":
        out.append(f"DO $$\nBEGIN\n    {op['body']}\nEND\n$$;")
    elif k == "add_unique":
        out.append(f'ALTER TABLE "{t.name}" ADD CONSTRAINT "{op["name"]}" UNIQUE({",".join(dq(c) for c in op["cols"])});')
    elif k == "drop_constraint":
        out.append(f'ALTER TABLE "{t.name}" DROP CONSTRAINT "{op["name"]}";')
    elif k == "add_fk":
        c = op["col"]
        out.append(f'ALTER TABLE "{t.name}" ADD COLUMN "{c.name}" {sql_type(c)};')
        out.append(f'ALTER TABLE "{t.name}" ADD CONSTRAINT "{op["name"]}" FOREIGN KEY ("{c.name}") REFERENCES "public"."{op["target"].name}"("id") ON DELETE set null ON UPDATE no action;')
    else:
        raise ValueError(k)
    return out


# ---------------------------------------------------------------------------------------------
# Alembic rendering


def sa_type(c):
    return {"serial": "sa.Integer()", "bigserial": "sa.BigInteger()", "int": "sa.Integer()",
            "bigint": "sa.BigInteger()", "varchar": f"sa.String(length={c.length})", "text": "sa.Text()",
            "bool": "sa.Boolean()", "numeric": "sa.Numeric(precision=12, scale=2)",
            "ts": "sa.DateTime(timezone=True)", "date": "sa.Date()", "jsonb": "postgresql.JSONB(astext_type=sa.Text())",
            "serial->bigint": "sa.BigInteger()"}[c.typ]


def sa_col(c):
    args = [repr(c.name), sa_type(c)]
    if c.default is not None:
        args.append(f"server_default=sa.text({c.default!r})")
    args.append(f"nullable={False if c.kind == 'pk' else c.nullable}")
    return f"sa.Column({', '.join(args)})"


def render_alembic(op):
    """Returns (upgrade lines, downgrade lines, needs postgresql import)."""
    k = op["op"]
    t = op["table"]
    pg = False

    def create(t, cols, fks, uniques):
        nonlocal pg
        lines = [f"    op.create_table(", f"        {t.name!r},"]
        for c in cols:
            pg = pg or c.typ == "jsonb"
            lines.append(f"        {sa_col(c)},")
        for con, (col, target) in fks.items():
            if con == f"{t.name}_{col}_fkey":  # PostgreSQL's own name: leave it unnamed
                lines.append(f"        sa.ForeignKeyConstraint([{col!r}], [{target.name + '.id'!r}], ),")
            else:
                lines.append(f"        sa.ForeignKeyConstraint([{col!r}], [{target.name + '.id'!r}], name={con!r}),")
        lines.append("        sa.PrimaryKeyConstraint('id'),")
        for con, cols_ in uniques.items():
            if len(cols_) == 1 and con == f"{t.name}_{cols_[0]}_key":
                lines.append(f"        sa.UniqueConstraint({cols_[0]!r}),")
            else:
                lines.append(f"        sa.UniqueConstraint({', '.join(map(repr, cols_))}, name={con!r}),")
        lines.append("    )")
        return lines

    if k == "create_table":
        return create(t, op["cols"], op["fks"], op["uniques"]), [f"    op.drop_table({t.name!r})"], pg
    if k == "recreate_table":
        up = [f"    # rebuilt from scratch: the old layout and its indexes are gone",
              f"    op.drop_table({t.name!r})"] + create(t, op["cols"], op["fks"], op["uniques"])
        return up, [f"    op.drop_table({t.name!r})"], pg
    if k == "add_column":
        c = op["col"]
        return ([f"    op.add_column({t.name!r}, {sa_col(c)})"], [f"    op.drop_column({t.name!r}, {c.name!r})"],
                c.typ == "jsonb")
    if k == "create_index":
        name = op["name"]
        auto = ("ix_" if not op["unique"] else "uq_") + t.name + "_" + "_".join(op["cols"])
        nm = f"op.f({name!r})" if name == auto else repr(name)
        return ([f"    op.create_index({nm}, {t.name!r}, [{', '.join(map(repr, op['cols']))}], unique={op['unique']})"],
                [f"    op.drop_index({nm}, table_name={t.name!r})"], False)
    if k == "drop_index":
        return ([f"    op.drop_index({op['name']!r}, table_name={t.name!r})"],
                [f"    op.create_index({op['name']!r}, {t.name!r}, [{', '.join(map(repr, op['cols']))}], unique={op['unique']})"], False)
    if k == "drop_column":
        c = op["col"]
        return ([f"    op.drop_column({t.name!r}, {c.name!r})"], [f"    op.add_column({t.name!r}, {sa_col(c)})"], c.typ == "jsonb")
    if k == "rename_table":
        return ([f"    op.rename_table({op['old']!r}, {op['new']!r})"], [f"    op.rename_table({op['new']!r}, {op['old']!r})"], False)
    if k == "rename_column":
        return ([f"    op.alter_column({t.name!r}, {op['old']!r}, new_column_name={op['new']!r})"],
                [f"    op.alter_column({t.name!r}, {op['new']!r}, new_column_name={op['old']!r})"], False)
    if k == "drop_table":
        cols = op["cols"]
        down = [f"    op.create_table({t.name!r},"] + [f"        {sa_col(c)}," for c in cols] + ["    )"]
        return [f"    op.drop_table({t.name!r})"], down, any(c.typ == "jsonb" for c in cols)
    if k == "execute":
        sql = op["sql"]
        if "\n" in sql:
            body = "\n".join("        " + ln for ln in sql.split("\n"))
            return [f'    op.execute(\n        """\n{body}\n        """\n    )'], ["    pass"], False
        return [f"    op.execute({sql!r})"], ["    pass"], False
    if k == "do_block":
        body = "\n".join("        " + ln for ln in f"DO $$\nBEGIN\n    {op['body']}\nEND\n$$;".split("\n"))
        return [f'    op.execute(\n        """\n{body}\n        """\n    )'], ["    pass"], False
    raise ValueError(k)


# ---------------------------------------------------------------------------------------------
# file writing


class Out:
    def __init__(self, root):
        self.root = root
        self.count = 0
        self.bytes = 0
        self.dirs = set()

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        d = os.path.dirname(path)
        if d not in self.dirs:
            os.makedirs(d, exist_ok=True)
            self.dirs.add(d)
        data = text.encode()
        with open(path, "wb") as f:
            f.write(data)
        self.count += 1
        self.bytes += len(data)


def slugify(msg, n=40):
    return re.sub(r"\W+", "_", msg).strip("_").lower()[:n].rstrip("_")


# ---------------------------------------------------------------------------------------------
# Alembic project

ALEMBIC_INI = """# A generic, single database configuration.

[alembic]
# path to migration scripts.
script_location = %(here)s/migrations

# sys.path path, will be prepended to sys.path if present.
prepend_sys_path = .

# version path separator
path_separator = os

sqlalchemy.url = {url}


[post_write_hooks]

# Logging configuration
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

ALEMBIC_ENV = '''from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# the schema is described by the migrations alone
target_metadata = None


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode.

    Each revision runs in its own transaction: thousands of tables created in one transaction
    would exhaust PostgreSQL's lock table (max_locks_per_transaction).
    """
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            transaction_per_migration=True,
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

ALEMBIC_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

MSG_VERBS = {"create_table": "create {t}", "recreate_table": "rebuild {t}", "add_column": "add {c} to {t}",
             "create_index": "index {t}", "drop_index": "drop index on {t}", "drop_column": "drop {c} from {t}",
             "rename_table": "rename {t}", "rename_column": "rename {c} on {t}", "drop_table": "drop {t}",
             "execute": "backfill {t}", "do_block": "guarded change on {t}", "add_unique": "unique {c} on {t}",
             "drop_constraint": "drop constraint on {t}", "add_fk": "link {t}", "seq_bigint": "bigint ids for {t}"}


def op_message(op, prefix):
    t = op["table"].name
    if t.startswith(prefix):
        t = t[len(prefix):]
    c = op.get("col").name if isinstance(op.get("col"), Col) else (op.get("new") or op.get("col") or "")
    if op["op"] == "rename_table":
        t = op["old"][len(prefix):]
    return MSG_VERBS[op["op"]].format(t=t, c=c)


def gen_alembic(out, base, rng, names, n_revs, n_merges, url, t0):
    """Alembic project of n_revs revisions, n_merges of them merge revisions."""
    sa_url = url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    out.write(f"{base}/alembic.ini", ALEMBIC_INI.format(url=sa_url))
    out.write(f"{base}/migrations/env.py", ALEMBIC_ENV)
    out.write(f"{base}/migrations/script.py.mako", ALEMBIC_MAKO)
    out.write(f"{base}/migrations/README", "Generic single-database configuration.\n")
    schema = Schema("inv_", rng, names)
    gen = OpGen(schema, "alembic")
    ids = set()

    def rev_id():
        while True:
            r = "%012x" % rng.getrandbits(48)
            if r not in ids:
                ids.add(r)
                return r

    revs = []  # (rid, down, ops, message, date)
    when = t0

    def add(down, ops, msg):
        # rendered now: tables and columns are renamed by later revisions
        nonlocal when
        when += dt.timedelta(minutes=rng.randint(20, 60 * 24), seconds=rng.randint(0, 59),
                             microseconds=rng.randint(0, 999999))
        rid = rev_id()
        up_lines, down_lines, pg = [], [], False
        for op in ops:
            u, d, p = render_alembic(op)
            up_lines += u
            down_lines = d + down_lines
            pg = pg or p
        revs.append([rid, down, (up_lines, down_lines, pg), msg, when])
        return rid

    n_plain = n_revs - n_merges
    # branch points spread over the history; each side branch has 1-6 revisions and is merged
    # back after the main line moved on by 1-12 revisions
    side_total = 0
    branches = []
    for b in range(n_merges):
        ln = rng.randint(1, 6)
        branches.append(ln)
        side_total += ln
    main_total = n_plain - side_total
    fork_at = sorted(rng.sample(range(1, max(2, main_total - 20)), n_merges)) if n_merges else []
    fork_at_set = {}
    for b, f in enumerate(fork_at):
        fork_at_set.setdefault(f, []).append(b)
    open_branches = []  # [branch id, side tip, merge at main index]
    tip = None
    main_i = 0
    while main_i < main_total or open_branches:
        if main_i < main_total:
            ops = [gen.choose()]
            if ops[0]["op"] == "create_table" and rng.random() < 0.35:
                idx = gen.op_create_index([ops[0]["table"]], None)
                if idx:
                    ops.append(idx)
            if rng.random() < 0.15:
                ops.append(gen.choose())
            tip = add(tip, ops, op_message(ops[0], "inv_"))
            main_i += 1
        for b in fork_at_set.get(main_i, []):
            # a side branch: its own tables only, so either order of the two lines is valid
            side = tip
            for _ in range(branches[b]):
                ops = [gen.choose(branch=b, allowed=("create_table", "add_column", "create_index",
                                                     "rename_column", "execute"))]
                side = add(side, ops, op_message(ops[0], "inv_"))
            open_branches.append([b, side, main_i + rng.randint(1, 12)])
        due = [ob for ob in open_branches if ob[2] <= main_i or main_i >= main_total]
        for ob in due:
            open_branches.remove(ob)
            tip = add((tip, ob[1]), [], "merge heads")
            for t in schema.tables.values():
                if t.branch == ob[0]:
                    t.branch = None
    # the alphabetically last file must not be the head
    head = revs[-1][0]
    others = max(r[0] for r in revs[:-1]) if len(revs) > 1 else "f" * 12
    if head >= others:
        new = "%012x" % (int(others, 16) // 2)
        ids.discard(head)
        revs[-1][0] = new
    files = 0
    for rid, down, (up_lines, down_lines, pg), msg, when in revs:
        if isinstance(down, tuple):
            down_repr = "(" + ", ".join(repr(d) for d in down) + ")"
            revises = ", ".join(down)
        else:
            down_repr = repr(down)
            revises = down or ""
        up = "\n".join(up_lines) if up_lines else "    pass"
        dn = "\n".join(down_lines) if down_lines else "    pass"
        imports = "from sqlalchemy.dialects import postgresql\n" if pg else ""
        text = (f'"""{msg}\n\nRevision ID: {rid}\nRevises: {revises}\nCreate Date: {when.isoformat(" ")}\n\n"""\n'
                "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n"
                f"{imports}\n\n"
                f"# revision identifiers, used by Alembic.\nrevision: str = {rid!r}\n"
                f"down_revision: Union[str, Sequence[str], None] = {down_repr}\n"
                "branch_labels: Union[str, Sequence[str], None] = None\n"
                "depends_on: Union[str, Sequence[str], None] = None\n\n\n"
                f'def upgrade() -> None:\n    """Upgrade schema."""\n{up}\n\n\n'
                f'def downgrade() -> None:\n    """Downgrade schema."""\n{dn}\n')
        out.write(f"{base}/migrations/versions/{rid}_{slugify(msg)}.py", text)
        files += 1
    merges = sum(1 for r in revs if isinstance(r[1], tuple))
    return {"root": base, "revisions": len(revs), "merges": merges, "head": revs[-1][0],
            "tables": len(schema.tables)}


# ---------------------------------------------------------------------------------------------
# golang-migrate


def gen_golang(out, base, rng, names, n_versions, url, t0):
    mig = f"{base}/db/migrations"
    schema = Schema("bill_", rng, names)
    gen = OpGen(schema, "golang")
    when = t0
    versions = []
    for i in range(n_versions):
        when += dt.timedelta(seconds=rng.randint(600, 3600 * 12))
        v = int(when.strftime("%Y%m%d%H%M%S"))
        ops = [gen.choose()]
        if ops[0]["op"] == "create_table":
            if rng.random() < 0.4:
                idx = gen.op_create_index([ops[0]["table"]], None)
                if idx:
                    ops.append(idx)
            if rng.random() < 0.1:
                ops.append(gen.op_insert([ops[0]["table"]], None))
        if rng.random() < 0.12:
            ops.append(gen.choose())
        ups, downs = [], []
        for op in ops:
            u, d = render_sql(op, rng)
            ups.append(u)
            downs.insert(0, d)
        name = slugify(op_message(ops[0], "bill_").replace(" ", "_"), 60)
        head = f"-- {op_message(ops[0], 'bill_')}\n" if rng.random() < 0.4 else ""
        up = head + "\n\n".join(ups) + "\n"
        if rng.random() < 0.05:
            up = "BEGIN;\n\n" + up + "\nCOMMIT;\n"
        out.write(f"{mig}/{v}_{name}.up.sql", up)
        out.write(f"{mig}/{v}_{name}.down.sql", "\n\n".join(downs) + "\n")
        versions.append(v)
    out.write(f"{base}/Makefile", f"""# billing service
DATABASE_URL ?= {url}?sslmode=disable
MIGRATIONS := db/migrations

.PHONY: build test migrate-up migrate-down migrate-new

build:
\tgo build ./...

test:
\tgo test ./...

migrate-up:
\tmigrate -path $(MIGRATIONS) -database "$(DATABASE_URL)" up

migrate-down:
\tmigrate -path $(MIGRATIONS) -database "$(DATABASE_URL)" down 1

migrate-new:
\tmigrate create -ext sql -dir $(MIGRATIONS) $(name)
""")
    return {"root": mig, "versions": len(versions), "last": versions[-1], "tables": len(schema.tables)}


# ---------------------------------------------------------------------------------------------
# Drizzle


def gen_drizzle(out, base, rng, names, n_entries, url, t0):
    schema = Schema("web_", rng, names)
    gen = OpGen(schema, "drizzle")
    entries = []
    when_ms = int(t0.timestamp() * 1000)
    prev = "00000000-0000-0000-0000-000000000000"
    for idx in range(n_entries):
        when_ms += rng.randint(600_000, 2 * 86_400_000)
        n = rng.randint(3, 8) if idx == 0 else rng.choice((1, 1, 1, 2, 2, 3))
        stmts = []
        for _ in range(n):
            op = gen.choose()
            stmts += render_drizzle(op, rng)
            if op["op"] == "create_table" and rng.random() < 0.4:
                ix = gen.op_create_index([op["table"]], None)
                if ix:
                    stmts += render_drizzle(ix, rng)
        tag = f"{idx:04d}_{rng.choice(DADJS)}_{rng.choice(HEROES)}"
        # drizzle-kit: statements joined by "--> statement-breakpoint\n"; CREATE TABLE ends in a newline
        out.write(f"{base}/drizzle/{tag}.sql", "--> statement-breakpoint\n".join(stmts))
        sid = "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                              0x8000 | rng.getrandbits(14), rng.getrandbits(48))
        out.write(f"{base}/drizzle/meta/{idx:04d}_snapshot.json", json.dumps(
            {"id": sid, "prevId": prev, "version": "7", "dialect": "postgresql", "tables": {}, "enums": {},
             "schemas": {}, "sequences": {}, "roles": {}, "policies": {}, "views": {},
             "_meta": {"columns": {}, "schemas": {}, "tables": {}}}, indent=2) + "\n")
        prev = sid
        entries.append({"idx": idx, "version": "7", "when": when_ms, "tag": tag, "breakpoints": True})
    out.write(f"{base}/drizzle/meta/_journal.json",
              json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=2) + "\n")
    out.write(f"{base}/drizzle.config.ts", f"""import {{ defineConfig }} from 'drizzle-kit';

export default defineConfig({{
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  dbCredentials: {{
    url: process.env.DATABASE_URL ?? '{url}',
  }},
}});
""")
    return {"root": f"{base}/drizzle", "entries": len(entries), "tables": len(schema.tables)}


# ---------------------------------------------------------------------------------------------
# Django


class DModel:
    def __init__(self, app, name):
        self.app, self.name = app, name
        self.fields = {}  # name -> (kind, extra)
        self.indexes = {}  # name -> fields
        self.referenced = False

    @property
    def table(self):
        return f"{self.app}_{self.name.lower()}"


DJ_TYPE = {"varchar": "char", "text": "text", "int": "int", "bigint": "bigint", "bool": "bool",
           "ts": "dt", "date": "date", "numeric": "dec", "jsonb": "json"}


def dj_field(kind, extra, adding=False):
    if kind == "char":
        return f"models.CharField(default='', max_length={extra})" if adding else f"models.CharField(max_length={extra})"
    if kind == "text":
        return "models.TextField(blank=True, null=True)" if adding else "models.TextField(blank=True)"
    if kind == "int":
        return "models.IntegerField(default=0)"
    if kind == "bigint":
        return "models.BigIntegerField(default=0)"
    if kind == "bool":
        return "models.BooleanField(default=False)"
    if kind == "dt":
        return "models.DateTimeField(blank=True, null=True)" if adding else "models.DateTimeField(auto_now_add=True)"
    if kind == "date":
        return "models.DateField(blank=True, null=True)"
    if kind == "dec":
        return "models.DecimalField(decimal_places=2, default=0, max_digits=12)"
    if kind == "json":
        return "models.JSONField(default=dict)"
    if kind == "fk":
        target, nullable = extra
        if nullable:
            return f"models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='{target.app}.{target.name.lower()}')"
        return f"models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='{target.app}.{target.name.lower()}')"
    raise ValueError(kind)


def singular(word):
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def camel(noun):
    parts = noun.split("_")
    parts[-1] = singular(parts[-1])
    return "".join(p.capitalize() for p in parts)


def gen_django(out, base, rng, names, n_apps, per_app, url, t0):
    apps = DJANGO_APPS[:n_apps]
    u = urlparse(url)
    out.write(f"{base}/manage.py", '''#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
''')
    out.write(f"{base}/config/__init__.py", "")
    installed = "\n".join(f'    "apps.{a}",' for a in apps)
    out.write(f"{base}/config/settings.py", f'''"""Django settings for the backend project."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
{installed}
]

MIDDLEWARE = []
ROOT_URLCONF = "config.urls"

DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "{u.path.lstrip('/')}",
        "USER": "{u.username or ''}",
        "PASSWORD": "{u.password or ''}",
        "HOST": "{u.hostname or ''}",
        "PORT": "{u.port or ''}",
    }}
}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
''')
    out.write(f"{base}/config/urls.py", "urlpatterns = []\n")
    out.write(f"{base}/config/wsgi.py", 'import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\napplication = get_wsgi_application()\n')
    out.write(f"{base}/apps/__init__.py", "")
    models = {a: [] for a in apps}  # live models per app
    used_model_names = {a: set() for a in apps}
    latest = {a: None for a in apps}
    counter = {a: 0 for a in apps}
    when = t0
    total = 0
    idx_n = 0
    sql_n = 0
    stats = {"migrations": 0, "models": 0}

    def new_model(app):
        for _ in range(20):
            noun = rng.choice(NOUNS)
            name = camel(noun) if rng.random() < 0.7 else camel(rng.choice(ADJS) + "_" + noun)
            if name.lower() not in used_model_names[app] and len(f"{app}_{name.lower()}") <= 50:
                used_model_names[app].add(name.lower())
                return DModel(app, name)
        k = len(used_model_names[app])
        name = f"{camel(rng.choice(NOUNS))}{k}"
        used_model_names[app].add(name.lower())
        return DModel(app, name)

    def taken(m, name):
        # a ForeignKey `x` owns the column x_id
        return (name in m.fields or name == "id" or f"{name}_id" in m.fields
                or (name.endswith("_id") and name[:-3] in m.fields))

    def new_field_name(m):
        name, typ = rng.choice(COLS)
        base_, k = name, 2
        while taken(m, name):
            name = f"{base_}_{k}"
            k += 1
        return name, typ

    for step in range(per_app):
        for app in apps:
            when += dt.timedelta(minutes=rng.randint(5, 600))
            counter[app] += 1
            num = counter[app]
            deps = set()
            if latest[app]:
                deps.add((app, latest[app]))
            ops, frags = [], []
            live = models[app]
            n_ops = rng.randint(2, 4) if num == 1 else rng.choice((1, 1, 1, 2))
            for j in range(n_ops):
                r = rng.random()
                if num == 1 or not live or r < 0.42:
                    m = new_model(app)
                    fields = [("id", "models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')")]
                    for _ in range(rng.randint(2, 6)):
                        fname, typ = new_field_name(m)
                        kind = DJ_TYPE[typ]
                        extra = rng.choice((32, 64, 128, 255)) if kind == "char" else None
                        m.fields[fname] = (kind, extra)
                        fields.append((fname, dj_field(kind, extra)))
                    if rng.random() < 0.35:
                        pool = [(a, x) for a in apps for x in models[a] if a == app or rng.random() < 0.02]
                        if pool:
                            a, target = rng.choice(pool)
                            fname = target.name.lower()
                            k = 2
                            while taken(m, fname):
                                fname = f"{target.name.lower()}_{k}"
                                k += 1
                            target.referenced = True
                            nullable = rng.random() < 0.3
                            m.fields[fname] = ("fk", (target, nullable))
                            fields.append((fname, dj_field("fk", (target, nullable))))
                            if a != app:
                                deps.add((a, latest[a]))
                    body = "\n".join(f"                ({f!r}, {d})," for f, d in fields)
                    ops.append(f"        migrations.CreateModel(\n            name={m.name!r},\n            fields=[\n{body}\n            ],\n        ),")
                    frags.append(m.name.lower())
                    live.append(m)
                    stats["models"] += 1
                    continue
                m = rng.choice(live)
                plain = [f for f, (k, _) in m.fields.items() if k != "fk" and not any(f in fs for fs in m.indexes.values())]
                if r < 0.59:
                    fname, typ = new_field_name(m)
                    kind = DJ_TYPE[typ]
                    extra = rng.choice((32, 64, 128, 255)) if kind == "char" else None
                    m.fields[fname] = (kind, extra)
                    ops.append(f"        migrations.AddField(\n            model_name={m.name.lower()!r},\n            name={fname!r},\n            field={dj_field(kind, extra, adding=True)},\n        ),")
                    frags.append(f"{m.name.lower()}_{fname}")
                elif r < 0.69:
                    fields = [f for f, (k, _) in m.fields.items() if k != "fk"]
                    if not fields:
                        continue
                    pick = rng.sample(fields, min(len(fields), rng.choice((1, 1, 2))))
                    if any(list(fs) == pick for fs in m.indexes.values()):
                        continue
                    idx_n += 1
                    name = f"{app[:8]}_{m.name.lower()[:8]}_{idx_n:x}_idx"
                    m.indexes[name] = tuple(pick)
                    ops.append(f"        migrations.AddIndex(\n            model_name={m.name.lower()!r},\n            index=models.Index(fields={pick!r}, name={name!r}),\n        ),")
                    frags.append(f"{m.name.lower()}_{name}")
                elif r < 0.72 and m.indexes:
                    name = rng.choice(sorted(m.indexes))
                    del m.indexes[name]
                    ops.append(f"        migrations.RemoveIndex(\n            model_name={m.name.lower()!r},\n            name={name!r},\n        ),")
                    frags.append(f"remove_{m.name.lower()}_{name}")
                elif r < 0.78 and len(plain) > 1:
                    fname = rng.choice(plain)
                    del m.fields[fname]
                    ops.append(f"        migrations.RemoveField(\n            model_name={m.name.lower()!r},\n            name={fname!r},\n        ),")
                    frags.append(f"remove_{m.name.lower()}_{fname}")
                elif r < 0.83 and plain:
                    old = rng.choice(plain)
                    new, _ = new_field_name(m)
                    m.fields = {(new if k == old else k): v for k, v in m.fields.items()}
                    ops.append(f"        migrations.RenameField(\n            model_name={m.name.lower()!r},\n            old_name={old!r},\n            new_name={new!r},\n        ),")
                    frags.append(f"rename_{old}_{m.name.lower()}_{new}")
                elif r < 0.86 and not m.referenced and len(live) > 2:
                    live.remove(m)
                    ops.append(f"        migrations.DeleteModel(\n            name={m.name!r},\n        ),")
                    frags.append(f"delete_{m.name.lower()}")
                else:
                    cols = [f for f, (k, _) in m.fields.items() if k in ("char", "text", "int", "bool")]
                    r2 = rng.random()
                    if r2 < 0.35 and cols:
                        c = rng.choice(cols)
                        kind = m.fields[c][0]
                        val = {"char": "''", "text": "''", "int": "0", "bool": "false"}[kind]
                        sql = f"UPDATE {m.table} SET {c} = {val} WHERE {c} IS NULL"
                    elif r2 < 0.6 and cols:
                        c = rng.choice(cols)
                        sql_n += 1
                        iname = ident(f"{app}_sql_{sql_n}_{c}")
                        sql = f"CREATE INDEX IF NOT EXISTS {iname} ON {m.table} ({c})"
                    elif r2 < 0.8:
                        sql = f"COMMENT ON TABLE {m.table} IS {sql_str('maintained by the ' + app + ' team')}"
                    else:
                        sql = (f"DO $$\nBEGIN\n    IF (SELECT count(*) FROM {m.table}) > 100000 THEN\n"
                               f"        RAISE NOTICE 'large table {m.table}';\n    END IF;\nEND\n$$;")
                    ops.append(f"        migrations.RunSQL(\n            sql={sql!r},\n            reverse_sql=migrations.RunSQL.noop,\n        ),")
                    frags.append(None)
            if not ops:
                m = rng.choice(live)
                fname, typ = new_field_name(m)
                m.fields[fname] = ("text", None)
                ops.append(f"        migrations.AddField(\n            model_name={m.name.lower()!r},\n            name={fname!r},\n            field={dj_field('text', None, adding=True)},\n        ),")
                frags.append(f"{m.name.lower()}_{fname}")
            if num == 1:
                mname = "0001_initial"
            else:
                joined = "_".join(f for f in frags if f) if all(frags) else ""
                if not joined or len(joined) > 52:
                    joined = "auto_" + when.strftime("%Y%m%d_%H%M")
                mname = f"{num:04d}_{joined}"
            dep_lines = "".join(f"        ({a!r}, {n!r}),\n" for a, n in sorted(deps))
            imports = "import django.db.models.deletion\n" if "deletion" in "".join(ops) else ""
            text = (f"# Generated by Django 5.2.19 on {when.strftime('%Y-%m-%d %H:%M')}\n\n{imports}"
                    "from django.db import migrations, models\n\n\n"
                    "class Migration(migrations.Migration):\n\n")
            if num == 1:
                text += "    initial = True\n\n"
            text += f"    dependencies = [\n{dep_lines}    ]\n\n"
            text += "    operations = [\n" + "\n".join(ops) + "\n    ]\n"
            out.write(f"{base}/apps/{app}/migrations/{mname}.py", text)
            latest[app] = mname
            total += 1
    for app in apps:
        cls = "".join(p.capitalize() for p in app.split("_")) + "Config"
        out.write(f"{base}/apps/{app}/__init__.py", "")
        out.write(f"{base}/apps/{app}/apps.py", f"from django.apps import AppConfig\n\n\nclass {cls}(AppConfig):\n    default_auto_field = \"django.db.models.BigAutoField\"\n    name = \"apps.{app}\"\n")
        out.write(f"{base}/apps/{app}/migrations/__init__.py", "")
        out.write(f"{base}/apps/{app}/models.py", "# Models live in the migrations of this benchmark corpus.\nfrom django.db import models  # noqa: F401\n")
    live_models = sum(len(v) for v in models.values())
    return {"root": base, "apps": len(apps), "migrations": total, "tables": live_models,
            "latest": latest}


# ---------------------------------------------------------------------------------------------
# ordinary source files

PY_UNITS = [
    'def {f}({a}, {b}=None):\n    """{doc}"""\n    if {b} is None:\n        {b} = {{}}\n    result = []\n    for item in {a}:\n        if item.get("{k}") == {b}.get("{k}"):\n            result.append(item)\n    return result\n',
    'class {C}:\n    """{doc}"""\n\n    def __init__(self, {a}, {b}):\n        self.{a} = {a}\n        self.{b} = {b}\n\n    def {f}(self):\n        return {{"{k}": self.{a}, "{b}": self.{b}}}\n',
    '@dataclass\nclass {C}:\n    {a}: int\n    {b}: str = ""\n    {k}: list = field(default_factory=list)\n',
    'async def {f}(session, {a}):\n    """{doc}"""\n    rows = await session.execute(select({C}).where({C}.{k} == {a}))\n    return rows.scalars().all()\n',
    'def test_{f}():\n    {a} = {C}(1, "x")\n    assert {a}.{f}() is not None\n',
]
TS_UNITS = [
    'export function {f}({a}: {C}[], {b}?: string): {C}[] {{\n  // {doc}\n  return {a}.filter((x) => x.{k} === {b});\n}}\n',
    'export interface {C} {{\n  id: number;\n  {a}: string;\n  {b}?: number;\n  {k}: boolean;\n}}\n',
    'export const {f} = async ({a}: string): Promise<{C}> => {{\n  const res = await fetch(`/api/{k}/${{{a}}}`);\n  if (!res.ok) throw new Error("{doc}");\n  return res.json();\n}};\n',
    'export class {C}Service {{\n  constructor(private readonly {a}: {C}Repository) {{}}\n\n  async {f}({b}: number) {{\n    return this.{a}.find{{ {k}: {b} }};\n  }}\n}}\n',
]
TSX_UNITS = [
    'export function {C}({{ {a}, {b} }}: {C}Props) {{\n  const [{k}, set{C}] = useState(false);\n  return (\n    <div className="{f}">\n      <span>{{{a}}}</span>\n      <button onClick={{() => set{C}(!{k})}}>{doc}</button>\n    </div>\n  );\n}}\n',
]
GO_UNITS = [
    'func {C}(ctx context.Context, {a} string) (*{C}Result, error) {{\n\t// {doc}\n\tif {a} == "" {{\n\t\treturn nil, errors.New("{k}: empty {a}")\n\t}}\n\treturn &{C}Result{{Name: {a}}}, nil\n}}\n',
    'type {C} struct {{\n\tID   int64  `json:"id"`\n\t{B} string `json:"{b}"`\n\t{K} bool   `json:"{k}"`\n}}\n',
    'func (s *Service) {C}(ctx context.Context, id int64) error {{\n\trow := s.db.QueryRowContext(ctx, "SELECT {k} FROM {b} WHERE id = $1", id)\n\tvar v string\n\treturn row.Scan(&v)\n}}\n',
    'func Test{C}(t *testing.T) {{\n\tgot, err := {C}(context.Background(), "{a}")\n\tif err != nil {{\n\t\tt.Fatal(err)\n\t}}\n\t_ = got\n}}\n',
]
MD_UNITS = [
    "## {C}\n\n{doc}. The {a} module talks to {b} through the {k} adapter; see `{f}` for details.\n",
    "- `{f}`: {doc}\n- `{a}`: handles {b}\n- `{k}`: optional\n",
    "```sh\nmake {f}\n./bin/{a} --{k}={b}\n```\n",
]
DOCS = ["returns the matching records", "keeps the cache warm", "retries with backoff",
        "validates the payload before it is stored", "maps rows to domain objects",
        "sends the event to the queue", "renders the summary panel", "computes the totals"]


def fill(tpl, rng):
    w = rng.choice
    a, b, k = w(WORDS), w(WORDS), w(WORDS)
    if b == a:
        b = b + "_2"
    C = w(WORDS).capitalize() + w(WORDS).capitalize()
    return tpl.format(f=f"{w(WORDS)}_{w(WORDS)}", a=a, b=b, k=k, C=C, B=b.capitalize(), K=k.capitalize(), doc=w(DOCS))


def source_text(ext, rng, units):
    if ext == ".py":
        head = '"""{}."""\nfrom dataclasses import dataclass, field\n\nfrom sqlalchemy import select\n\n\n'.format(rng.choice(DOCS).capitalize())
        return head + "\n\n".join(fill(rng.choice(PY_UNITS), rng) for _ in range(units))
    if ext == ".ts":
        return 'import { useState } from "react";\n\n' + "\n".join(fill(rng.choice(TS_UNITS), rng) for _ in range(units))
    if ext == ".tsx":
        return 'import React, { useState } from "react";\n\n' + "\n".join(fill(rng.choice(TSX_UNITS + TS_UNITS), rng) for _ in range(units))
    if ext == ".js":
        return '"use strict";\n' + "\n".join(fill(rng.choice(TS_UNITS), rng).replace(": string", "").replace(": number", "") for _ in range(units))
    if ext == ".go":
        return f"package {rng.choice(WORDS)}\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"testing\"\n)\n\n" + "\n".join(fill(rng.choice(GO_UNITS), rng) for _ in range(units))
    if ext == ".md":
        return f"# {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}\n\n" + "\n".join(fill(rng.choice(MD_UNITS), rng) for _ in range(units))
    if ext == ".json":
        return json.dumps({rng.choice(WORDS): {rng.choice(WORDS): i for i in range(units * 3)} for _ in range(2)}, indent=2) + "\n"
    if ext in (".yaml", ".yml"):
        return "".join(f"{rng.choice(WORDS)}:\n  image: registry.local/{rng.choice(WORDS)}:{i}\n  replicas: {i % 4 + 1}\n" for i in range(units * 2))
    if ext == ".sql":  # sqlc-style queries, not migrations
        return "".join(f"-- name: Get{rng.choice(WORDS).capitalize()}{i} :one\nSELECT * FROM {rng.choice(NOUNS)} WHERE id = $1 LIMIT 1;\n\n" for i in range(units * 2))
    if ext == ".sh":
        return "#!/usr/bin/env bash\nset -euo pipefail\n" + "".join(f"echo \"{rng.choice(DOCS)}\"\n" for _ in range(units * 2))
    if ext == ".log":
        return "".join(f"2024-05-0{i % 9 + 1}T10:{i % 60:02d}:00Z INFO {rng.choice(WORDS)} {rng.choice(DOCS)}\n" for i in range(units * 8))
    if ext == ".tf":
        return "".join(f'resource "aws_{rng.choice(WORDS)}" "{rng.choice(WORDS)}_{i}" {{\n  name = "{rng.choice(WORDS)}"\n}}\n\n' for i in range(units))
    if ext == ".css":
        return "".join(f".{rng.choice(WORDS)}-{i} {{\n  display: flex;\n  margin: {i}px;\n}}\n" for i in range(units * 2))
    return "\n".join(rng.choice(DOCS) for _ in range(units * 3)) + "\n"


AREAS = [
    # base, weight, extension mix
    ("services/{svc}/internal", 20, [(".go", 85), (".md", 3), (".sql", 5), (".yaml", 4), (".json", 3)]),
    ("services/{svc}/pkg", 6, [(".go", 90), (".md", 5), (".json", 5)]),
    ("services/inventory/src/inventory", 6, [(".py", 90), (".md", 4), (".json", 3), (".yaml", 3)]),
    ("backend/apps/{app}", 12, [(".py", 92), (".md", 2), (".json", 3), (".yaml", 3)]),
    ("backend/lib", 5, [(".py", 95), (".md", 5)]),
    ("web/src", 22, [(".tsx", 45), (".ts", 45), (".css", 6), (".json", 2), (".md", 2)]),
    ("web/packages/{pkg}/src", 10, [(".ts", 70), (".tsx", 20), (".json", 5), (".md", 5)]),
    ("libs/python/{pkg}", 6, [(".py", 90), (".md", 10)]),
    ("docs", 5, [(".md", 100)]),
    ("infra", 4, [(".tf", 50), (".yaml", 45), (".md", 5)]),
    ("tools", 4, [(".py", 40), (".sh", 40), (".go", 15), (".md", 5)]),
]
SERVICES = ["billing", "gateway", "search", "notifier", "scheduler", "ledger", "auth", "media",
            "exporter", "importer", "webhooks", "reporting", "pricing", "sync"]

GITIGNORE = """# dependencies
node_modules/
.venv/
__pycache__/
*.pyc

# build output
build/
dist/
coverage/
.next/
tmp/

# logs and local env
*.log
.env
.bench-manifest.json
"""


def gen_sources(out, rng, n_files):
    """n_files ordinary files; about 10 % in gitignored places (node_modules/, .venv/, build/,
    dist/, coverage/, *.log), some of which look like migrations."""
    out.write(".gitignore", GITIGNORE)
    out.write("README.md", "# Acme monorepo\n\nServices in `services/`, the Django backend in `backend/`, the web app in `web/`.\n")
    out.write("web/.gitignore", ".next/\nout/\n*.tsbuildinfo\n")
    out.write("web/package.json", json.dumps({"name": "web", "private": True, "scripts": {"db:migrate": "drizzle-kit migrate"},
                                              "dependencies": {"drizzle-orm": "0.45.4", "pg": "8.23.1", "react": "18.3.1"},
                                              "devDependencies": {"drizzle-kit": "0.31.11"}}, indent=2) + "\n")
    n_ignored = n_files // 10
    n_plain = n_files - n_ignored
    n_folders = max(10, n_files // 33)
    weights = [a[1] for a in AREAS]
    folders = []
    seen = set()
    while len(folders) < n_folders:
        area = rng.choices(AREAS, weights)[0]
        base = area[0].format(svc=rng.choice(SERVICES), app=rng.choice(DJANGO_APPS), pkg=rng.choice(WORDS))
        depth = rng.choice((1, 1, 2, 2, 3))
        path = base + "/" + "/".join(rng.choice(WORDS) for _ in range(depth))
        if path in seen:
            path += f"_{len(folders)}"
        seen.add(path)
        folders.append((path, area[2]))
    for i in range(n_plain):
        path, mix = folders[i % n_folders] if i < n_folders else rng.choice(folders)
        ext = rng.choices([m[0] for m in mix], [m[1] for m in mix])[0]
        units = max(1, min(80, int(rng.lognormvariate(2.0, 0.9))))
        name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{i}{ext}"
        if ext == ".go" and rng.random() < 0.3:
            name = name[:-3] + "_test.go"
        out.write(f"{path}/{name}", source_text(ext, rng, units))
    # gitignored: node_modules (40 %), .venv (30 %), build/dist/coverage (25 %), logs (5 %)
    n_nm = n_ignored * 40 // 100
    n_venv = n_ignored * 30 // 100
    n_build = n_ignored * 25 // 100
    n_log = n_ignored - n_nm - n_venv - n_build
    pkgs = [f"{rng.choice(WORDS)}-{rng.choice(WORDS)}" for _ in range(max(3, n_nm // 25))]
    for i in range(n_nm):
        pkg = pkgs[i % len(pkgs)]
        ext = rng.choice((".js", ".js", ".ts", ".json", ".md"))
        if ext == ".ts":
            ext = ".d.ts"
        sub = rng.choice(("dist", "lib", "cjs", "esm", "src"))
        out.write(f"web/node_modules/{pkg}/{sub}/{rng.choice(WORDS)}_{i}{ext}",
                  source_text(".js" if ext == ".d.ts" else ext, rng, max(1, int(rng.lognormvariate(1.2, 0.8)))))
    vpk = [rng.choice(WORDS) + rng.choice(("", "lib", "py", "_utils")) for _ in range(max(3, n_venv // 30))]
    for i in range(n_venv):
        out.write(f"backend/.venv/lib/python3.11/site-packages/{vpk[i % len(vpk)]}/{rng.choice(WORDS)}_{i}.py",
                  source_text(".py", rng, max(1, int(rng.lognormvariate(1.2, 0.8)))))
    build_roots = ["services/inventory/build/lib/inventory", "web/dist/assets", "web/packages/ui/dist",
                   "backend/build/lib", "services/gateway/build", "web/coverage/lcov-report", "libs/python/core/dist"]
    for i in range(n_build):
        root = build_roots[i % len(build_roots)]
        ext = ".js" if "web" in root else ".py" if "lib" in root else ".json"
        out.write(f"{root}/{rng.choice(WORDS)}_{i}{ext}", source_text(ext, rng, max(1, int(rng.lognormvariate(1.2, 0.8)))))
    for i in range(n_log):
        d = rng.choice(("logs", "services/billing", "backend", "web", "tools"))
        out.write(f"{d}/{rng.choice(WORDS)}-{i}.log", source_text(".log", rng, rng.randint(1, 20)))
    return n_plain + n_ignored


def gen_lookalikes(out, rng, corpus):
    """Gitignored copies that look like migrations: a tool that honours .gitignore must not pick
    them up. Returns the number of files written."""
    before = out.count
    src = out.root
    # a stale copy of billing's first migrations in build/
    gm = os.path.join(src, corpus["golang"]["root"])
    names = sorted(os.listdir(gm))[:60]
    for n in names:
        with open(os.path.join(gm, n)) as f:
            out.write(f"services/billing/build/db/migrations/{n}", f.read())
    # a packaged copy of the Alembic project (alembic.ini, env.py, 40 revisions) under build/
    ab = os.path.join(src, corpus["alembic"]["root"])
    for rel in ("alembic.ini", "migrations/env.py", "migrations/script.py.mako"):
        with open(os.path.join(ab, rel)) as f:
            out.write(f"services/inventory/build/lib/{rel}", f.read())
    vers = sorted(os.listdir(os.path.join(ab, "migrations/versions")))[:40]
    for n in vers:
        with open(os.path.join(ab, "migrations/versions", n)) as f:
            out.write(f"services/inventory/build/lib/migrations/versions/{n}", f.read())
    # a Drizzle folder in dist/
    dz = os.path.join(src, corpus["drizzle"]["root"])
    with open(os.path.join(dz, "meta/_journal.json")) as f:
        j = json.load(f)
    j["entries"] = j["entries"][:15]
    out.write("web/dist/drizzle/meta/_journal.json", json.dumps(j, indent=2) + "\n")
    for e in j["entries"]:
        with open(os.path.join(dz, e["tag"] + ".sql")) as f:
            out.write(f"web/dist/drizzle/{e['tag']}.sql", f.read())
    # Django's own migrations inside the virtualenv, and an npm package that ships SQL migrations
    for app, names_ in (("auth", ["0001_initial", "0002_alter_permission_name_max_length", "0003_alter_user_email_max_length"]),
                        ("contenttypes", ["0001_initial", "0002_remove_content_type_name"]),
                        ("sessions", ["0001_initial"]), ("admin", ["0001_initial", "0002_logentry_remove_auto_add"])):
        base = f"backend/.venv/lib/python3.11/site-packages/django/contrib/{app}/migrations"
        out.write(f"{base}/__init__.py", "")
        for k, n in enumerate(names_):
            dep = f"        ('{app}', '{names_[k - 1]}'),\n" if k else ""
            out.write(f"{base}/{n}.py", f"from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n{dep}    ]\n\n    operations = [\n        migrations.CreateModel(\n            name='{app.capitalize()}{k}',\n            fields=[\n                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n            ],\n        ),\n    ]\n")
    for i in range(1, 13):
        out.write(f"web/node_modules/@acme/legacy-store/migrations/{i:06d}_step_{i}.up.sql", f"CREATE TABLE legacy_store_{i} (id serial PRIMARY KEY);\n")
        out.write(f"web/node_modules/@acme/legacy-store/migrations/{i:06d}_step_{i}.down.sql", f"DROP TABLE legacy_store_{i};\n")
    # a temporary restore folder
    out.write("tmp/restore/alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://postgres@127.0.0.1:5432/restore_check\n")
    out.write("tmp/restore/migrations/env.py", ALEMBIC_ENV)
    out.write("tmp/restore/migrations/versions/0a1b2c3d4e5f_restored.py", "revision = '0a1b2c3d4e5f'\ndown_revision = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")
    return out.count - before


# ---------------------------------------------------------------------------------------------
# database build


def pg_connect(url, dbname=None):
    import psycopg2
    u = urlparse(url)
    conn = psycopg2.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                            password=u.password or None, dbname=dbname or u.path.lstrip("/"))
    conn.autocommit = True
    return conn


def build_db(root, manifest, url, recreate, drizzle_mode, kit):
    dbname = urlparse(url).path.lstrip("/")
    timings = {}
    admin = pg_connect(url, "postgres")
    cur = admin.cursor()
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
    if cur.fetchone():
        if not recreate:
            sys.exit(f"database {dbname} exists; pass --recreate-db to drop it first")
        cur.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
    cur.execute(f'CREATE DATABASE "{dbname}"')
    # a bench database: commits need not wait for the disk (reset at the end)
    cur.execute(f'ALTER DATABASE "{dbname}" SET synchronous_commit = off')
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("DATABASE_URL", None)

    def run(cmd, cwd, name):
        t = time.time()
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-5000:] + p.stderr[-20000:])
            sys.exit(f"{name} failed: {' '.join(cmd)}")
        timings[name] = time.time() - t
        print(f"  {name}: {timings[name]:.1f} s", file=sys.stderr, flush=True)
        return p

    # Django is CPU-bound Python (about 6 CPU-minutes for 5,000 migrations): it runs alongside
    # the others, which mostly wait for PostgreSQL; the projects touch disjoint tables
    dj = os.path.join(root, manifest["django"]["root"])
    dj_log = tempfile.TemporaryFile("w+")
    dj_t = time.time()
    dj_proc = subprocess.Popen([sys.executable, "manage.py", "migrate", "--noinput", "-v", "1"], cwd=dj, env=env,
                               stdout=dj_log, stderr=subprocess.STDOUT)
    try:
        build_others(root, manifest, url, drizzle_mode, kit, env, run, timings)
    except BaseException:
        dj_proc.kill()
        raise
    rc = dj_proc.wait()
    timings["manage.py migrate (in parallel)"] = time.time() - dj_t
    print(f"  manage.py migrate (in parallel): {timings['manage.py migrate (in parallel)']:.1f} s", file=sys.stderr, flush=True)
    if rc != 0:
        dj_log.seek(0)
        sys.stderr.write(dj_log.read()[-20000:])
        sys.exit("manage.py migrate failed")
    dj_log.close()
    conn = pg_connect(url)
    c = conn.cursor()
    t = time.time()
    c.execute("ANALYZE")
    timings["analyze"] = time.time() - t
    cur.execute(f'ALTER DATABASE "{dbname}" RESET synchronous_commit')
    cur.execute(f"COMMENT ON DATABASE \"{dbname}\" IS %s", (manifest["stamp"],))
    verify(conn, manifest)
    c.execute("""SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')), count(*) FILTER (WHERE c.relkind = 'i'),
                        count(*) FILTER (WHERE c.relkind = 'S')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'""")
    tables, indexes, seqs = c.fetchone()
    c.execute("SELECT count(*) FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace WHERE n.nspname = 'public' AND contype = 'f'")
    fks = c.fetchone()[0]
    conn.close()
    admin.close()
    return timings, {"tables": tables, "indexes": indexes, "sequences": seqs, "foreign_keys": fks}


def build_others(root, manifest, url, drizzle_mode, kit, env, run, timings):
    bindir = os.path.dirname(sys.executable)
    al = os.path.join(root, manifest["alembic"]["root"])
    alembic_bin = os.path.join(bindir, "alembic")
    run([alembic_bin, "upgrade", "heads"], al, "alembic upgrade heads")
    # golang-migrate, emulated
    t = time.time()
    golang_migrate(os.path.join(root, manifest["golang"]["root"]), url)
    timings["golang-migrate up (emulated)"] = time.time() - t
    print(f"  golang-migrate up (emulated): {timings['golang-migrate up (emulated)']:.1f} s", file=sys.stderr, flush=True)
    # Drizzle
    dz_root = os.path.join(root, manifest["drizzle"]["root"])
    if drizzle_mode == "kit":
        t = time.time()
        drizzle_kit_migrate(dz_root, url, kit, env)
        timings["drizzle-kit migrate"] = time.time() - t
        print(f"  drizzle-kit migrate: {timings['drizzle-kit migrate']:.1f} s", file=sys.stderr, flush=True)
    else:
        t = time.time()
        drizzle_emulate(dz_root, url)
        timings["drizzle migrator (emulated)"] = time.time() - t
        print(f"  drizzle migrator (emulated): {timings['drizzle migrator (emulated)']:.1f} s", file=sys.stderr, flush=True)


def golang_migrate(mig_dir, url):
    """golang-migrate's postgres driver, file by file: SetVersion(v, true); Exec(whole up file);
    SetVersion(v, false). The driver's SetVersion is TRUNCATE + INSERT in one transaction; here it
    is DELETE + INSERT, which leaves the same row: TRUNCATE costs ~12 ms on this machine, 20,000
    times."""
    files = {}
    for n in os.listdir(mig_dir):
        m = re.match(r"^([0-9]+)_(.*)\.(down|up)\.(.*)$", n)
        if m and m.group(3) == "up":
            files[int(m.group(1))] = n
    conn = pg_connect(url)
    c = conn.cursor()
    c.execute("SELECT CURRENT_SCHEMA()")
    schema = c.fetchone()[0]
    table = f'"{schema}"."schema_migrations"'
    c.execute(f"CREATE TABLE IF NOT EXISTS {table} (version bigint not null primary key, dirty boolean not null)")
    for v in sorted(files):
        with open(os.path.join(mig_dir, files[v]), encoding="utf-8") as f:
            body = f.read()
        c.execute(f"BEGIN; DELETE FROM {table}; INSERT INTO {table} (version, dirty) VALUES ({v}, true); COMMIT;")
        try:
            c.execute(body)
        except Exception as e:
            sys.exit(f"golang-migrate: {files[v]} failed (left dirty at {v}): {e}")
        c.execute(f"BEGIN; DELETE FROM {table}; INSERT INTO {table} (version, dirty) VALUES ({v}, false); COMMIT;")
    conn.close()


def drizzle_kit_migrate(dz_root, url, kit, env):
    """Runs the real `drizzle-kit migrate`, as a team that deploys as it goes: on growing prefixes
    of the journal (one transaction per run; all 2,000 entries in one transaction would exhaust
    max_locks_per_transaction). The rows are what one run over the whole journal would write."""
    import tempfile
    with open(os.path.join(dz_root, "meta/_journal.json")) as f:
        journal = json.load(f)
    entries = journal["entries"]
    step = 100
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "drizzle")
        os.makedirs(os.path.join(out, "meta"))
        for e in entries:
            os.symlink(os.path.join(dz_root, e["tag"] + ".sql"), os.path.join(out, e["tag"] + ".sql"))
        cfg = os.path.join(tmp, "drizzle.config.js")
        with open(cfg, "w") as f:
            f.write("module.exports = " + json.dumps({"dialect": "postgresql", "out": out,
                                                       "dbCredentials": {"url": url}}) + ";\n")
        for end in range(step, len(entries) + step, step):
            j = dict(journal, entries=entries[:end])
            with open(os.path.join(out, "meta/_journal.json"), "w") as f:
                json.dump(j, f, indent=2)
            p = subprocess.run([kit, "migrate", "--config", cfg], cwd=tmp, env=env, capture_output=True, text=True)
            if p.returncode != 0 or "rror" in p.stderr:
                sys.stderr.write(p.stdout[-5000:] + p.stderr[-10000:])
                sys.exit(f"drizzle-kit migrate failed on entries up to {min(end, len(entries))}")


def drizzle_emulate(dz_root, url):
    """drizzle-orm 0.45 pg migrator: one transaction, every entry whose `when` is above the newest
    created_at, statements split on the breakpoint, a row (sha256 of the file text, when) each."""
    with open(os.path.join(dz_root, "meta/_journal.json")) as f:
        entries = json.load(f)["entries"]
    conn = pg_connect(url)
    c = conn.cursor()
    c.execute('CREATE SCHEMA IF NOT EXISTS "drizzle"')
    c.execute('CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (\n\t\t\tid SERIAL PRIMARY KEY,\n\t\t\thash text NOT NULL,\n\t\t\tcreated_at bigint\n\t\t)')
    step = 100  # see drizzle_kit_migrate
    for start in range(0, len(entries), step):
        c.execute('SELECT id, hash, created_at FROM "drizzle"."__drizzle_migrations" ORDER BY created_at DESC LIMIT 1')
        last = c.fetchone()
        c.execute("BEGIN")
        for e in entries[start:start + step]:
            if last and int(last[2]) >= e["when"]:
                continue
            with open(os.path.join(dz_root, e["tag"] + ".sql"), encoding="utf-8") as f:
                text = f.read()
            for stmt in text.split("--> statement-breakpoint"):
                c.execute(stmt)
            c.execute('INSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES (%s, %s)',
                      (hashlib.sha256(text.encode()).hexdigest(), e["when"]))
        c.execute("COMMIT")
    conn.close()


def verify(conn, manifest):
    """Every tracking table is up to date."""
    c = conn.cursor()
    c.execute("SELECT version_num FROM alembic_version")
    heads = [r[0] for r in c.fetchall()]
    assert heads == [manifest["alembic"]["head"]], f"alembic_version {heads} != {manifest['alembic']['head']}"
    c.execute("SELECT version, dirty FROM schema_migrations")
    rows = c.fetchall()
    assert rows == [(manifest["golang"]["last"], False)], f"schema_migrations {rows}"
    c.execute("SELECT count(*) FROM django_migrations")
    n = c.fetchone()[0]
    assert n == manifest["django"]["migrations"], f"django_migrations has {n} rows"
    c.execute('SELECT count(*), max(created_at) FROM drizzle.__drizzle_migrations')
    n, last = c.fetchone()
    assert n == manifest["drizzle"]["entries"], f"__drizzle_migrations has {n} rows"


# ---------------------------------------------------------------------------------------------


def sizes(scale):
    s = lambda n, lo=1: max(lo, int(round(n * scale)))
    return {"alembic": s(5000, 10), "merges": s(96, 1), "golang": s(10000, 10), "django_apps": min(50, s(50, 2)),
            "django_per_app": 100 if scale >= 0.04 else max(5, int(round(100 * scale * 25))),
            "drizzle": s(2000, 5), "files": s(100000, 200)}


def stamp_of(seed, scale):
    with open(__file__, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:16]
    return f"migdoctor-bench-monorepo gen={GEN_VERSION} sha={sha} seed={seed} scale={scale}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", help="postgres://user@host:port/dbname: written into the projects' settings and, "
                                  "unless --no-build, created and built by running the migrations")
    ap.add_argument("--no-build", action="store_true", help="write the files only")
    ap.add_argument("--build-only", action="store_true", help="build the database for an existing corpus")
    ap.add_argument("--recreate-db", action="store_true", help="drop the database first if it exists")
    ap.add_argument("--drizzle", choices=("kit", "emulate"), default=None,
                    help="kit: run drizzle-kit migrate (default when found); emulate: drizzle-orm's migrator in Python")
    ap.add_argument("--drizzle-kit", default=os.environ.get("DRIZZLE_KIT"),
                    help="path of the drizzle-kit binary (default: .build/bench-node/node_modules/.bin/drizzle-kit)")
    ap.add_argument("--print-stamp", action="store_true", help="print the stamp of this seed, scale and generator")
    args = ap.parse_args()
    if args.print_stamp:
        print(stamp_of(args.seed, args.scale))
        return
    root = os.path.abspath(args.out_dir)
    url = args.db or "postgres://postgres@127.0.0.1:5432/migdoctor_bench_monorepo"
    stamp = stamp_of(args.seed, args.scale)
    mpath = os.path.join(root, ".bench-manifest.json")
    t_all = time.time()
    if args.build_only:
        with open(mpath) as f:
            manifest = json.load(f)
        if manifest["stamp"] != stamp or manifest["db_url"] != url:
            sys.exit(f"{root} was generated with other settings ({manifest['stamp']}, {manifest['db_url']})")
    else:
        if os.path.exists(root) and os.listdir(root):
            sys.exit(f"{root} is not empty")
        sz = sizes(args.scale)
        out = Out(root)
        t0 = dt.datetime(2019, 1, 7, 9, 30, 0)
        names = set()
        manifest = {"stamp": stamp, "seed": args.seed, "scale": args.scale, "db_url": url, "sizes": sz}
        timings = {}
        t = time.time()
        manifest["alembic"] = gen_alembic(out, "services/inventory", random.Random(f"{args.seed}-alembic"), names,
                                          sz["alembic"], sz["merges"], url, t0)
        timings["alembic files"] = time.time() - t
        t = time.time()
        manifest["golang"] = gen_golang(out, "services/billing", random.Random(f"{args.seed}-golang"), names,
                                        sz["golang"], url, t0)
        timings["golang-migrate files"] = time.time() - t
        t = time.time()
        manifest["django"] = gen_django(out, "backend", random.Random(f"{args.seed}-django"), names,
                                        sz["django_apps"], sz["django_per_app"], url, t0)
        timings["django files"] = time.time() - t
        t = time.time()
        manifest["drizzle"] = gen_drizzle(out, "web", random.Random(f"{args.seed}-drizzle"), names,
                                          sz["drizzle"], url, t0)
        timings["drizzle files"] = time.time() - t
        migration_files = out.count
        t = time.time()
        n_src = gen_sources(out, random.Random(f"{args.seed}-src"), sz["files"])
        n_look = gen_lookalikes(out, random.Random(f"{args.seed}-look"), manifest)
        timings["source files"] = time.time() - t
        t = time.time()
        subprocess.run(["git", "init", "-q", root], check=True)
        timings["git init"] = time.time() - t
        manifest["files"] = {"total": out.count, "bytes": out.bytes, "folders": len(out.dirs),
                             "migration_and_project_files": migration_files, "source_files": n_src,
                             "ignored_lookalikes": n_look}
        manifest["expected_tables"] = sum(manifest[k]["tables"] for k in ("alembic", "golang", "django", "drizzle"))
        manifest["gen_timings"] = timings
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=2)
        for k, v in timings.items():
            print(f"  {k}: {v:.1f} s", file=sys.stderr)
        print(f"files: {out.count} in {len(out.dirs)} folders, {out.bytes / 1e6:.0f} MB "
              f"(migrations: alembic {manifest['alembic']['revisions']} revisions / {manifest['alembic']['merges']} merges, "
              f"golang-migrate {manifest['golang']['versions']} versions, django {manifest['django']['migrations']} migrations "
              f"in {manifest['django']['apps']} apps, drizzle {manifest['drizzle']['entries']} entries; "
              f"{n_src} source files, {n_look} ignored look-alikes); generated in {time.time() - t_all:.1f} s",
              file=sys.stderr)
    if args.db and not args.no_build:
        kit = args.drizzle_kit or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build",
                                               "bench-node", "node_modules", ".bin", "drizzle-kit")
        mode = args.drizzle or ("kit" if os.path.exists(kit) else "emulate")
        if mode == "kit" and not os.path.exists(kit):
            sys.exit(f"no drizzle-kit at {kit}")
        t = time.time()
        print(f"building {urlparse(url).path.lstrip('/')} by running the migrations …", file=sys.stderr, flush=True)
        timings, counts = build_db(root, manifest, url, args.recreate_db, mode, kit)
        manifest["db_timings"] = timings
        manifest["db_counts"] = counts
        manifest["db_built_with"] = mode
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=2)
        print(f"database: {counts['tables']} tables, {counts['indexes']} indexes, {counts['sequences']} sequences, "
              f"{counts['foreign_keys']} foreign keys (expected tables from the generator: "
              f"{manifest['expected_tables']} + 3 tracking tables; drizzle's is in schema drizzle); built in {time.time() - t:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
