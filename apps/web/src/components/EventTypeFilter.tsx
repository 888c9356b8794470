import type { CSSProperties } from 'react';
import { EVENT_TYPES, type EventType } from '../api/types.js';
import { EVENT_GROUPS, metaOf } from './event-type-meta.js';

interface EventTypeFilterProps {
  shown: ReadonlySet<EventType>;
  counts: ReadonlyMap<string, number>;
  onChange(shown: Set<EventType>): void;
}

/**
 * One toggle chip per event type, with how many of that type the list holds, in a row per group
 * (products, accounts, blogs, posts, comments). A group's name switches its whole row.
 */
export function EventTypeFilter({ shown, counts, onChange }: EventTypeFilterProps) {
  const toggle = (types: readonly EventType[], on: boolean) => {
    const next = new Set(shown);
    for (const type of types) {
      if (on) next.add(type);
      else next.delete(type);
    }
    onChange(next);
  };
  const all = shown.size === EVENT_TYPES.length;
  return (
    <div className="filter" role="group" aria-label="Show event types">
      {EVENT_GROUPS.map(({ group, types }) => {
        const groupOn = types.filter((type) => shown.has(type)).length;
        const total = types.reduce((n, type) => n + (counts.get(type) ?? 0), 0);
        return (
          <div key={group} className="filter-row" data-testid="event-filter-group" data-group={group}>
            <button
              type="button"
              className={`filter-group${groupOn === 0 ? ' filter-group--off' : ''}`}
              aria-pressed={groupOn === types.length ? true : groupOn === 0 ? false : 'mixed'}
              aria-label={`${group}: all ${types.length} types (${total})`}
              title={groupOn === types.length ? `Hide every ${group.toLowerCase()} event` : `Show every ${group.toLowerCase()} event`}
              onClick={() => toggle(types, groupOn !== types.length)}
            >
              {group}
            </button>
            <div className="chips">
              {types.map((type) => {
                const { label, short, color } = metaOf(type);
                const on = shown.has(type);
                const count = counts.get(type) ?? 0;
                return (
                  <button
                    key={type}
                    type="button"
                    className={`chip${on ? ' chip--on' : ''}${count === 0 ? ' chip--empty' : ''}`}
                    style={{ '--chip-color': color } as CSSProperties}
                    aria-pressed={on}
                    aria-label={`${label} (${count})`}
                    title={type}
                    data-type={type}
                    onClick={() => toggle([type], !on)}
                  >
                    <span className="swatch" aria-hidden="true" />
                    {short}
                    <span className="chip-count" aria-hidden="true">
                      {count}
                    </span>
                  </button>
                );
              })}
            </div>
          </div>
        );
      })}
      <div className="filter-all">
        <button type="button" className="link-button" onClick={() => onChange(new Set(all ? [] : EVENT_TYPES))}>
          {all ? 'None' : 'All'}
        </button>
      </div>
    </div>
  );
}
