/**
 * Requests to the kernel's `reactive` comm.
 *
 * The kernel opens the comm itself, with the fixed id `reactive`, for its
 * whole life, so a client never opens one: it sends raw `comm_msg` on the
 * shell channel, and every request gets exactly one `reply` event on IOPub
 * (published to every client: ids carry this client's id to tell them apart).
 */

import { Kernel, KernelMessage } from '@jupyterlab/services';
import { COMM_ID, IReply } from './protocol';

const REQUEST_TIMEOUT_MS = 20000;

interface IPending {
  resolve: (reply: IReply) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class CommClient {
  constructor(kernel: Kernel.IKernelConnection) {
    this._kernel = kernel;
    this._prefix = `lab-${kernel.clientId.slice(0, 8)}-`;
  }

  /** Send a request; resolves with its reply, rejects on an error reply or
   * when no reply comes in time. */
  request(op: string, args: Record<string, unknown>): Promise<IReply> {
    const req = `${this._prefix}${++this._counter}`;
    return new Promise<IReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(req);
        reject(new Error(`reactive: no reply to ${op} in ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this._pending.set(req, { resolve, reject, timer });
      this._send(op, req, args);
    });
  }

  /** Send a request whose reply nobody waits for (an error is logged). */
  post(op: string, args: Record<string, unknown>): void {
    this._send(op, `${this._prefix}post-${++this._counter}`, args);
  }

  /** Settle the request a `reply` event answers, if it is one of ours. */
  onReply(reply: IReply): void {
    const req = String(reply.req);
    const pending = this._pending.get(req);
    if (pending) {
      this._pending.delete(req);
      clearTimeout(pending.timer);
      if (reply.ok) {
        pending.resolve(reply);
      } else {
        pending.reject(new Error(`reactive: ${reply.error?.code}: ${reply.error?.message}`));
      }
    } else if (!reply.ok && req.startsWith(`${this._prefix}post-`)) {
      console.warn('reactive:', reply.error?.message);
    }
  }

  /** Fail every request still waiting (the kernel restarted or went away). */
  cancelAll(): void {
    for (const pending of this._pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error('reactive: the kernel went away'));
    }
    this._pending.clear();
  }

  private _send(op: string, req: string, args: Record<string, unknown>): void {
    const kernel = this._kernel;
    const msg = KernelMessage.createMessage({
      msgType: 'comm_msg',
      channel: 'shell',
      session: kernel.clientId,
      username: kernel.username,
      content: { comm_id: COMM_ID, data: { ...args, op, req } as any }
    });
    kernel.sendShellMessage(msg, false, true);
  }

  private _kernel: Kernel.IKernelConnection;
  private _prefix: string;
  private _counter = 0;
  private _pending = new Map<string, IPending>();
}
