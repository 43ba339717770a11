// Reads vitest's JSON report (--reporter=json) into the figures test:node prints, and compares versions.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * { passed, failed, skipped, total, files, failedFiles, failures: [{ id, file, test, message }] } or undefined
 * when vitest wrote no report (it crashed before the end, e.g. the global setup's build failed).
 */
export function readVitestJson(path, root) {
  if (!existsSync(path)) return undefined;
  let j;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const failures = [];
  let failedFiles = 0;
  for (const file of j.testResults ?? []) {
    const rel = relative(root, file.name);
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    if (file.status === 'failed') failedFiles++;
    for (const a of failedTests) {
      failures.push({ id: `${rel} > ${a.fullName}`, file: rel, test: a.fullName, message: firstLine(a.failureMessages?.[0]) });
    }
    // A file that fails outside any test (import error, failing beforeAll) has a message and no failed test.
    if (file.status === 'failed' && failedTests.length === 0) {
      failures.push({ id: `${rel} (file)`, file: rel, test: '(file failed outside its tests)', message: firstLine(file.message) });
    }
  }
  return {
    passed: j.numPassedTests ?? 0,
    failed: j.numFailedTests ?? 0,
    skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0),
    total: j.numTotalTests ?? 0,
    files: (j.testResults ?? []).length,
    failedFiles,
    failures,
  };
}

function firstLine(s) {
  if (!s) return '';
  // Strip ANSI colours; keep the first meaningful line of the message.
  const line = String(s).replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * For several versions' results: failures seen on every version that ran its tests (not version-specific)
 * and those seen only on some (version-specific), each with the versions it failed on.
 */
export function compareFailures(results) {
  const ran = results.filter((r) => r.tests);
  const byId = new Map();
  for (const r of ran) {
    for (const f of r.tests.failures) {
      if (!byId.has(f.id)) byId.set(f.id, { ...f, versions: [] });
      byId.get(f.id).versions.push(r.version);
    }
  }
  const everywhere = [];
  const specific = [];
  for (const f of byId.values()) (f.versions.length === ran.length ? everywhere : specific).push(f);
  return { everywhere, specific, compared: ran.length };
}
