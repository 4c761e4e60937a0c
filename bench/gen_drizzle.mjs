// Generates a Drizzle 0.x project of N journal entries in drizzle-kit's format (one table per
// entry: `CREATE TABLE "t_NNNN"` plus an index, `--> statement-breakpoint` between them):
//   node bench/gen_drizzle.mjs DIR N
// The database is then built by the real migrator (bench/drizzle_status.sh).
import fs from "node:fs";
import path from "node:path";

const [dir, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 2000);
const out = path.join(dir, "drizzle");
fs.mkdirSync(path.join(out, "meta"), { recursive: true });
fs.writeFileSync(path.join(dir, "drizzle.config.ts"),
  `import { defineConfig } from "drizzle-kit";\nexport default defineConfig({ dialect: "postgresql", schema: "./schema.ts", out: "./drizzle", dbCredentials: { url: process.env.DATABASE_URL! } });\n`);
fs.writeFileSync(path.join(dir, "schema.ts"), "export {};\n");
const entries = [];
let prev = "00000000-0000-0000-0000-000000000000";
const base = 1700000000000;
for (let i = 0; i < n; i++) {
  const tag = `${String(i).padStart(4, "0")}_bench_${i}`;
  const t = `t_${String(i).padStart(4, "0")}`;
  fs.writeFileSync(path.join(out, `${tag}.sql`),
    `CREATE TABLE "${t}" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"name" text NOT NULL\n);\n--> statement-breakpoint\nCREATE INDEX "${t}_name_idx" ON "${t}" USING btree ("name");`);
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  fs.writeFileSync(path.join(out, "meta", `${String(i).padStart(4, "0")}_snapshot.json`),
    JSON.stringify({ id, prevId: prev, version: "7", dialect: "postgresql", tables: {}, enums: {}, schemas: {}, sequences: {}, roles: {}, policies: {}, views: {}, _meta: { columns: {}, schemas: {}, tables: {} } }, null, 2));
  prev = id;
  entries.push({ idx: i, version: "7", when: base + i * 1000, tag, breakpoints: true });
}
fs.writeFileSync(path.join(out, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }, null, 2));
