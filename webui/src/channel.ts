// The kernel WebSocket (the gateway's legacy JSON framing), reconnecting by itself.

import { randomId } from "./dom";
import type { JupyterMessage } from "./protocol";

export type LinkState = "connecting" | "open" | "closed" | "failed";

/** Thrown by `resolve` when retrying cannot help (bad path, refused token). */
export class FatalError extends Error {}

export interface ChannelOptions {
  /** The URL to connect to; called before every attempt (it may re-open the session). */
  resolve: () => Promise<string>;
  onMessage: (msg: JupyterMessage) => void;
  onState: (state: LinkState, detail: string) => void;
}

const MAX_DELAY_MS = 4000;

export function message(
  msgType: string,
  content: Record<string, unknown>,
  session: string,
  channel = "shell",
): JupyterMessage {
  return {
    channel,
    header: {
      msg_id: randomId(),
      msg_type: msgType,
      session,
      username: "webui",
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** A frame of the legacy JSON framing: a text frame, or the binary form with buffers. */
export function decodeFrame(data: string | ArrayBuffer): JupyterMessage {
  if (typeof data === "string") return JSON.parse(data);
  const view = new DataView(data);
  const count = view.getUint32(0);
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(data.byteLength);
  const msg = JSON.parse(new TextDecoder().decode(data.slice(offsets[0], offsets[1])));
  msg.buffers = offsets.slice(1, -1).map((start, i) => new DataView(data.slice(start, offsets[i + 2])));
  return msg;
}

export class KernelChannel {
  readonly session = randomId("webui-");
  private ws: WebSocket | null = null;
  private attempts = 0;
  private timer: number | undefined;
  private stopped = false;

  constructor(private readonly options: ChannelOptions) {
    window.addEventListener("online", this.retryNow);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  send(msg: JupyterMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Close the socket as a network failure would (the channel reconnects). */
  drop(): void {
    this.ws?.close(4000, "dropped by the page");
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.retryNow);
    this.ws?.close(1000, "page closed");
    this.ws = null;
  }

  private retryNow = (): void => {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.attempts = 0;
    void this.connect();
  };

  private async connect(): Promise<void> {
    this.timer = undefined;
    this.options.onState("connecting", this.attempts ? `attempt ${this.attempts + 1}` : "");
    let url: string;
    try {
      url = await this.options.resolve();
    } catch (e) {
      if (e instanceof FatalError) {
        this.stopped = true;
        this.options.onState("failed", e.message);
      } else {
        this.scheduleRetry(`the gateway did not answer: ${(e as Error).message}`);
      }
      return;
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      this.options.onState("open", "");
    };
    ws.onmessage = (event) => {
      let msg: JupyterMessage;
      try {
        msg = decodeFrame(event.data);
      } catch (e) {
        console.warn("undecodable frame", e);
        return;
      }
      this.options.onMessage(msg);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      const why = event.reason || (event.code === 1006 ? "connection lost" : `closed (${event.code})`);
      this.scheduleRetry(why);
    };
  }

  private scheduleRetry(why: string): void {
    if (this.stopped) return;
    this.options.onState("closed", why);
    const delay = Math.min(MAX_DELAY_MS, 250 * 2 ** this.attempts) * (0.75 + Math.random() / 2);
    this.attempts++;
    this.timer = window.setTimeout(() => void this.connect(), delay);
  }
}
