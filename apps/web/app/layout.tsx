import type { Metadata, Viewport } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Postern — mail on every phone", template: "%s · Postern" },
  description: "Postern puts your business's POP3, IMAP or Exchange mail on every phone, over standard IMAP and SMTP.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1d4ed8" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-ink antialiased">{children}</body>
    </html>
  );
}
