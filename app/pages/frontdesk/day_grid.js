// The day view: one column per staff member with their working hours and the day's bookings as blocks.
// Drawn from the shared `grid` (columns, hours, and its words in the room's language: `texts`, `legend`) and `blocks`
// (app/pages/frontdesk/bookings.py, day_view_parts); a booking anywhere sends every open day view its own block in one
// room message (live_link.js puts it into `blocks`); `own` (a staff member's id) puts that column first.
// Keyboard: the grid is one tab stop; the arrow keys move between the bookings and the free quarter hours of each
// column (up/down in time, left/right to the next column), Enter or Space opens what a click opens. "List" shows the
// same bookings as a plain list.
// The current time: `now` (this session's, from the server's clock: grid.py now_line) puts a line across the columns
// on the location's today; the browser moves it every 30 s by itself (its own clock, corrected by the server's, in
// the location's time zone), with no message from the server.
const STYLE_ID = "cp-day-grid-style";
const STYLE = `
.cp-cell:focus { outline: none; }
.cp-cell:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; z-index: 5; }
.cp-slot:focus-visible { background: rgba(29, 78, 216, 0.12); }
.cp-list-item:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
`;
const STEP = 15;
const NOW_COLOUR = "#d32f2f";
const TICK_MS = 30000;
const HIDDEN = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap";
// a booking's preparation before it and buffer after it: its staff member is kept, the customer is not there
const KEPT = "repeating-linear-gradient(135deg,#94a3b8,#94a3b8 3px,#e2e8f0 3px,#e2e8f0 7px)";

export default {
  props: { grid: Object, blocks: Array, own: { default: null }, now: { default: null } },
  data() {
    return { mode: "grid", focusKey: null, nowMinute: null, skew: 0, timer: null, NOW_COLOUR, HIDDEN, KEPT };
  },
  watch: {
    // the server's clock when the page was drawn: the offset of this browser's clock from it, taken once (an
    // update that sends the element's props again must not move the line back to that moment)
    "now.server_ms": {
      handler() {
        this.skew = this.now?.server_ms ? this.now.server_ms - Date.now() : 0;
        this.tick();
      },
      immediate: true,
    },
  },
  unmounted() {
    clearInterval(this.timer);
  },
  mounted() {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    if (!document.getElementById(STYLE_ID)) {
      const style = document.createElement("style");
      style.id = STYLE_ID;
      style.textContent = STYLE;
      document.head.appendChild(style);
    }
  },
  computed: {
    texts() {
      return this.grid?.texts || {};
    },
    legend() {
      return this.grid?.legend || [];
    },
    markers() {
      // the current time's line is drawn only where there is a `now` (the day view, not a week)
      return (this.grid?.markers || []).filter((entry) => entry.kind !== "now" || this.now);
    },
    nowShown() {
      return this.nowMinute !== null && this.nowMinute >= this.grid.first && this.nowMinute <= this.grid.last;
    },
    nowText() {
      return (this.texts.now || "Current time: {time}").replace("{time}", this.hhmm(this.nowMinute || 0));
    },
    statusLabels() {
      const labels = {};
      for (const entry of this.legend) labels[entry.status] = entry.label;
      return labels;
    },
    byColumn() {
      const columns = {};
      for (const block of this.blocks || []) (columns[block.column] ||= []).push(block);
      return columns;
    },
    columns() {
      const columns = [...(this.grid?.columns || [])];
      return columns.sort((a, b) => (b.id === this.own) - (a.id === this.own));
    },
    height() {
      return (this.grid.last - this.grid.first) * this.grid.px;
    },
    hours() {
      const hours = [];
      for (let minute = this.grid.first; minute < this.grid.last; minute += 60) hours.push(minute);
      return hours;
    },
    cells() {
      // per column (in the order drawn): its bookings and free quarter hours, earliest first
      return this.columns.map((column) => {
        const blocks = this.byColumn[column.id] || [];
        // a booking drawn in two columns (it uses two resources) has a cell in each: the key names its column too
        const items = blocks.map((block) => ({ key: `b${block.id}-${block.column}`, minute: block.start, block }));
        const taken = (minute) =>
          blocks.some((b) => b.start <= minute && minute < b.start + Math.max(b.minutes || 0, STEP)) ||
          (column.away || []).some((gone) => gone[0] <= minute && minute < gone[1]);
        for (const shift of column.shifts || []) {
          for (let minute = Math.ceil(shift[0] / STEP) * STEP; minute + STEP <= shift[1]; minute += STEP) {
            if (minute < this.grid.first || minute >= this.grid.last || taken(minute)) continue;
            items.push({ key: `s${column.id}-${minute}`, minute, slot: true });
          }
        }
        items.sort((a, b) => a.minute - b.minute || (a.slot ? 1 : 0) - (b.slot ? 1 : 0));
        return items;
      });
    },
    activeKey() {
      // the one cell in the tab order: the last one focused while it still exists, else the first
      const all = this.cells.flat();
      if (all.some((item) => item.key === this.focusKey)) return this.focusKey;
      return all.length ? all[0].key : null;
    },
    listed() {
      const names = {};
      for (const column of this.columns) names[column.id] = column.name;
      return [...(this.blocks || [])]
        .sort((a, b) => a.start - b.start || String(names[a.column]).localeCompare(String(names[b.column])))
        .map((block) => ({ block, column: names[block.column] || "" }));
    },
  },
  methods: {
    tick() {
      // the minute of the location's day now (null when its day is no longer the day shown)
      const now = this.now;
      if (!now || now.minute === null || now.minute === undefined) {
        this.nowMinute = null;
        return;
      }
      try {
        const parts = {};
        const format = new Intl.DateTimeFormat("en-CA", { timeZone: now.time_zone, year: "numeric", month: "2-digit",
          day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
        for (const part of format.formatToParts(new Date(Date.now() + this.skew))) parts[part.type] = part.value;
        const day = `${parts.year}-${parts.month}-${parts.day}`;
        this.nowMinute = day === now.day ? Number(parts.hour) * 60 + Number(parts.minute) : null;
      } catch (error) {
        this.nowMinute = now.minute;  // a time zone this browser does not know: where the server put it
      }
    },
    minuteAt(event) {
      // the minute of the day under the pointer, on the 15-minute grid
      const box = event.currentTarget.getBoundingClientRect();
      const minute = this.grid.first + (event.clientY - box.top) / this.grid.px;
      return Math.max(this.grid.first, Math.floor(minute / STEP) * STEP);
    },
    pick(column, event) {
      // an empty time clicked: a new booking with that staff member at that time
      this.$emit("slot", { column, minute: this.minuteAt(event) });
    },
    drop(column, event) {
      // a booking dragged to another time or staff member: the server moves it or says why not (it springs back)
      const id = Number(event.dataTransfer.getData("text/plain"));
      if (id) this.$emit("move", { id, column, minute: this.minuteAt(event) });
    },
    top(minute) {
      return `${(minute - this.grid.first) * this.grid.px}px`;
    },
    label(minute) {
      return `${String(Math.floor(minute / 60)).padStart(2, "0")}:00`;
    },
    hhmm(minute) {
      return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
    },
    freeLabel(column, minute) {
      const text = this.texts.free || "{column}, {time}: free";
      return text.replace("{time}", this.hhmm(minute)).replace("{column}", column.name);
    },
    slotsOf(index) {
      return (this.cells[index] || []).filter((item) => item.slot);
    },
    activate(item, column) {
      if (item.block) this.$emit("open", item.block.id);
      else this.$emit("slot", { column: column.id, minute: item.minute });
    },
    moveFocus(key) {
      this.focusKey = key;
      this.$nextTick(() => {
        const target = this.$el.querySelector(`[data-key="${key}"]`);
        if (target) target.focus();
      });
    },
    onKey(event, columnIndex, item) {
      const column = this.columns[columnIndex];
      const items = this.cells[columnIndex];
      const here = items.findIndex((other) => other.key === item.key);
      let next = null;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.activate(item, column);
        return;
      }
      if (event.key === "ArrowDown") next = items[Math.min(here + 1, items.length - 1)];
      else if (event.key === "ArrowUp") next = items[Math.max(here - 1, 0)];
      else if (event.key === "Home") next = items[0];
      else if (event.key === "End") next = items[items.length - 1];
      else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        const step = event.key === "ArrowLeft" ? -1 : 1;
        for (let index = columnIndex + step; index >= 0 && index < this.cells.length; index += step) {
          const others = this.cells[index];
          if (!others.length) continue;
          next = others.reduce((best, other) =>
            Math.abs(other.minute - item.minute) < Math.abs(best.minute - item.minute) ? other : best);
          break;
        }
      } else return;
      event.preventDefault();
      if (next) this.moveFocus(next.key);
    },
  },
  template: `
    <div style="width:100%">
      <div v-if="grid.clashes" class="text-negative" data-testid="overlap-warning">
        {{ texts.clashes || (grid.clashes + ' bookings overlap another of the same staff member (imported history) — marked in red.') }}
      </div>
      <div v-if="!grid.all_known" class="text-sm text-slate-600">
        {{ texts.imported || 'Imported bookings carry no length: they are drawn as short markers with a dashed edge.' }}
      </div>
      <div class="row items-center q-gutter-x-md q-mb-xs" style="flex-wrap:wrap">
        <div v-if="legend.length" role="list" :aria-label="texts.legend" class="row items-center text-xs text-slate-700"
             style="gap:0.25rem 0.75rem;flex-wrap:wrap" data-legend>
          <span class="font-semibold" aria-hidden="true">{{ texts.legend }}:</span>
          <span v-for="entry in legend" :key="entry.status" role="listitem" class="row items-center no-wrap"
                style="gap:0.25rem">
            <span class="rounded" :style="{background: entry.colour, color: '#fff', width: '1.1rem', height: '1.1rem',
                  display: 'inline-flex', alignItems: 'center', justifyContent: 'center'}">
              <q-icon :name="entry.icon" size="12px" aria-hidden="true"></q-icon></span>{{ entry.label }}</span>
        </div>
        <div v-if="markers.length" role="list" :aria-label="texts.markers" class="row items-center text-xs text-slate-700"
             style="gap:0.25rem 0.75rem;flex-wrap:wrap" data-legend-markers>
          <span class="font-semibold" aria-hidden="true">{{ texts.markers }}:</span>
          <span v-for="entry in markers" :key="entry.kind + (entry.icon || '')" role="listitem"
                class="row items-center no-wrap" style="gap:0.25rem" :data-marker="entry.kind">
            <span v-if="entry.icon" class="rounded" aria-hidden="true"
                  style="background:#2f6496;color:#fff;width:1.1rem;height:1.1rem;display:inline-flex;
                         align-items:center;justify-content:center">
              <q-icon :name="entry.icon" size="12px"></q-icon></span>
            <span v-else-if="entry.kind === 'risk'" aria-hidden="true" class="rounded-full font-bold px-1"
                  style="background:#fff;color:#b91c1c;border:1px solid #cbd5e1">!!</span>
            <span v-else-if="entry.kind === 'now'" aria-hidden="true"
                  :style="{width:'1.1rem',height:0,borderTop:'2px solid ' + NOW_COLOUR}"></span>
            <span v-else aria-hidden="true" class="rounded" :style="{width:'1.1rem',height:'1.1rem',
                  background: entry.kind === 'away'
                    ? 'repeating-linear-gradient(45deg,#e2e8f0,#e2e8f0 3px,#f8fafc 3px,#f8fafc 6px)'
                    : entry.kind === 'kept' ? KEPT : '#2f6496',
                  border: entry.kind === 'clash' ? '2px solid #e53935'
                    : entry.kind === 'imported' ? '2px dashed #475569' : '1px solid #cbd5e1'}"></span>
            {{ entry.label }}</span>
        </div>
        <q-space></q-space>
        <q-btn flat dense no-caps :icon="mode === 'list' ? 'calendar_view_day' : 'view_list'"
               :label="mode === 'list' ? (texts.grid || 'Grid') : (texts.list || 'List')"
               :aria-label="mode === 'list' ? texts.show_grid : texts.show_list"
               :aria-pressed="mode === 'list' ? 'true' : 'false'" data-list-toggle
               @click="mode = mode === 'list' ? 'grid' : 'list'"></q-btn>
      </div>
      <ul v-if="mode === 'list'" class="q-pl-none" style="list-style:none;margin:0" data-day-list>
        <li v-if="!listed.length" class="text-slate-600">{{ texts.empty || 'No bookings.' }}</li>
        <li v-for="entry in listed" :key="entry.block.id" class="q-py-xs" style="border-bottom:1px solid #e2e8f0">
          <button type="button" class="cp-list-item row items-center no-wrap text-left"
                  style="gap:0.5rem;background:none;border:0;padding:0.25rem;cursor:pointer;width:100%;font:inherit"
                  :data-list-booking="entry.block.id" @click="$emit('open', entry.block.id)">
            <span class="rounded" :style="{background: entry.block.style.background, color: '#fff', width: '1.25rem',
                  height: '1.25rem', display: 'inline-flex', alignItems: 'center', justifyContent: 'center',
                  flexShrink: 0}">
              <q-icon :name="entry.block.icon" size="14px" aria-hidden="true"></q-icon></span>
            <span>{{ entry.block.text }}</span>
            <span class="text-slate-600">— {{ entry.column }} — {{ statusLabels[entry.block.status] || '' }}</span>
            <span v-if="entry.block.channel_label" class="text-slate-600">· {{ entry.block.channel_label }}</span>
            <span v-if="entry.block.risk_label" class="text-negative">({{ entry.block.risk_label }})</span>
          </button>
        </li>
      </ul>
      <div v-else-if="!columns.length" class="text-slate-600">{{ texts.nobody || 'Nobody works on this day.' }}</div>
      <div v-else role="group" :aria-label="texts.grid_label"
           style="display:flex;flex-wrap:nowrap;overflow-x:auto;width:100%;position:relative">
        <span v-if="nowShown" :style="HIDDEN" data-now-text>{{ nowText }}</span>
        <div style="width:3.5rem;flex-shrink:0" aria-hidden="true">
          <div style="height:2rem"></div>
          <div :style="{position:'relative',width:'100%',height:height+'px'}">
            <div v-for="minute in hours" :key="minute" class="text-xs text-slate-600"
                 :style="{position:'absolute',top:top(minute)}">{{ label(minute) }}</div>
            <div v-if="nowShown" data-now-label class="text-xs font-bold rounded px-1"
                 :style="{position:'absolute',right:'2px',top:top(nowMinute),transform:'translateY(-50%)',zIndex:6,
                          background:NOW_COLOUR,color:'#fff'}">{{ hhmm(nowMinute) }}</div>
          </div>
        </div>
        <div v-for="(column, columnIndex) in columns" :key="column.id"
             style="flex:1 1 0;min-width:7rem;border-left:1px solid #e2e8f0">
          <div class="font-semibold" style="height:2rem;text-align:center;width:100%"
               :style="column.colour ? {borderBottom: '3px solid ' + column.colour} : {}">{{ column.name }}</div>
          <div :style="{position:'relative',width:'100%',height:height+'px',background:'#f1f5f9'}"
               @click="pick(column.id, $event)" @dragover.prevent @drop.prevent="drop(column.id, $event)">
            <div v-for="(shift, i) in column.shifts" :key="'s'+i"
                 :style="{position:'absolute',width:'100%',background:'#fff',top:top(shift[0]),
                          height:((shift[1]-shift[0])*grid.px)+'px'}"></div>
            <div v-for="(gone, i) in column.away || []" :key="'a'+i" :title="gone[2]" data-away
                 :style="{position:'absolute',width:'100%',top:top(Math.max(gone[0], grid.first)),
                          height:(Math.max(0, Math.min(gone[1], grid.last) - Math.max(gone[0], grid.first))*grid.px)+'px',
                          background:'repeating-linear-gradient(45deg,#e2e8f0,#e2e8f0 6px,#f8fafc 6px,#f8fafc 12px)'}">
              <span class="text-xs text-slate-600 px-1">{{ gone[2] }}</span></div>
            <div v-for="minute in hours" :key="'h'+minute"
                 :style="{position:'absolute',width:'100%',borderTop:'1px solid #e2e8f0',top:top(minute)}"></div>
            <div v-if="nowShown" data-now-line aria-hidden="true"
                 :style="{position:'absolute',left:0,right:0,top:top(nowMinute),borderTop:'2px solid ' + NOW_COLOUR,
                          zIndex:4,pointerEvents:'none'}"></div>
            <div v-for="item in slotsOf(columnIndex)" :key="item.key" :data-key="item.key" data-slot
                 class="cp-cell cp-slot" role="button" :tabindex="item.key === activeKey ? 0 : -1"
                 :aria-label="freeLabel(column, item.minute)" @focus="focusKey = item.key"
                 @keydown="onKey($event, columnIndex, item)"
                 :style="{position:'absolute',left:0,right:0,top:top(item.minute),height:(15*grid.px)+'px'}"></div>
            <template v-for="block in byColumn[column.id] || []" :key="'k' + block.id">
              <div v-if="block.before" aria-hidden="true" data-kept="before"
                   :style="{position:'absolute',left:block.style.left,right:block.style.right,top:top(block.start - block.before),
                            height:(block.before*grid.px)+'px',background:KEPT,borderRadius:'4px 4px 0 0'}"></div>
              <div v-if="block.after" aria-hidden="true" data-kept="after"
                   :style="{position:'absolute',left:block.style.left,right:block.style.right,top:top(block.start + block.minutes),
                            height:(block.after*grid.px)+'px',background:KEPT,borderRadius:'0 0 4px 4px'}"></div>
            </template>
            <div v-for="block in byColumn[column.id] || []" :key="block.id" :title="block.title"
                 :data-booking="block.id" :data-key="'b' + block.id + '-' + block.column" role="button"
                 :tabindex="('b' + block.id + '-' + block.column) === activeKey ? 0 : -1" :aria-label="block.title"
                 @focus="focusKey = 'b' + block.id + '-' + block.column"
                 @keydown="onKey($event, columnIndex,
                                 {key: 'b' + block.id + '-' + block.column, minute: block.start, block})"
                 @click.stop="$emit('open', block.id)" draggable="true"
                 @dragstart="$event.dataTransfer.setData('text/plain', String(block.id))"
                 class="cp-cell rounded px-1 text-white text-xs cursor-pointer shadow-sm"
                 :style="{position:'absolute',overflow:'hidden',whiteSpace:'nowrap',textOverflow:'ellipsis',
                          ...block.style,top:top(block.start)}"><q-icon v-if="block.icon" :name="block.icon"
                 size="12px" class="q-mr-xs" aria-hidden="true" data-status-icon></q-icon><q-icon v-if="block.channel_icon"
                 :name="block.channel_icon" size="12px" class="q-mr-xs" role="img" :aria-label="block.channel_label"
                 :title="block.channel_label" :data-channel="block.channel"></q-icon><q-icon v-if="block.unreached"
                 name="notifications_off" size="12px" class="q-mr-xs" role="img" :aria-label="block.unreached"
                 :title="block.unreached" data-unreached></q-icon><span v-if="block.risk"
                 data-risk :title="block.risk_label" class="rounded-full bg-white font-bold px-1 mr-1"
                 :style="{color: block.risk === 'high' ? '#b91c1c' : '#b45309'}">{{
                 block.risk === 'high' ? '!!' : '!' }}</span>{{ block.text }}</div>
          </div>
        </div>
      </div>
    </div>`,
};
