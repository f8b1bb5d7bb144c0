// One real PostgreSQL for the whole run: TEST_DATABASE_URL when set,
// otherwise a throwaway embedded PostgreSQL in a temp directory. Migrations
// are applied once; tests isolate themselves with unique tenants and names.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { migrate } from "@postern/db/database";
import { startEmbedded } from "@postern/db/embedded";
import { newKey } from "@postern/db/secrets";
import type { TestProject } from "vitest/node";

import "../helpers/provided.ts";

export default async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  let stop = async () => {};
  if (!url) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "postern-test-db-"));
    const db = await startEmbedded({ dataDir: dir, port: 0 });
    url = db.url;
    stop = async () => {
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  await migrate(url);
  project.provide("databaseUrl", url);
  project.provide("secretKey", newKey());
  return stop;
}
