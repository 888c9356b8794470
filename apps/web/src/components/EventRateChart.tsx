import { useState } from 'react';
import { EVENT_TYPES } from '../api/types.js';
import { formatCount } from '../format.js';
import { countScale } from '../state/chart-scale.js';
import { chartBuckets, type RateBucket, type RateWindow } from '../state/event-rates.js';
import { EVENT_GROUPS, GROUP_COLORS, metaOf, type EventGroup } from './event-type-meta.js';

const WIDTH = 960;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 26, left: 40 };

function hhmm(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** Bars stacked by event type (a shade each) or by what the events are about (a colour per group). */
export type StackBy = 'type' | 'group';

/** One band of the stacked bars, and of the legend. */
interface Series {
  key: string;
  label: string;
  color: string;
  group: EventGroup;
}

/** The series the bars are stacked from, in legend order, and each bucket's counts per series. */
function seriesOf(buckets: readonly RateBucket[], stackBy: StackBy): { series: Series[]; counts: Record<string, number>[] } {
  const seen = new Set<string>();
  for (const b of buckets) for (const type of Object.keys(b.counts)) seen.add(type);
  const types = [...EVENT_TYPES, ...[...seen].filter((t) => !(EVENT_TYPES as readonly string[]).includes(t)).sort()];
  if (stackBy === 'type') {
    const series = types.map((type) => {
      const { label, color, group } = metaOf(type);
      return { key: type, label, color, group };
    });
    return { series, counts: buckets.map((b) => b.counts) };
  }
  const groups = [...EVENT_GROUPS.map((g) => g.group), ...(types.some((t) => metaOf(t).group === 'Other') ? (['Other'] as const) : [])];
  const series = groups.map((group) => ({ key: group, label: group, color: GROUP_COLORS[group], group }));
  const counts = buckets.map((b) => {
    const byGroup: Record<string, number> = {};
    for (const [type, n] of Object.entries(b.counts)) {
      const { group } = metaOf(type);
      byGroup[group] = (byGroup[group] ?? 0) + n;
    }
    return byGroup;
  });
  return { series, counts };
}

interface EventRateChartProps {
  rates: RateWindow;
  now: number;
  note?: string | undefined;
}

/** Stacked bars: events per minute by type (or group) over the window, newest minute on the right. */
export function EventRateChart({ rates, now, note }: EventRateChartProps) {
  const [stackBy, setStackBy] = useState<StackBy>('type');
  const buckets = chartBuckets(rates, now);
  const { series, counts } = seriesOf(buckets, stackBy);
  const { top, ticks } = countScale(Math.max(0, ...buckets.map((b) => b.total)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, slot * 0.72);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const totals = new Map<string, number>();
  for (const c of counts) for (const [key, n] of Object.entries(c)) totals.set(key, (totals.get(key) ?? 0) + n);
  const total = [...totals.values()].reduce((a, b) => a + b, 0);
  // The legend in a row per group; in group mode, one row of groups.
  const legendRows =
    stackBy === 'type'
      ? [...new Set(series.map((s) => s.group))].map((group) => ({ group: group as string | undefined, items: series.filter((s) => s.group === group) }))
      : [{ group: undefined, items: series }];

  return (
    <section className="panel" aria-labelledby="rates-title" data-testid="event-rate-chart" data-stack-by={stackBy}>
      <div className="panel-head">
        <h2 id="rates-title">Events per minute</h2>
        <div className="panel-tools">
          <p className="panel-meta">
            {formatCount(total)} in the last {rates.minutes} min{note ? ` · ${note}` : ''}
          </p>
          <div className="segmented" role="group" aria-label="Stack the bars by">
            {(['type', 'group'] as const).map((mode) => (
              <button key={mode} type="button" aria-pressed={stackBy === mode} onClick={() => setStackBy(mode)}>
                {mode === 'type' ? 'By type' : 'By group'}
              </button>
            ))}
          </div>
        </div>
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
          const c = counts[i]!;
          let base = 0;
          const label = `${hhmm(b.minute)} · ${b.total} event${b.total === 1 ? '' : 's'}${series
            .filter((s) => c[s.key])
            .map((s) => `\n${s.label}: ${c[s.key]}`)
            .join('')}`;
          return (
            <g key={b.minute}>
              <title>{label}</title>
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} className="chart-hover" />
              {series.map((s) => {
                const n = c[s.key] ?? 0;
                if (n === 0) return null;
                const y0 = y(base);
                base += n;
                return <rect key={s.key} x={x} y={y(base)} width={barW} height={Math.max(0, y0 - y(base))} fill={s.color} rx={1} data-series={s.key} />;
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
      <div className="legend" data-testid="chart-legend">
        {legendRows.map(({ group, items }) => (
          <div key={group ?? 'groups'} className="legend-row">
            {group && <span className="legend-group">{group}</span>}
            <ul className="legend-items">
              {items.map((s) => {
                const n = totals.get(s.key) ?? 0;
                return (
                  <li key={s.key} className={n === 0 ? 'legend-item legend-item--none' : 'legend-item'} title={s.label} data-series={s.key}>
                    <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
                    {stackBy === 'type' ? metaOf(s.key).short : s.label}
                    <span className="legend-count">{formatCount(n)}</span>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}
