// Figure cards (app/pages/figure_cards.py, FigureCards: the dashboard, Analytics): one element for every card, each
// with its title, the definition under an info button (shown while the pointer is on it or the keyboard is), and its
// value; the values are one prop, replaced whole by the live room when a figure changes.
export default {
  template: `
    <div class="row w-full gap-4">
      <div v-for="card in cards" :key="card.mark" class="q-card nicegui-card min-w-48 flex-1">
        <div class="flex items-center gap-1">
          <span class="text-sm text-slate-500">{{ card.title }}</span>
          <button v-if="card.definition" type="button" class="definition" :aria-label="card.definition">
            <i class="q-icon notranslate material-icons" aria-hidden="true" role="presentation"
               style="font-size: 1.1rem">info_outline</i>
            <span class="tip" aria-hidden="true">{{ card.definition }}</span>
          </button>
        </div>
        <div class="text-2xl font-bold" :data-figure="card.mark">{{ values[card.mark] }}</div>
      </div>
    </div>`,
  props: { cards: Array, values: Object },
};
