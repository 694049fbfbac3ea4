// A small browser client for signal-server's protocol (PROTOCOL.md): requests
// with correlationIds resolve to their reply, everything else is an event.
//
// A session outlives its socket (PROTOCOL.md, "Connection lifecycle" 4-5): when
// the connection is lost without a close frame the server keeps the session for
// its resume grace, so this client reconnects and resumes it by itself. The app
// keeps its peerId and rooms; it only hears `reconnecting` and then `resumed`
// (or `session-lost`, after which it may rejoin as a fresh peer).
//
// Events besides the protocol's own message types (each a CustomEvent whose
// detail is the message's payload):
//   connected     {peerId, resumeToken, ...}  the first socket's greeting
//   reconnecting  {code}                      the socket was lost; resuming
//   resumed       {peerId, resumeToken, rooms} the session is back; what it
//                                             missed follows as ordinary events
//   session-lost  {reason, connected}         the server no longer has the
//                 session (reason SESSION_NOT_FOUND: `connected` is the fresh
//                 session the new socket already is) or we gave up (`connected`
//                 null; `close` follows)
//   close         {code}                      the client is finished

// Closes that leave nothing to resume: 1000 is our own close, or another
// connection having taken the session over; 1001 is server shutdown; 1008,
// 1009 and 1013 are the server ending the session on purpose (policy, too
// large, overloaded or reading too slowly), with no grace, and retrying would
// only add load where it hurts. Anything else (1006 abnormal closure, 1005, 1011
// internal fault, 1012 restart, ...) may have left the session waiting for us,
// and one session:resume settles whether it did.
const FINAL_CLOSE_CODES = new Set([1000, 1001, 1008, 1009, 1013]);

// A reconnect that neither fails nor answers (a dead path, a stuck proxy) must
// not hold up the next attempt for as long as the browser's TCP timeout.
const ATTEMPT_TIMEOUT_MS = 5_000;

// Replies the server does not count in session:resume's `received`.
const UNCOUNTED = new Set(['pong', 'connected', 'session:resumed']);

export class SignalClient extends EventTarget {
  #socket = null;
  #pending = new Map(); // correlationId -> { resolve, reject, timer }
  #queue = []; // frames sent while resuming, flushed after session:resumed
  #received = 0; // frames of this session since its connected/session:resumed
  #resume = null; // while resuming: { resumeToken, received, deadline, attempt, id, timer, fresh }
  #closed = false;
  #nextId = 1;
  #watchdog = null;
  #heard = false;

  /**
   * @param {string} url the server's WebSocket URL (`ws://host:port/ws`)
   * @param {object} [options]
   * @param {number} [options.resumeGraceMs=15000] the server's `--resume-grace-ms`
   * @param {number} [options.requestTimeoutMs=15000] how long `request()` waits for its reply
   * @param {number} [options.maxQueued=256] frames `send()`/`request()` may queue while reconnecting
   * @param {number} [options.backoffBaseMs=250] first reconnect delay bound; doubles per attempt
   * @param {number} [options.backoffCapMs=4000] largest reconnect delay bound
   */
  constructor(url, options = {}) {
    super();
    this.url = url;
    this.options = { resumeGraceMs: 15_000, requestTimeoutMs: 15_000, maxQueued: 256, backoffBaseMs: 250, backoffCapMs: 4_000, ...options };
    this.peerId = null;
    this.resumeToken = null;
    this.heartbeatIntervalMs = 30_000; // until `connected` says otherwise
  }

  /** Opens the socket; resolves with the `connected` payload, rejects if the socket closes first. */
  connect() {
    this.#closed = false;
    return new Promise((resolve, reject) => {
      const socket = this.#open();
      socket.addEventListener('close', (event) => reject(new Error(`cannot connect to ${this.url} (${event.code})`)));
      this.addEventListener('connected', ({ detail }) => resolve(detail), { once: true });
    });
  }

  /**
   * Sends a request and resolves with its reply's payload; rejects with the
   * error (its payload's fields on the Error), after `requestTimeoutMs`, or
   * when the session is lost or the client closed. A request made while
   * reconnecting is queued, and one in flight survives a resume: the server
   * replays its reply.
   */
  request(type, payload = {}) {
    const correlationId = `c-${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(correlationId);
        reject(new Error(`${type}: no reply within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.#pending.set(correlationId, { resolve, reject, timer });
      try {
        this.#write({ type, payload, correlationId });
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(correlationId);
        reject(error);
      }
    });
  }

  /**
   * Sends without waiting for an ack (relays on the hot path). Queued while
   * reconnecting; throws when the client is closed or the queue is full.
   */
  send(type, payload = {}) {
    this.#write({ type, payload });
  }

  /** Closes with 1000: the server ends the session at once (peers see `peer:left`). */
  close() {
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000);
    if (!this.#closed) this.#end(1000);
  }

  #write(message) {
    if (this.#closed || (!this.#socket && !this.#resume)) throw new Error(`${message.type}: not connected`);
    const text = JSON.stringify(message);
    if (!this.#resume) return this.#socket.send(text);
    // Bounded like the server's own buffer: an app producing more than this in
    // a few seconds of outage should hear about it rather than grow memory.
    if (this.#queue.length >= this.options.maxQueued) throw new Error(`${message.type}: send queue full while reconnecting`);
    this.#queue.push(text);
  }

  #open() {
    const socket = new WebSocket(this.url);
    this.#socket = socket;
    // A socket we replaced or abandoned is ignored from then on.
    socket.onmessage = (event) => socket === this.#socket && this.#onFrame(event.data);
    socket.onclose = (event) => socket === this.#socket && this.#onClose(event.code);
    return socket;
  }

  #onFrame(text) {
    this.#heard = true;
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this.#received++; // the server counts frames, whatever is in them
      return;
    }
    const { type, payload = {}, correlationId } = message;
    if (!UNCOUNTED.has(type)) this.#received++;
    if (type === 'connected') return this.#onConnected(payload);
    if (this.#resume && correlationId === this.#resume.id) return this.#onResumeReply(type, payload);
    if (correlationId) {
      const waiting = this.#pending.get(correlationId);
      // No one waiting: the request timed out; its late reply is no event.
      if (!waiting) return;
      this.#pending.delete(correlationId);
      clearTimeout(waiting.timer);
      if (type === 'error') waiting.reject(Object.assign(new Error(payload.message), payload));
      else waiting.resolve(payload);
      return;
    }
    if (type === 'pong') return;
    this.dispatchEvent(new CustomEvent(type, { detail: payload }));
  }

  #onConnected(payload) {
    this.#received = 0;
    this.heartbeatIntervalMs = payload.heartbeatIntervalMs ?? this.heartbeatIntervalMs;
    this.#startWatchdog();
    // On a resume attempt this greeting is a fresh session that only counts if the resume fails.
    if (this.#resume) return void (this.#resume.fresh = payload);
    this.peerId = payload.peerId;
    this.resumeToken = payload.resumeToken;
    this.dispatchEvent(new CustomEvent('connected', { detail: payload }));
  }

  #onClose(code) {
    this.#socket = null;
    this.#stopWatchdog();
    if (this.#closed) return;
    if (this.#resume) return this.#retry(); // an attempt failed: the next, until the deadline
    if (this.resumeToken && !FINAL_CLOSE_CODES.has(code)) return this.#startResume(code);
    this.#end(code);
  }

  #startResume(code) {
    this.#resume = {
      resumeToken: this.resumeToken,
      // Snapshot now: a resume attempt's own `connected` resets the count.
      received: this.#received,
      // The grace starts when the server notices the loss, which may be up to
      // two heartbeat intervals after we did when the path went silent rather
      // than reset; past this the session is surely gone.
      deadline: Date.now() + this.options.resumeGraceMs + 2 * this.heartbeatIntervalMs,
      attempt: 0,
      id: null,
      timer: null,
      fresh: null,
    };
    this.dispatchEvent(new CustomEvent('reconnecting', { detail: { code } }));
    this.#retry();
  }

  /** Exponential back-off with full jitter, so that the clients of a restarted server do not return in step. */
  #retry() {
    const resume = this.#resume;
    clearTimeout(resume.timer);
    const { backoffBaseMs, backoffCapMs } = this.options;
    const delay = Math.random() * Math.min(backoffCapMs, backoffBaseMs * 2 ** resume.attempt++);
    if (Date.now() + delay >= resume.deadline) return this.#lose('timeout', null);
    resume.timer = setTimeout(() => this.#attempt(), delay);
  }

  #attempt() {
    const resume = this.#resume;
    resume.id = `resume-${this.#nextId++}`;
    resume.fresh = null;
    const socket = this.#open();
    // The very first message: anything else first would make this socket a fresh session.
    socket.onopen = () =>
      socket.send(JSON.stringify({
        type: 'session:resume',
        payload: { resumeToken: resume.resumeToken, received: resume.received },
        correlationId: resume.id,
      }));
    resume.timer = setTimeout(() => socket === this.#socket && this.#abandon(), ATTEMPT_TIMEOUT_MS);
  }

  #onResumeReply(type, payload) {
    const resume = this.#resume;
    clearTimeout(resume.timer);
    this.#resume = null;
    if (type !== 'session:resumed') {
      // SESSION_NOT_FOUND: the grace is over. Any other error (INTERNAL, say)
      // is no better: a retry would carry the same token, which is all we have.
      return this.#lose(payload.code ?? type, resume.fresh);
    }
    this.#received = 0;
    this.peerId = payload.peerId;
    this.resumeToken = payload.resumeToken; // single use: the old one is spent
    // Before `resumed`, so that what its listeners send goes after what was queued.
    for (const text of this.#queue.splice(0)) this.#socket.send(text);
    this.dispatchEvent(new CustomEvent('resumed', { detail: payload }));
  }

  /**
   * The session is gone: what was queued or pending belonged to it. With
   * `fresh` (the new socket's own `connected`) the client goes on as that
   * session; without, it is finished.
   */
  #lose(reason, fresh) {
    clearTimeout(this.#resume?.timer);
    this.#resume = null;
    this.#queue = [];
    this.#rejectAll(new Error(`session lost (${reason})`));
    if (fresh) {
      this.peerId = fresh.peerId;
      this.resumeToken = fresh.resumeToken;
    } else {
      this.#closed = true;
      this.#stopWatchdog();
      this.#socket?.close(); // at most a fresh session no one will use
      this.#socket = null;
    }
    this.dispatchEvent(new CustomEvent('session-lost', { detail: { reason, connected: fresh } }));
    if (!fresh) this.dispatchEvent(new CustomEvent('close', { detail: { code: 1006 } }));
  }

  #end(code) {
    clearTimeout(this.#resume?.timer);
    this.#resume = null;
    this.#closed = true;
    this.#stopWatchdog();
    this.#queue = [];
    this.#rejectAll(new Error(`connection closed (${code})`));
    this.dispatchEvent(new CustomEvent('close', { detail: { code } }));
  }

  #rejectAll(error) {
    for (const { reject, timer } of this.#pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    this.#pending.clear();
  }

  /**
   * Drops the current socket as lost, without a close frame: a close frame that
   * got through would end the session with no grace. A socket still open is
   * left to the server, whose resume closes it (the takeover, with 1000).
   */
  #abandon() {
    const socket = this.#socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) socket.close(); // no frame sent yet
    this.#onClose(1006);
  }

  /**
   * A path that dies silently gives the browser no close event. Every half
   * heartbeat interval: if nothing arrived, ping; if nothing arrived since the
   * ping either, the socket is lost. Counting ticks rather than reading clocks
   * keeps a throttled background tab from mistaking its own lateness for silence.
   */
  #startWatchdog() {
    this.#stopWatchdog();
    let pinged = false;
    this.#heard = false;
    this.#watchdog = setInterval(() => {
      if (this.#heard) {
        this.#heard = pinged = false;
      } else if (pinged) {
        this.#abandon();
      } else {
        pinged = true;
        this.#socket.send('{"type":"ping","payload":{}}');
      }
    }, this.heartbeatIntervalMs / 2);
  }

  #stopWatchdog() {
    clearInterval(this.#watchdog);
    this.#watchdog = null;
  }
}
