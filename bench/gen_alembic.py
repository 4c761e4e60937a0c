#!/usr/bin/env python3
"""Writes an Alembic project with N revisions into DIR: mostly linear, about 2% branch points,
each branch merged back a few revisions later, with realistic op.* bodies.

    python3 bench/gen_alembic.py DIR [N]
"""
import os
import random
import sys

root = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
rng = random.Random(42)
versions = os.path.join(root, "alembic", "versions")
os.makedirs(versions, exist_ok=True)
with open(os.path.join(root, "alembic.ini"), "w") as f:
    f.write("[alembic]\nscript_location = %(here)s/alembic\n")
with open(os.path.join(root, "alembic", "env.py"), "w") as f:
    f.write("from alembic import context\n\ncontext.configure(url='sqlite://')\n")
with open(os.path.join(root, "alembic", "script.py.mako"), "w") as f:
    f.write('"""${message}"""\nrevision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n')

BODIES = [
    "    op.create_table(\n        't{i}',\n        sa.Column('id', sa.Integer(), nullable=False),\n        sa.Column('name', sa.String(length=100), nullable=True),\n        sa.Column('created_at', sa.DateTime(), server_default=sa.text('now()')),\n        sa.PrimaryKeyConstraint('id', name='t{i}_pkey'),\n    )\n    op.create_index(op.f('ix_t{i}_name'), 't{i}', ['name'], unique=False)",
    "    op.add_column('t{j}', sa.Column('c{i}', sa.Integer(), nullable=True))",
    "    with op.batch_alter_table('t{j}') as batch_op:\n        batch_op.alter_column('name', existing_type=sa.String(100), nullable=False)",
    "    op.execute(\"UPDATE t{j} SET name = 'x' WHERE name IS NULL\")\n    op.alter_column('t{j}', 'name', new_column_name='title{i}')",
    "    op.create_foreign_key('fk_t{i}_t{j}', 't{j}', 't{j}', ['id'], ['id'])",
]

count = 0
tip = None
pending_merges = []  # (merge_at_count, side_tip_holder)


def rev_id(k):
    return f"{k:04x}{rng.getrandbits(32):08x}"


def write(rid, down, body, msg):
    global count
    if isinstance(down, tuple):
        down_s = "(" + ", ".join(repr(d) for d in down) + ")"
    else:
        down_s = repr(down)
    text = (
        f'"""{msg}\n\nRevision ID: {rid}\nRevises: {down}\n"""\n'
        "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision: str = {rid!r}\ndown_revision: Union[str, Sequence[str], None] = {down_s}\n"
        "branch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    with open(os.path.join(versions, f"{rid}_{msg.replace(' ', '_')}.py"), "w") as f:
        f.write(text)
    count += 1


i = 0
while count < n:
    i += 1
    body = rng.choice(BODIES).format(i=i, j=max(1, i - rng.randint(1, 20)))
    rid = rev_id(count)
    due = [m for m in pending_merges if m[0] <= count]
    if due and count + 1 < n:
        m = due[0]
        pending_merges.remove(m)
        write(rid, (tip, m[1]), "    pass", f"merge {i}")
        tip = rid
        continue
    write(rid, tip, body, f"change {i}")
    tip = rid
    if rng.random() < 0.02 and count + 6 < n:
        side = tip
        for _ in range(3):
            sid = rev_id(count)
            write(sid, side, BODIES[1].format(i=i, j=i), f"side {i}")
            side = sid
        pending_merges.append((count + rng.randint(2, 10), side))
# close any branch still open
for m in pending_merges:
    rid = rev_id(count)
    write(rid, (tip, m[1]), "    pass", "final merge")
    tip = rid
print(f"{count} revisions in {versions}", file=sys.stderr)
