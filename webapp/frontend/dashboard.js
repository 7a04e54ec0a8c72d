// The leaders' dashboard: a chart above each table of figures, drawn from the same numbers (the page's JSON data
// block, never an inline script); a click on a bar or a point opens the dossiers behind it, as the table's links do.
// Only the Chart.js parts drawn here are registered, so the bundle leaves the rest out.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement,
  Tooltip,
} from "chart.js";
import "./dashboard.css";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip);

// Distinct for the common colour-vision deficiencies (Okabe–Ito), the late figures in the app's red.
const COLOURS = {
  received_new: "#0072b2", received_total: "#0072b2", resolved: "#009e73", resolved_late: "#a3161b",
  in_progress_overdue: "#e69f00", on_time_rate: "#1f2933",
};
const FALLBACK_COLOUR = "#52606d";

function reducedMotion() {
  return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

function follow(chart, elements, spec) {
  if (!elements.length) return;
  const { datasetIndex, index } = elements[0];
  const link = (spec.datasets[datasetIndex].links || [])[index];
  if (link) window.location.assign(link);
}

function trendConfig(spec) {
  return {
    type: "line",
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((set) => ({
        label: set.label, data: set.values, borderColor: COLOURS[set.key] || FALLBACK_COLOUR,
        backgroundColor: COLOURS[set.key] || FALLBACK_COLOUR, tension: 0, pointRadius: 4, pointHoverRadius: 6,
      })),
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

function unitsConfig(spec) {
  return {
    type: "bar",
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((set) => {
        const colour = COLOURS[set.key] || FALLBACK_COLOUR;
        if (set.key === "on_time_rate") {
          return { type: "line", label: set.label, data: set.values, yAxisID: "rate", borderColor: colour,
            backgroundColor: colour, showLine: false, pointRadius: 6, pointHoverRadius: 8, pointStyle: "rectRot",
            clip: false };
        }
        return { label: set.label, data: set.values, yAxisID: "y", backgroundColor: colour, maxBarThickness: 48 };
      }),
    },
    options: {
      scales: {
        y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
        rate: { beginAtZero: true, min: 0, max: 100, position: "right", grid: { drawOnChartArea: false },
          ticks: { callback: (value) => `${value}%` } },
      },
    },
  };
}

const CONFIGS = { trend: trendConfig, units: unitsConfig };

function draw(canvas, spec, build) {
  const config = build(spec);
  config.options = {
    ...config.options,
    responsive: true,
    maintainAspectRatio: false,
    animation: reducedMotion() ? false : { duration: 300 },
    interaction: { mode: "nearest", intersect: true },
    layout: { padding: { top: 8 } },
    plugins: { legend: { position: "bottom" } },
    onClick: (event, elements, chart) => follow(chart, elements, spec),
    onHover: (event, elements) => {
      const target = event.native && event.native.target;
      if (target) target.style.cursor = elements.length ? "pointer" : "default";
    },
  };
  const box = canvas.parentElement;
  box.hidden = false;
  const chart = new Chart(canvas, config);
  canvas.dataset.ready = "true";
  return chart;
}

function start() {
  const source = document.getElementById("dashboard-data");
  if (!source) return;
  let data;
  try {
    data = JSON.parse(source.textContent);
  } catch (error) {
    return; // the tables still carry every number
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1f2933";
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const spec = data[canvas.dataset.chart];
    const build = CONFIGS[canvas.dataset.chart];
    if (spec && build && spec.labels.length) draw(canvas, spec, build);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
