// Runs the real drizzle-orm 1.0 release-candidate migrator (1.0.0-rc.5-ab785fc, what
// `drizzle-kit migrate` calls) on a 1.0 folder (<YYYYMMDDHHMMSS>_<name>/migration.sql), for the
// compatibility tests: node migrate.mjs <postgres|mysql|sqlite> <url> <folder>
// Prints "migrations applied successfully"; exits 1 with the migrator's error.
import { createRequire } from "node:module";
import path from "node:path";

const nodeDir = process.env.MIGDOCTOR_NODE_DIR
  ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../../.build/node1");
const require = createRequire(path.join(nodeDir, "package.json"));
const [dialect, url, folder] = process.argv.slice(2);
const cfg = { migrationsFolder: folder };

async function main() {
  if (dialect === "postgres") {
    const { Client } = require("pg");
    const client = new Client({ connectionString: url });
    await client.connect();
    const db = require("drizzle-orm/node-postgres").drizzle({ client });
    try {
      await require("drizzle-orm/node-postgres/migrator").migrate(db, cfg);
    } finally {
      await client.end();
    }
  } else if (dialect === "mysql") {
    const mysql = require("mysql2/promise");
    const conn = await mysql.createConnection(url);
    const db = require("drizzle-orm/mysql2").drizzle({ client: conn });
    try {
      await require("drizzle-orm/mysql2/migrator").migrate(db, cfg);
    } finally {
      await conn.end();
    }
  } else {
    const Database = require("better-sqlite3");
    const sqlite = new Database(url.replace(/^sqlite:\/\//, ""));
    const db = require("drizzle-orm/better-sqlite3").drizzle({ client: sqlite });
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
