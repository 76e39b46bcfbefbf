// The day view: one column per staff member with their working hours and the day's bookings as blocks.
// Drawn from the shared `grid` (columns, hours) and `blocks` (app/pages/frontdesk/bookings.py, day_view_parts); a
// booking anywhere sends every open day view its own block in one room message (live_link.js puts it into
// `blocks`); `own` (a staff member's id) puts that column first.
export default {
  props: { grid: Object, blocks: Array, own: { default: null } },
  computed: {
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
  },
  methods: {
    minuteAt(event) {
      // the minute of the day under the pointer, on the 15-minute grid
      const box = event.currentTarget.getBoundingClientRect();
      const minute = this.grid.first + (event.clientY - box.top) / this.grid.px;
      return Math.max(this.grid.first, Math.floor(minute / 15) * 15);
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
  },
  template: `
    <div style="width:100%">
      <div v-if="grid.clashes" class="text-negative" data-testid="overlap-warning">
        {{ grid.clashes }} bookings overlap another of the same staff member (imported history) — marked in red.
      </div>
      <div v-if="!grid.all_known" class="text-sm text-slate-500">
        Imported bookings carry no length: they are drawn as short markers with a dashed edge.
      </div>
      <div v-if="!columns.length" class="text-slate-500">Nobody works on this day.</div>
      <div v-else style="display:flex;flex-wrap:nowrap;overflow-x:auto;width:100%">
        <div style="width:3.5rem;flex-shrink:0">
          <div style="height:2rem"></div>
          <div :style="{position:'relative',width:'100%',height:height+'px'}">
            <div v-for="minute in hours" :key="minute" class="text-xs text-slate-500"
                 :style="{position:'absolute',top:top(minute)}">{{ label(minute) }}</div>
          </div>
        </div>
        <div v-for="column in columns" :key="column.id"
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
              <span class="text-xs text-slate-500 px-1">{{ gone[2] }}</span></div>
            <div v-for="minute in hours" :key="'h'+minute"
                 :style="{position:'absolute',width:'100%',borderTop:'1px solid #e2e8f0',top:top(minute)}"></div>
            <div v-for="block in byColumn[column.id] || []" :key="block.id" :title="block.title"
                 :data-booking="block.id" @click.stop="$emit('open', block.id)" draggable="true"
                 @dragstart="$event.dataTransfer.setData('text/plain', String(block.id))"
                 class="rounded px-1 text-white text-xs cursor-pointer shadow-sm"
                 :style="{position:'absolute',overflow:'hidden',whiteSpace:'nowrap',textOverflow:'ellipsis',
                          ...block.style,top:top(block.start)}"><span v-if="block.risk" data-risk
                 :title="block.risk_label" class="rounded-full bg-white font-bold px-1 mr-1"
                 :style="{color: block.risk === 'high' ? '#b91c1c' : '#b45309'}">{{
                 block.risk === 'high' ? '!!' : '!' }}</span>{{ block.text }}</div>
          </div>
        </div>
      </div>
    </div>`,
};
