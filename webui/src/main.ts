// Entry point: the token, then the page the address asks for (#nb=PATH, or the list).

import { Api, pageToken } from "./api";
import { ListPage } from "./list";
import { NotebookPage } from "./notebook";

const app = document.getElementById("app") as HTMLElement;
const api = new Api(pageToken());
let current: { destroy(): void } | null = null;

function route(): void {
  current?.destroy();
  const path = new URLSearchParams(location.hash.slice(1)).get("nb");
  current = path ? new NotebookPage(app, api, path) : new ListPage(app, api);
}

window.addEventListener("hashchange", route);
route();
