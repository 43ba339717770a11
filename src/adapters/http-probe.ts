// One GET to see whether a URL answers (doctor's unsubscribe-link check), without following redirects,
// returning the status and the server's Date header (doctor compares clocks with it).
export async function probeUrl(url: string, timeoutMs = 10_000): Promise<{ status: number; date: string | null }> {
  const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'outreach-doctor' } });
  await res.body?.cancel().catch(() => undefined);
  return { status: res.status, date: res.headers.get('date') };
}
