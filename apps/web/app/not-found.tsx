import Link from "next/link";

export default function NotFound() {
  return (
    <main
      id="main"
      className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center px-6 text-center"
    >
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-2xl font-bold text-ink">This page is not here</h1>
      <p className="mt-2 text-sm text-slate-600">It may have moved, or your account may not have access to it.</p>
      <Link href="/t" className="mt-6 font-medium text-brand-600 hover:underline">
        Go to your workspace
      </Link>
    </main>
  );
}
