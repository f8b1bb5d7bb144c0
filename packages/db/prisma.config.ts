// Prisma 6.19.3 with the JavaScript (wasm) schema engine: the only set-up that
// can generate and migrate offline (Prisma 7 downloads a native engine).
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    // Separate fields, not a connectionString: with a connection string the
    // shadow-database pool points at the main database (P3006).
    const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@localhost/postern");
    return new PrismaPg({
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    });
  },
});
