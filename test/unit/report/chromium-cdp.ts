import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Just enough of the Chrome DevTools Protocol to open a page in headless Chromium, collect its
 * console errors and exceptions, evaluate an expression and take a screenshot. No puppeteer:
 * it would download its own browser, which this machine cannot; Debian's chromium is used.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--remote-debugging-port=0',
];

export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c): c is string => c !== undefined && existsSync(c));
}

interface CdpMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface PageRun {
  consoleErrors: string[];
  evaluate<T>(expression: string): Promise<T>;
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

function waitForDevtoolsUrl(proc: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`chromium gave no DevTools URL: ${err}`)),
      timeoutMs,
    );
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${err}`)));
  });
}

/** Open `url` in a fresh headless Chromium and wait for its load event. */
export async function openPage(
  browserPath: string,
  url: string,
  timeoutMs = 30_000,
): Promise<PageRun> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  const proc = spawn(
    browserPath,
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, 'about:blank'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const ws = new WebSocket(await waitForDevtoolsUrl(proc, timeoutMs));
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  const listeners: ((m: CdpMessage) => void)[] = [];
  ws.onmessage = (ev: MessageEvent) => {
    const msg = JSON.parse(String(ev.data)) as CdpMessage;
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result ?? {});
    } else for (const l of listeners) l(msg);
  };
  // A connection that ends answers nothing more: every call still waiting fails at once.
  ws.onclose = () => {
    for (const p of pending.values()) p.reject(new Error('the DevTools connection closed'));
    pending.clear();
  };
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(
        JSON.stringify({ id, method, params, ...(sessionId !== undefined && { sessionId }) }),
      );
    });

  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as {
    sessionId: string;
  };
  const consoleErrors: string[] = [];
  listeners.push((m) => {
    if (m.sessionId !== sessionId) return;
    const p = m.params ?? {};
    if (m.method === 'Runtime.exceptionThrown')
      consoleErrors.push(JSON.stringify(p.exceptionDetails));
    if (m.method === 'Runtime.consoleAPICalled' && p.type === 'error')
      consoleErrors.push(JSON.stringify(p.args));
    const entry = p.entry as { level?: string; text?: string } | undefined;
    if (m.method === 'Log.entryAdded' && entry?.level === 'error')
      consoleErrors.push(entry.text ?? '');
  });
  const loaded = new Promise<void>((resolve) =>
    listeners.push(
      (m) => m.sessionId === sessionId && m.method === 'Page.loadEventFired' && resolve(),
    ),
  );
  for (const domain of ['Runtime.enable', 'Log.enable', 'Page.enable'])
    await send(domain, {}, sessionId);
  await send(
    'Emulation.setDeviceMetricsOverride',
    { width: 1100, height: 900, deviceScaleFactor: 1, mobile: false },
    sessionId,
  );
  await send('Page.navigate', { url }, sessionId);
  await loaded;

  return {
    consoleErrors,
    async evaluate<T>(expression: string) {
      const r = await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
      return (r.result as { value: T }).value;
    },
    async screenshot() {
      const r = await send(
        'Page.captureScreenshot',
        { format: 'png', captureBeyondViewport: true },
        sessionId,
      );
      return Buffer.from(r.data as string, 'base64');
    },
    async close() {
      // Chromium may close the connection without answering, or not at all: at most 5 s, then kill.
      await Promise.race([
        send('Browser.close').catch(() => undefined),
        new Promise((r) => setTimeout(r, 5_000).unref()),
      ]);
      ws.close();
      if (proc.exitCode === null) proc.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
