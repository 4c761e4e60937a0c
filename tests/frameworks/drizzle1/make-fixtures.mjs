// Regenerates tests/fixtures/drizzle1/<dialect>/ with the real drizzle-kit 1.0 release candidate
// (1.0.0-rc.5-ab785fc), one schema step at a time, exactly as a project grows:
//   node tests/frameworks/drizzle1/make-fixtures.mjs   (after .ci/run installed .build/node1)
// Each step writes schema.ts and runs `drizzle-kit generate --name <step>` (`--custom` for the
// data-only step, whose SQL is then written into the empty migration.sql drizzle-kit made).
// drizzle-kit 1.0 names each folder <YYYYMMDDHHMMSS>_<name> from the clock, so the script waits
// for the next second between steps (the migrator's created_at is that prefix, to the second).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
const kit = path.join(root, ".build/node1/node_modules/.bin/drizzle-kit");

const cols = {
  postgresql: {
    imp: `import { pgTable as table, serial as pk, integer as int, text, boolean, index, timestamp } from "drizzle-orm/pg-core";`,
    id: `pk("id").primaryKey()`, ref: `int`, str: (n) => `text("${n}")`, ts: `timestamp("created_at").defaultNow()`,
  },
  mysql: {
    // MariaDB rejects drizzle-kit's `serial AUTO_INCREMENT`, so ids are unsigned bigints.
    imp: `import { mysqlTable as table, bigint, varchar, boolean, index, timestamp } from "drizzle-orm/mysql-core";\nconst int = (n) => bigint(n, { mode: "number", unsigned: true });`,
    id: `int("id").autoincrement().primaryKey()`, ref: `int`, str: (n) => `varchar("${n}", { length: 255 })`, ts: `timestamp("created_at").defaultNow()`,
  },
  sqlite: {
    imp: `import { sqliteTable as table, integer as int, text, index } from "drizzle-orm/sqlite-core";\nconst boolean = (n) => int(n, { mode: "boolean" });`,
    id: `int("id").primaryKey({ autoIncrement: true })`, ref: `int`, str: (n) => `text("${n}")`, ts: `int("created_at")`,
  },
};

// Each step: [name, tables] — the schema after that step; "custom" steps carry SQL instead.
function steps(c) {
  const users = (ws) => `export const users = table("users", {
  id: ${c.id},
  email: ${c.str("email")}.notNull().unique(),${ws ? `\n  workspaceId: ${c.ref}("workspace_id").references(() => workspaces.id),` : ""}
});`;
  const workspaces = `export const workspaces = table("workspaces", {
  id: ${c.id},
  name: ${c.str("name")}.notNull(),
});`;
  const posts = (pub) => `export const posts = table("posts", {
  id: ${c.id},
  authorId: ${c.ref}("author_id").notNull().references(() => users.id),
  title: ${c.str("title")}.notNull(),
  createdAt: ${c.ts},${pub ? `\n  published: boolean("published").notNull().default(false),` : ""}
}, (t) => [index("posts_author_idx").on(t.authorId)]);`;
  return [
    ["init", [users(false)]],
    ["workspaces", [workspaces, users(false)]],
    ["user_workspace", [workspaces, users(true)]],
    ["posts", [workspaces, users(true), posts(false)]],
    ["seed_workspace", null, "\nINSERT INTO workspaces (name) VALUES ('default');\n"],
    ["published", [workspaces, users(true), posts(true)]],
  ];
}

for (const [dialect, dir] of [["postgresql", "pg"], ["mysql", "mysql"], ["sqlite", "sqlite"]]) {
  const c = cols[dialect];
  const out = path.join(root, "tests/fixtures/drizzle1", dir);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "drizzle.config.ts"),
    `import { defineConfig } from "drizzle-kit";\n\nexport default defineConfig({\n  dialect: "${dialect}",\n  schema: "./schema.ts",\n  out: "./drizzle",\n});\n`);
  for (const [name, tables, custom] of steps(c)) {
    if (tables) fs.writeFileSync(path.join(out, "schema.ts"), `${c.imp}\n\n${tables.join("\n\n")}\n`);
    const args = ["generate", "--name", name, ...(custom ? ["--custom"] : [])];
    execFileSync(kit, args, { cwd: out, stdio: "inherit", env: { ...process.env, NODE_PATH: path.join(root, ".build/node1/node_modules") } });
    if (custom) {
      const folder = fs.readdirSync(path.join(out, "drizzle")).filter((f) => f.endsWith(`_${name}`))[0];
      fs.appendFileSync(path.join(out, "drizzle", folder, "migration.sql"), custom);
    }
    const next = Math.ceil((Date.now() + 1) / 1000) * 1000;
    while (Date.now() < next + 50) await new Promise((r) => setTimeout(r, 20));
  }
}
