// REST calls to the gateway, every one with the token.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface NotebookEntry {
  path: string;
  name: string;
  size: number;
  modified: number;
}

export interface SessionModel {
  id: string;
  path: string;
  kernel: { id: string; name: string; execution_state: string; restarts?: number } | null;
}

/**
 * The token the page was served with: from its meta tag (the gateway fills it
 * in) or, failing that, `?token=` in the address, which is then removed from
 * the address bar so it does not end up in bookmarks or screenshots.
 */
export function pageToken(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="reactive-token"]');
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl !== null) {
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }
  const fromMeta = meta?.content ?? "";
  return fromMeta && !fromMeta.startsWith("__") ? fromMeta : (fromUrl ?? "");
}

export class Api {
  constructor(readonly token: string) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { Authorization: `token ${this.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new HttpError(response.status, data?.message ?? `${method} ${path}: ${response.status}`);
    }
    return data as T;
  }

  async notebooks(): Promise<{ root: string; notebooks: NotebookEntry[] }> {
    return this.call("GET", "/api/webui/notebooks");
  }

  async createNotebook(path: string): Promise<NotebookEntry> {
    return this.call("POST", "/api/webui/notebooks", { path });
  }

  /** The shared session of a notebook: its running kernel, or a new one. */
  async openSession(path: string): Promise<SessionModel> {
    return this.call("POST", "/api/sessions", {
      path,
      kernel: { name: "reactive" },
      type: "notebook",
      name: path.split("/").pop(),
    });
  }

  async restartKernel(kernelId: string): Promise<void> {
    await this.call("POST", `/api/kernels/${kernelId}/restart`);
  }

  async interruptKernel(kernelId: string): Promise<void> {
    await this.call("POST", `/api/kernels/${kernelId}/interrupt`);
  }

  channelsUrl(kernelId: string, sessionId: string): string {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams({ session_id: sessionId, token: this.token });
    return `${scheme}//${location.host}/api/kernels/${kernelId}/channels?${query}`;
  }
}
