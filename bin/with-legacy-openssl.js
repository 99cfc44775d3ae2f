#!/usr/bin/env node
// Runs a Node script with OpenSSL's legacy provider loaded, which single DES needs under
// OpenSSL 3 (the `node` crypto provider). The provider is process-wide and must be chosen before
// Node starts, so this re-executes Node once with NODE_OPTIONS extended; worker threads inherit it.
// Usage: with-legacy-openssl.js SCRIPT [ARGS...]
import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';

const FLAG = '--openssl-legacy-provider';

function hasSingleDes() {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

export async function runWithLegacyOpenssl(script, args) {
  if (hasSingleDes() || process.env.XKBENCH_LEGACY_REEXEC === '1') {
    process.argv = [process.argv[0], path.resolve(script), ...args];
    await import(pathToFileURL(path.resolve(script)).href);
    return;
  }
  const nodeOptions = [process.env.NODE_OPTIONS, FLAG].filter(Boolean).join(' ');
  const child = spawn(process.execPath, [...process.execArgv, path.resolve(script), ...args], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: nodeOptions, XKBENCH_LEGACY_REEXEC: '1' },
  });
  // Signals are passed on, so `kill -INT` or `kill -TERM` to this process stops the child cleanly.
  // A terminal's Ctrl-C reaches both (one process group): the child takes a second SIGINT within a
  // second of the first as the same one.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // End the way the child ended: our own listener would swallow the re-raised signal, so it goes
    // first; should the signal still not end us (ignored by whoever started us), exit 128 + N.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] ?? 0)), 1000);
  });
}

const isMain = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  const [script, ...args] = process.argv.slice(2);
  if (!script) {
    console.error('usage: with-legacy-openssl.js SCRIPT [ARGS...]');
    process.exit(2);
  }
  await runWithLegacyOpenssl(script, args);
}
