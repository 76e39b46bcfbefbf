// The browser side of a session's live room (app/live/rooms.py): joins the room, applies its messages to
// this page's elements through NiceGUI's own update path, counts the bell and shows toasts.
export default {
  template: "<span style='display:none'></span>",
  props: { token: String, seq: Number, bindings: Array, badge: { default: null } },
  mounted() {
    this.seen = this.seq;
    this.onMessage = (message) => this.apply(message);
    this.onConnect = () => this.join();
    this.start();
  },
  unmounted() {
    window.socket?.off("cp_live", this.onMessage);
    window.socket?.off("connect", this.onConnect);
  },
  methods: {
    start() {
      // NiceGUI's app opens the socket in its own mounted(), which runs after its children's
      if (!window.socket) return setTimeout(() => this.start(), 10);
      window.socket.on("cp_live", this.onMessage);
      window.socket.on("connect", this.onConnect); // again after every reconnect: a new socket is in no room
      if (window.socket.connected) this.join();
    },
    join() {
      window.socket.emit("cp_join", { token: this.token, client_id: window.clientId, seq: this.seen });
    },
    apply(message) {
      if (message.seq <= this.seen) return; // replayed after a reconnect, already shown
      this.seen = message.seq;
      const changed = {};
      const element = (id) => {
        if (!changed[id]) {
          const old = mounted_app.elements[id];
          if (!old) return null;
          changed[id] = { ...old, props: { ...old.props }, class: [...(old.class || [])] };
        }
        return changed[id];
      };
      for (const [id, path, target] of this.bindings) {
        let value = message.parts;
        for (const key of path.split(".")) value = value === undefined ? undefined : value[key];
        if (value === undefined) continue;
        const target_element = element(id);
        if (!target_element) continue;
        if (value && value.$keyed) value = merged(target_element.props[target] || [], value);
        if (target === "text") target_element.text = value;
        else target_element.props[target] = value;
      }
      if (message.notice && this.badge) {
        const badge = element(this.badge);
        if (badge) {
          badge.text = String((parseInt(badge.text, 10) || 0) + 1);
          badge.class = badge.class.filter((c) => c !== "hidden");
        }
      }
      if (Object.keys(changed).length) {
        // NiceGUI's own handler of "update" messages: the same re-rendering as for any element update
        for (const listener of window.socket.listeners("update")) listener(changed);
      }
      for (const toast of [message.toast, message.notice?.toast]) {
        if (toast) Quasar.Notify.create(toast);
      }
    },
  },
};

// A keyed part's change (app/live/rooms.py, Keyed): the items that changed replace theirs, the dropped ids go, and
// the list is ordered by the part's sort field, then id.
function merged(current, change) {
  const byId = new Map(current.map((item) => [item.id, item]));
  for (const id of change.drop) byId.delete(id);
  for (const item of change.set) byId.set(item.id, item);
  const items = [...byId.values()];
  if (change.sort) {
    const key = change.sort;
    items.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id - b.id));
  }
  return items;
}
