import type { CSSProperties } from 'react';
import { EVENT_TYPES, type EventType } from '../api/types.js';
import { metaOf } from './event-type-meta.js';

interface EventTypeFilterProps {
  shown: ReadonlySet<EventType>;
  counts: ReadonlyMap<string, number>;
  onChange(shown: Set<EventType>): void;
}

/** One toggle chip per event type, with how many of that type the list holds. */
export function EventTypeFilter({ shown, counts, onChange }: EventTypeFilterProps) {
  const toggle = (type: EventType) => {
    const next = new Set(shown);
    if (next.has(type)) next.delete(type);
    else next.add(type);
    onChange(next);
  };
  const all = shown.size === EVENT_TYPES.length;
  return (
    <div className="chips" role="group" aria-label="Show event types">
      {EVENT_TYPES.map((type) => {
        const { label, color } = metaOf(type);
        const on = shown.has(type);
        return (
          <button
            key={type}
            type="button"
            className={`chip${on ? ' chip--on' : ''}`}
            style={{ '--chip-color': color } as CSSProperties}
            aria-pressed={on}
            title={type}
            onClick={() => toggle(type)}
          >
            <span className="swatch" aria-hidden="true" />
            {label}
            <span className="chip-count">{counts.get(type) ?? 0}</span>
          </button>
        );
      })}
      <button type="button" className="link-button" onClick={() => onChange(new Set(all ? [] : EVENT_TYPES))}>
        {all ? 'None' : 'All'}
      </button>
    </div>
  );
}
