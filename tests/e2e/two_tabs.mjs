// Browser end-to-end test: two Chromium tabs meet in a room of a real signal-server and chat over a WebRTC data channel;
// then one tab's WebSocket is cut without a close frame and its client resumes the session while the call goes on.
//
// Usage: node two_tabs.mjs path/to/signal-server
// Exits 0 when every step passed; otherwise 1, with the failed step, both
// tabs' #log and console, and the server's log on stderr.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const STEP_MS = 15_000; // bound of every single wait
// The server's resume grace: short enough for the test to outwait it, long
// enough that a resume on a loaded machine is well inside it.
const GRACE_MS = 5_000;
const TOTAL_MS = 120_000; // last resort if something hangs outside a bounded wait
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The demo of this checkout, whatever checkout the binary was built from.
const WEB_ROOT = fileURLToPath(new URL('../../tools/web', import.meta.url));

const CHROMIUM_ARGS = [
  // Playwright adds --headless and --no-sandbox itself (headless: true,
  // chromiumSandbox: false); listed anyway so the command line reads complete.
  '--headless',
  '--no-sandbox', // CI runs as root, where the sandbox refuses to start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers often have a 64 MiB /dev/shm, too small for Chromium.
  '--disable-dev-shm-usage',
  // Host candidates would otherwise be hidden behind random .local names,
  // which need working multicast DNS to resolve; with no STUN server they
  // are the only candidates there are. Chromium honours only the last
  // --disable-features, so this replaces Playwright's own list (browser UI
  // features such as Translate and MediaRouter); nothing here needs that list.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // A machine with no interface but lo still gets a candidate pair.
  '--allow-loopback-in-peer-connection',
  // Answers a camera prompt should a step ever press "Share camera"; data
  // channels need no permission.
  '--use-fake-ui-for-media-stream',
];

const serverPath = process.argv[2];
if (!serverPath) {
  console.error('usage: node two_tabs.mjs path/to/signal-server');
  process.exit(2);
}

const serverLog = [];
const tabs = [];
let server = null;
let proxy = null;
let context = null;
let userDataDir = null;

/** Rejects after `ms` with a message naming what did not happen. */
function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts the server on a free port; resolves with the port from its "listening" line. */
function startServer() {
  server = spawn(serverPath, ['--port=0', '--bind=127.0.0.1', `--web-root=${WEB_ROOT}`, `--resume-grace-ms=${GRACE_MS}`], {
    // Both pipes, not inherited: CTest waits until every holder of its output
    // pipe has gone, so nothing but this process may hold it.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: server.stdout }).on('line', (line) => serverLog.push(line));
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  server.exited = exited;
  const listening = new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot start ${serverPath}: ${error.message}`)));
    exited.then(({ code, signal }) => reject(new Error(`server exited before listening (code ${code}, signal ${signal})`)));
    createInterface({ input: server.stderr }).on('line', (line) => {
      serverLog.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.event === 'listening') resolve(Number(entry.port));
      } catch {
        // Not every line needs to be JSON (sanitizer reports, for one).
      }
    });
  });
  return within(STEP_MS, 'server logging "listening"', listening);
}

/** Resolves once `check()` holds, polling every 50 ms; rejects after STEP_MS. */
function waitUntil(what, check) {
  let timer;
  return within(STEP_MS, what, new Promise((resolve) => {
    timer = setInterval(() => check() && resolve(), 50);
  })).finally(() => clearInterval(timer));
}

/**
 * A TCP proxy in front of the server, for the tab whose connection the test
 * cuts: `cut()` resets every connection through it (RST both ways, so neither
 * the browser nor the server gets a close frame, as when a network drops), and
 * while `refusing` it resets newcomers at once, so the client's reconnects fail
 * until the test lets them through.
 */
function startProxy(serverPort) {
  const abort = (socket) => (socket.resetAndDestroy ? socket.resetAndDestroy() : socket.destroy()); // Node >= 18.3 has the former
  const pairs = new Set();
  const listener = net.createServer((downstream) => {
    if (proxy.refusing) {
      proxy.refused++;
      return abort(downstream);
    }
    proxy.accepted++;
    const upstream = net.connect(serverPort, '127.0.0.1');
    const pair = [downstream, upstream];
    pairs.add(pair);
    // pipe() passes data and FIN on; an error (a reset) on one side resets the other.
    downstream.pipe(upstream).on('error', () => abort(downstream));
    upstream.pipe(downstream).on('error', () => abort(upstream));
    downstream.on('close', () => pairs.delete(pair));
  });
  proxy = {
    refusing: false,
    refused: 0,
    accepted: 0,
    cut: () => {
      for (const [downstream, upstream] of pairs) {
        abort(downstream);
        abort(upstream);
      }
      pairs.clear();
    },
    close: () => {
      proxy.cut();
      listener.close();
    },
  };
  const listening = new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve(listener.address().port));
  });
  return within(STEP_MS, 'proxy listening', listening);
}

async function openTab(name, url) {
  const page = context.pages().find((p) => p.url() === 'about:blank' && !tabs.some((t) => t.page === p)) ?? (await context.newPage());
  const tab = { name, page, console: [] };
  page.on('console', (message) => tab.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => tab.console.push(`pageerror: ${error.message}`));
  tabs.push(tab);
  await page.goto(url, { timeout: STEP_MS });
  return tab;
}

async function logOf(tab) {
  return within(STEP_MS, `reading tab ${tab.name}'s #log`, tab.page.locator('#log').textContent());
}

/**
 * Waits until the element's text satisfies the check. Polls on a timer
 * rather than animation frames: a background tab gets none.
 */
async function waitForText(tab, id, text, { exact = false } = {}) {
  try {
    await tab.page.waitForFunction(
      ({ id, text, exact }) => {
        const content = document.getElementById(id).textContent;
        return exact ? content === text : content.includes(text);
      },
      { id, text, exact },
      { timeout: STEP_MS, polling: 50 },
    );
  } catch (error) {
    let failure = `tab ${tab.name}: #${id} never ${exact ? 'became' : 'contained'} "${text}" within ${STEP_MS / 1000} s`;
    if (error.name !== 'TimeoutError') failure += ` (${error.message.split('\n')[0]})`;
    if (id === 'log') throw new Error(failure); // the report shows every #log
    const actual = await tab.page.locator(`#${id}`).textContent({ timeout: 1000 }).catch(() => '(unreadable)');
    throw new Error(`${failure}; it is "${actual}"`);
  }
}

/** Joins the room from the tab's form and notes the tab's peerId. */
async function join(tab, roomId, othersExpected) {
  await tab.page.bringToFront();
  await tab.page.fill('#room', roomId, { timeout: STEP_MS });
  await tab.page.fill('#name', tab.name, { timeout: STEP_MS });
  await tab.page.click('#join', { timeout: STEP_MS });
  await waitForText(tab, 'log', `joined ${roomId} with ${othersExpected} other peer(s)`);
  const status = await tab.page.locator('#status').textContent({ timeout: STEP_MS });
  const match = /^connected as (\S+)$/.exec(status);
  if (!match) throw new Error(`tab ${tab.name}: #status is "${status}", expected "connected as <peerId>"`);
  tab.peerId = match[1];
  tab.shortId = tab.peerId.slice(0, 8); // how the demo names peers in its log
}

async function chat(from, to) {
  const text = `hello from ${from.name} ${randomBytes(4).toString('hex')}`;
  await from.page.bringToFront();
  await from.page.fill('#text', text, { timeout: STEP_MS });
  await from.page.click('#send', { timeout: STEP_MS });
  await waitForText(from, 'log', `me: ${text}`);
  await waitForText(to, 'log', `${from.shortId}: ${text}`);
}

let lastMark = Date.now();
/** Prints how long the step just finished took: where the time goes, and which step was slow in a flaky run. */
function passed(step) {
  const now = Date.now();
  console.log(`ok ${((now - lastMark) / 1000).toFixed(2).padStart(6)} s  ${step}`);
  lastMark = now;
}

async function run() {
  const port = await startServer();
  passed(`server listening on ${port}`);
  const url = `http://127.0.0.1:${port}/`;
  // Alice's page, and so her WebSocket (to location.host), goes through the proxy.
  const proxyUrl = `http://127.0.0.1:${await startProxy(port)}/`;
  userDataDir = await mkdtemp(path.join(tmpdir(), 'signal-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: STEP_MS,
  });
  passed(`launched ${CHROMIUM} ${context.browser()?.version() ?? ''}`);

  const a = await openTab('alice', proxyUrl);
  const b = await openTab('bob', url);
  passed('opened two tabs');
  const roomId = `e2e-${randomBytes(4).toString('hex')}`;
  // One after the other, so that bob is the newcomer and makes the offer.
  await join(a, roomId, 0);
  await join(b, roomId, 1);
  await waitForText(a, 'log', 'bob joined');
  passed(`both joined room ${roomId}`);

  // The data channel opening proves offer, answer and candidates went through the server.
  await waitForText(a, 'log', `data channel to ${b.shortId} open`);
  await waitForText(b, 'log', `data channel to ${a.shortId} open`);
  passed('data channels open');
  await chat(a, b);
  await chat(b, a);
  passed('chat both ways');

  // Resume. Cut alice's WebSocket without a close frame and hold her
  // reconnects off: the server keeps her session and tells bob she is away.
  proxy.refusing = true;
  proxy.cut();
  await waitForText(b, 'log', `${a.shortId} reconnecting…`);
  await waitForText(b, 'peers', `${a.shortId} (open, reconnecting)`);
  await waitForText(a, 'log', 'connection lost (1006), reconnecting…');
  await waitForText(a, 'status', 'reconnecting…', { exact: true });
  await waitUntil('alice trying to reconnect (through the refusing proxy)', () => proxy.refused >= 1);
  passed(`cut alice's socket: bob saw her reconnecting, she retries`);

  // Meanwhile the call goes on (it is peer-to-peer), and signaling waits: what
  // bob relays to alice in the server's buffer, what alice sends in her client's queue.
  await chat(a, b);
  await chat(b, a);
  const toAlice = `buffered for alice ${randomBytes(4).toString('hex')}`;
  const toBob = `queued for bob ${randomBytes(4).toString('hex')}`;
  const ack = await within(STEP_MS, 'bob relaying to alice while she is away', b.page.evaluate(
    ({ roomId, to, data }) => window.signalClient.request('room:message', { roomId, to, data }), { roomId, to: a.peerId, data: toAlice }));
  if (ack?.requestType !== 'room:message') throw new Error(`bob's room:message to alice got ${JSON.stringify(ack)}, expected ack`);
  await within(STEP_MS, 'alice queuing a relay while reconnecting', a.page.evaluate(
    ({ roomId, to, data }) => window.signalClient.send('room:message', { roomId, to, data }), { roomId, to: b.peerId, data: toBob }));
  passed('while away: chat both ways; bob relayed to alice, alice queued for bob');

  proxy.refusing = false;
  await waitForText(a, 'log', `resumed as ${a.shortId}`);
  await waitForText(b, 'log', `${a.shortId} resumed`);
  await waitForText(a, 'status', `connected as ${a.peerId}`, { exact: true });
  const bobLog = await logOf(b);
  if (bobLog.lastIndexOf(`${a.shortId} reconnecting…`) > bobLog.lastIndexOf(`${a.shortId} resumed`))
    throw new Error(`tab bob: "${a.shortId} resumed" came before "${a.shortId} reconnecting…"`);
  await waitForText(b, 'peers', `${a.shortId} (open)`);
  await waitForText(a, 'log', `${b.shortId} via server: ${JSON.stringify(toAlice)}`);
  await waitForText(b, 'log', `${a.shortId} via server: ${JSON.stringify(toBob)}`);
  passed('alice resumed with her peerId; bob saw her back; buffered and queued relays arrived');
  await chat(a, b);
  await chat(b, a);
  passed('chat both ways after the resume');

  // Session lost: hold alice off past the grace. The server tells bob she has
  // gone; her resume then finds no session, and she rejoins as a new peer.
  proxy.refusing = true;
  proxy.cut();
  await waitForText(a, 'status', 'reconnecting…', { exact: true });
  await waitForText(b, 'log', `${a.shortId} left (timeout)`);
  passed(`cut alice's socket again, past the ${GRACE_MS / 1000} s grace: bob saw her time out`);
  proxy.refusing = false;
  await waitForText(a, 'log', 'session lost (SESSION_NOT_FOUND)');
  await waitForText(a, 'log', `joined ${roomId} with 1 other peer(s)`);
  const oldId = a.peerId;
  const status = await a.page.locator('#status').textContent({ timeout: STEP_MS });
  a.peerId = /^connected as (\S+)$/.exec(status)?.[1];
  if (!a.peerId || a.peerId === oldId) throw new Error(`tab alice: #status is "${status}" after the session was lost, expected a new peerId`);
  a.shortId = a.peerId.slice(0, 8);
  await waitForText(b, 'log', `data channel to ${a.shortId} open`);
  await chat(a, b);
  await chat(b, a);
  passed('alice rejoined as a new peer; chat both ways');

  // A closed tab is a closed WebSocket: the server tells the room at once.
  await within(STEP_MS, 'closing tab bob', b.page.close());
  await waitForText(a, 'log', `${b.shortId} left (left)`);
  await waitForText(a, 'peers', 'peers: none yet', { exact: true });
  passed('closed tab bob; alice saw him leave');

  // Shutdown with a client still connected: it is told, then the server exits 0.
  server.kill('SIGTERM');
  const { code, signal } = await within(STEP_MS, 'server exiting after SIGTERM', server.exited);
  if (code !== 0) throw new Error(`server exited with code ${code} (signal ${signal}) after SIGTERM, expected 0`);
  await waitForText(a, 'log', 'server is shutting down');
  await waitForText(a, 'status', 'disconnected (1001)', { exact: true });
  // 1001 is final: alice's client must not try to resume a session that went with the server.
  const attempts = proxy.accepted + proxy.refused;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if (proxy.accepted + proxy.refused !== attempts) throw new Error('alice reconnected after the server closed with 1001');
  passed('SIGTERM: server exited 0, alice was told and stayed disconnected');
}

async function report(error) {
  console.error(`e2e.browser FAILED: ${error.message}`);
  for (const tab of tabs) {
    const log = await logOf(tab).catch(() => '(tab closed)');
    console.error(`--- tab ${tab.name} #log:\n${log}`);
    if (tab.console.length) console.error(`--- tab ${tab.name} console:\n${tab.console.join('\n')}`);
  }
  console.error(`--- server log (last 50 lines):\n${serverLog.slice(-50).join('\n')}`);
}

async function cleanUp() {
  proxy?.close();
  if (context) await within(STEP_MS, 'closing the browser', context.close()).catch((error) => console.error(error.message));
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL');
    await within(STEP_MS, 'server exiting after SIGKILL', server.exited).catch(() => {});
  }
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
}

// An uncaught error skips cleanUp(); the server must not outlive the test
// even then (Playwright does the same for the browser).
process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// Only fires if a step hangs outside its own bound; unref'd so a passing run
// does not wait for it.
setTimeout(() => {
  console.error(`e2e.browser FAILED: still running after ${TOTAL_MS / 1000} s`);
  server?.kill('SIGKILL');
  process.exit(1); // Playwright kills the browser it launched on exit
}, TOTAL_MS).unref();

const started = Date.now();
let failed = false;
try {
  await run();
} catch (error) {
  failed = true;
  await report(error).catch(() => {});
} finally {
  await cleanUp();
}
if (failed) process.exit(1);
console.log(`e2e.browser passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
// Everything this test started is closed by now; whatever still keeps the
// event loop alive (a CI run once hung here until CTest's timeout) is named
// and does not hold the verdict back.
const alive = process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout');
if (alive.length) console.error(`e2e.browser: still open at exit: ${alive.join(', ')}`);
process.exit(0);
