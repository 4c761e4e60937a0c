// The reference for `migdoctor status` on a Drizzle project: drizzle-orm's own
// readMigrationFiles (hash every file, as migrate() does) and the table read as migrate()
// reads it, then which entries the next run applies.   node bench/drizzle_read.mjs FOLDER URL
import { createRequire } from "node:module";
import path from "node:path";
const nodeDir = process.env.MIGDOCTOR_NODE_DIR ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), "../.build/node");
const require = createRequire(path.join(nodeDir, "package.json"));
const { readMigrationFiles } = require("drizzle-orm/migrator");
const { Client } = require("pg");
const [folder, url] = process.argv.slice(2);
const migrations = readMigrationFiles({ migrationsFolder: folder });
const client = new Client({ connectionString: url });
await client.connect();
const rows = (await client.query('select id, hash, created_at from "drizzle"."__drizzle_migrations" order by created_at desc limit 1')).rows;
const all = (await client.query('select id, hash, created_at from "drizzle"."__drizzle_migrations"')).rows;
await client.end();
const last = rows[0];
const pending = migrations.filter((m) => !last || Number(last.created_at) < m.folderMillis);
console.log(JSON.stringify({ declared: migrations.length, rows: all.length, pending: pending.length }));
