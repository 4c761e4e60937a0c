// Runs the real drizzle-orm migrator (what `drizzle-kit migrate` calls) on a folder, for the
// compatibility tests: node migrate.mjs <postgres|mysql|sqlite> <url> <folder>
// Prints the table's rows as JSON lines afterwards; exits 1 with the migrator's error.
import { createRequire } from "node:module";
import path from "node:path";

const nodeDir = process.env.MIGDOCTOR_NODE_DIR
  ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../../.build/node");
const require = createRequire(path.join(nodeDir, "package.json"));
const [dialect, url, folder] = process.argv.slice(2);
const cfg = { migrationsFolder: folder };

async function main() {
  if (dialect === "postgres") {
    const { Client } = require("pg");
    const client = new Client({ connectionString: url });
    await client.connect();
    const db = require("drizzle-orm/node-postgres").drizzle(client);
    try {
      await require("drizzle-orm/node-postgres/migrator").migrate(db, cfg);
    } finally {
      await client.end();
    }
  } else if (dialect === "mysql") {
    const mysql = require("mysql2/promise");
    const conn = await mysql.createConnection(url);
    const db = require("drizzle-orm/mysql2").drizzle(conn);
    try {
      await require("drizzle-orm/mysql2/migrator").migrate(db, cfg);
    } finally {
      await conn.end();
    }
  } else {
    const Database = require("better-sqlite3");
    const sqlite = new Database(url.replace(/^sqlite:\/\//, ""));
    const db = require("drizzle-orm/better-sqlite3").drizzle(sqlite);
    try {
      require("drizzle-orm/better-sqlite3/migrator").migrate(db, cfg);
    } finally {
      sqlite.close();
    }
  }
  console.log("migrations applied successfully");
}

main().catch((e) => {
  console.error(String(e?.cause?.message ?? e?.message ?? e));
  process.exit(1);
});
