// Coverage volume: a uPlot line per chosen entity, spike markers, top entities and outlets.

import { api } from './api.js';
import { h, replaceChildren } from './dom.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const RANGES = { hour: { step: HOUR, span: 7 * DAY }, day: { step: DAY, span: 30 * DAY } };
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const DEFAULT_CHOSEN = 4;
const CHART_HEIGHT = 260;

/** The volume panel; `test` is the object the e2e tests read (`window.__aw`). */
export function createVolume(ctx, test) {
  const chartEl = document.getElementById('chart');
  const wrap = chartEl.parentElement;
  const caption = document.getElementById('chart-caption');
  const chooser = document.getElementById('volume-entities');
  const chosenSummary = document.getElementById('chosen-summary');
  const topEntities = document.getElementById('top-entities');
  const topOutlets = document.getElementById('top-outlets');

  let anchor = null;
  let chosen = [];
  let interval = 'hour';
  let plot = null;
  let plotShape = '';
  let spikes = [];
  let ticket = 0;
  let refreshTimer = 0;

  for (const radio of document.querySelectorAll('input[name="interval"]')) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      interval = radio.value;
      loadChart();
    });
  }

  let lastWidth = 0;
  new ResizeObserver(() => {
    const width = Math.floor(wrap.clientWidth);
    if (!plot || width === lastWidth || width <= 0) return;
    lastWidth = width;
    requestAnimationFrame(() => plot?.setSize({ width, height: CHART_HEIGHT }));
  }).observe(wrap);

  const storageKey = () => `aw.volume.entities.${anchor.id}`;

  /** The bucket range ending at the next boundary, so the current bucket is in it. */
  function range() {
    const { step, span } = RANGES[interval];
    const to = Math.floor(Date.now() / step) * step + step;
    return { from: to - span, to };
  }

  function queryString() {
    const { from, to } = range();
    return new URLSearchParams({
      anchorId: anchor.id,
      entities: chosen.join(','),
      interval,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    }).toString();
  }

  function drawSpikes(u) {
    if (spikes.length === 0) return;
    const c = u.ctx;
    const { left, top, width, height } = u.bbox;
    const dpr = window.devicePixelRatio || 1;
    c.save();
    c.strokeStyle = '#b91c1c';
    c.fillStyle = '#b91c1c';
    c.lineWidth = 1.5 * dpr;
    c.setLineDash([5 * dpr, 4 * dpr]);
    for (const t of spikes) {
      const x = Math.round(u.valToPos(t / 1000, 'x', true));
      if (x < left || x > left + width) continue;
      c.beginPath();
      c.moveTo(x, top);
      c.lineTo(x, top + height);
      c.stroke();
      c.beginPath();
      c.moveTo(x - 5 * dpr, top);
      c.lineTo(x + 5 * dpr, top);
      c.lineTo(x, top + 7 * dpr);
      c.closePath();
      c.fill();
    }
    c.restore();
  }

  function plotOptions(series, width) {
    const axis = {
      stroke: '#64748b',
      font: '12px system-ui, sans-serif',
      grid: { stroke: '#e8edf3', width: 1 },
      ticks: { stroke: '#e8edf3', width: 1 },
    };
    return {
      width,
      height: CHART_HEIGHT,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
      series: [
        { label: interval === 'day' ? 'Day' : 'Hour (UTC)', value: interval === 'day' ? '{YYYY}-{MM}-{DD}' : '{YYYY}-{MM}-{DD} {HH}:00' },
        ...series.map((s, i) => ({
          label: s.name,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          points: { show: interval === 'day', size: 5 },
          value: (_u, v) => (v === null || v === undefined ? '–' : String(v)),
        })),
      ],
      axes: [axis, { ...axis, size: 44, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (_u, ticks) => ticks.map((t) => String(t)) }],
      legend: { live: true },
      cursor: { points: { size: 7 }, drag: { x: false, y: false } },
      hooks: { draw: [drawSpikes] },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    };
  }

  async function loadChart() {
    if (!anchor) return;
    const mine = ++ticket;
    const query = queryString();
    updateSummary();
    if (chosen.length === 0) {
      plot?.destroy();
      plot = null;
      plotShape = '';
      replaceChildren(chartEl, h('p', { class: 'empty', text: 'Choose one or more entities to chart their coverage.' }));
      test.chart = { query, keys: [], x: [], series: {}, spikes: [...spikes] };
      return;
    }
    let body;
    try {
      body = await api(`/api/volume?${query}`);
    } catch (err) {
      if (mine !== ticket) return;
      plot?.destroy();
      plot = null;
      plotShape = '';
      replaceChildren(chartEl, h('p', { class: 'error-text', text: `Volume could not be loaded: ${err.message}` }));
      return;
    }
    if (mine !== ticket) return;
    const series = body.series;
    const x = (series[0]?.points ?? []).map((p) => Date.parse(p.t) / 1000);
    const data = [x, ...series.map((s) => s.points.map((p) => p.count))];
    const shape = `${interval}|${series.map((s) => `${s.key}:${s.name}`).join(',')}`;
    if (plot && plotShape === shape) {
      // Same series: new data in place, so a hover or a legend toggle survives the refresh.
      plot.setData(data);
    } else {
      const width = Math.max(260, Math.floor(wrap.clientWidth));
      lastWidth = width;
      plot?.destroy();
      chartEl.replaceChildren();
      if (typeof uPlot !== 'function') {
        replaceChildren(chartEl, h('p', { class: 'error-text', text: 'The chart library did not load.' }));
        return;
      }
      plot = new uPlot(plotOptions(series, width), data, chartEl);
      plotShape = shape;
    }
    const total = series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.count, 0), 0);
    caption.textContent = `${total} entity mentions in ${x.length} ${interval === 'day' ? 'days' : 'hours'}, UTC. Hover for values${spikes.length ? '; dashed red lines mark spike alerts' : ''}.`;
    // What the chart holds, read back from uPlot itself, for the end-to-end tests.
    test.chart = {
      query,
      interval,
      keys: series.map((s) => s.key),
      x: Array.from(plot.data[0]),
      series: Object.fromEntries(series.map((s, i) => [s.key, Array.from(plot.data[i + 1])])),
      spikes: [...spikes],
    };
    chartEl.dataset.points = String(x.length);
  }

  async function loadTop() {
    if (!anchor) return;
    const id = encodeURIComponent(anchor.id);
    const [entities, outlets] = await Promise.allSettled([api(`/api/volume/top?anchorId=${id}&limit=8`), api(`/api/volume/top?anchorId=${id}&by=source&limit=8`)]);
    const entityRows = entities.status === 'fulfilled' ? entities.value.entities.filter((e) => e.count > 0) : [];
    const outletRows = outlets.status === 'fulfilled' ? (outlets.value.sources ?? []).filter((s) => s.count > 0) : [];
    renderBars(topEntities, entityRows.map((e) => ({ label: e.name, count: e.count, key: e.key })), 'No coverage yet.');
    renderBars(topOutlets, outletRows.map((s) => ({ label: s.title ?? s.feedId, count: s.count })), 'No outlets yet.');
    return entityRows;
  }

  function renderBars(list, rows, emptyText) {
    if (rows.length === 0) {
      replaceChildren(list, h('li', { class: 'empty', text: emptyText }));
      return;
    }
    const max = Math.max(...rows.map((r) => r.count));
    replaceChildren(
      list,
      rows.map((r) => {
        const bar = h('span', { class: 'bar', attrs: { 'aria-hidden': 'true' } });
        bar.style.width = `${Math.max(3, (r.count / max) * 100)}%`;
        return h('li', {}, h('span', { class: 'bar-label', text: r.label, attrs: { title: r.label } }), h('span', { class: 'bar-count', text: String(r.count) }), h('span', { class: 'bar-track' }, bar));
      }),
    );
  }

  function renderChooser() {
    const sorted = [...anchor.entities].sort((a, b) => a.name.localeCompare(b.name));
    const boxes = sorted.map((e) => {
      const input = h('input', { attrs: { type: 'checkbox', name: 'entity', value: e.key } });
      input.checked = chosen.includes(e.key);
      input.addEventListener('change', () => {
        chosen = input.checked ? [...chosen, e.key] : chosen.filter((k) => k !== e.key);
        sessionStorage.setItem(storageKey(), JSON.stringify(chosen));
        loadChart();
      });
      return h('label', { class: 'check' }, input, h('span', { text: e.name }));
    });
    const legend = h('legend', { class: 'visually-hidden', text: 'Entities on the chart' });
    replaceChildren(chooser, legend, boxes);
  }

  function updateSummary() {
    const names = chosen.map((k) => anchor.entities.find((e) => e.key === k)?.name ?? k);
    chosenSummary.textContent = names.length ? `(${names.join(', ')})` : '(none)';
  }

  return {
    /** Shows the volume of `next`, with the saved or the most covered entities. */
    async show(next) {
      anchor = next;
      const keys = new Set(anchor.entities.map((e) => e.key));
      const top = await loadTop();
      if (anchor !== next) return;
      let saved = null;
      try {
        saved = JSON.parse(sessionStorage.getItem(storageKey()) ?? 'null');
      } catch {
        saved = null;
      }
      if (Array.isArray(saved)) {
        chosen = saved.filter((k) => keys.has(k));
      } else {
        chosen = top.slice(0, DEFAULT_CHOSEN).map((e) => e.key);
        if (chosen.length === 0) chosen = [...anchor.entities].sort((a, b) => b.weight - a.weight).slice(0, DEFAULT_CHOSEN).map((e) => e.key);
      }
      renderChooser();
      await loadChart();
    },
    /** Marks spike-alert hits (epoch ms) on the chart. */
    setSpikes(times) {
      spikes = [...new Set(times)].sort((a, b) => a - b);
      if (test.chart) test.chart.spikes = [...spikes];
      plot?.redraw(false);
    },
    /** Stops every pending reload of a piece being deleted: its volume answers 404 from now on. */
    forget(id) {
      if (anchor?.id !== id) return;
      clearTimeout(refreshTimer);
      anchor = null;
    },
    /** Reloads chart and top lists a little later (new items arrive in bursts). */
    refreshSoon() {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        loadChart();
        loadTop();
      }, 1500);
    },
  };
}
