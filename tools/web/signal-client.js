// A small browser client for signal-server's protocol (PROTOCOL.md): requests
// with correlationIds resolve to their reply, everything else is an event.
export class SignalClient extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.peerId = null;
    this.pending = new Map();
    this.nextId = 1;
  }

  /** Opens the socket; resolves with the `connected` payload. */
  connect() {
    return new Promise((resolve, reject) => {
      this.socket = new WebSocket(this.url);
      this.socket.onerror = () => reject(new Error(`cannot connect to ${this.url}`));
      this.socket.onclose = (event) => {
        for (const { reject: fail } of this.pending.values())
          fail(new Error(`connection closed (${event.code})`));
        this.pending.clear();
        this.dispatchEvent(new CustomEvent('close', { detail: { code: event.code } }));
      };
      this.socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'connected') {
          this.peerId = message.payload.peerId;
          resolve(message.payload);
        }
        const waiting = message.correlationId && this.pending.get(message.correlationId);
        if (waiting) {
          this.pending.delete(message.correlationId);
          if (message.type === 'error') waiting.reject(Object.assign(new Error(message.payload.message), message.payload));
          else waiting.resolve(message.payload);
          return;
        }
        this.dispatchEvent(new CustomEvent(message.type, { detail: message.payload }));
      };
    });
  }

  /** Sends a request and resolves with its reply's payload (or rejects with the error). */
  request(type, payload = {}) {
    const correlationId = `c-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { resolve, reject });
      this.socket.send(JSON.stringify({ type, payload, correlationId }));
    });
  }

  /** Sends without waiting for an ack (relays on the hot path). */
  send(type, payload = {}) {
    this.socket.send(JSON.stringify({ type, payload }));
  }

  close() {
    this.socket.close(1000);
  }
}
