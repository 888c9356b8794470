import { EVENT_TYPES } from '../api/types.js';
import { formatCount } from '../format.js';
import { countScale } from '../state/chart-scale.js';
import { chartBuckets, type RateWindow } from '../state/event-rates.js';
import { metaOf } from './event-type-meta.js';

const WIDTH = 960;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 26, left: 40 };

function hhmm(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

interface EventRateChartProps {
  rates: RateWindow;
  now: number;
  note?: string | undefined;
}

/** Stacked bars: events per minute by type over the window, newest minute on the right. */
export function EventRateChart({ rates, now, note }: EventRateChartProps) {
  const buckets = chartBuckets(rates, now);
  const { top, ticks } = countScale(Math.max(0, ...buckets.map((b) => b.total)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, slot * 0.72);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const totals = new Map<string, number>();
  for (const b of buckets) for (const [type, n] of Object.entries(b.counts)) totals.set(type, (totals.get(type) ?? 0) + n);
  const types = [...EVENT_TYPES, ...[...totals.keys()].filter((t) => !(EVENT_TYPES as readonly string[]).includes(t))];
  const total = [...totals.values()].reduce((a, b) => a + b, 0);

  return (
    <section className="panel" aria-labelledby="rates-title">
      <div className="panel-head">
        <h2 id="rates-title">Events per minute</h2>
        <p className="panel-meta">
          {formatCount(total)} in the last {rates.minutes} min{note ? ` · ${note}` : ''}
        </p>
      </div>
      <svg className="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Events per minute, last ${rates.minutes} minutes`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={PAD.left - 8} y={y(t)} className="chart-axis" textAnchor="end" dominantBaseline="middle">
              {t}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          let base = 0;
          const label = `${hhmm(b.minute)} · ${b.total} event${b.total === 1 ? '' : 's'}${types
            .filter((t) => b.counts[t])
            .map((t) => `\n${metaOf(t).label}: ${b.counts[t]}`)
            .join('')}`;
          return (
            <g key={b.minute}>
              <title>{label}</title>
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} className="chart-hover" />
              {types.map((t) => {
                const n = b.counts[t] ?? 0;
                if (n === 0) return null;
                const y0 = y(base);
                base += n;
                return <rect key={t} x={x} y={y(base)} width={barW} height={Math.max(0, y0 - y(base))} fill={metaOf(t).color} rx={1} />;
              })}
              {i % 10 === 0 || i === buckets.length - 1 ? (
                <text x={x + barW / 2} y={HEIGHT - 8} className="chart-axis" textAnchor="middle">
                  {i === buckets.length - 1 ? 'now' : hhmm(b.minute)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {types.map((t) => (
          <li key={t}>
            <span className="swatch" style={{ background: metaOf(t).color }} aria-hidden="true" />
            {metaOf(t).label}
            <span className="legend-count">{formatCount(totals.get(t) ?? 0)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
