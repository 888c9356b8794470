import { memo, useMemo, useState, type CSSProperties } from 'react';
import { EVENT_TYPES, type EventType, type HeraldEvent } from '../api/types.js';
import { describeEvent, formatTime } from '../format.js';
import { countByType, EVENT_LOG_CAPACITY } from '../state/event-log.js';
import { metaOf } from './event-type-meta.js';
import { EventTypeFilter } from './EventTypeFilter.js';

interface EventRowProps {
  event: HeraldEvent;
  expanded: boolean;
  onToggle(id: string): void;
  skuOf(productId: string): string | undefined;
  handleOf(userId: string): string | undefined;
}

const EventRow = memo(function EventRow({ event, expanded, onToggle, skuOf, handleOf }: EventRowProps) {
  const { label, color } = metaOf(event.type);
  const text = describeEvent(event, { skuOf, handleOf });
  return (
    <li className={`event${expanded ? ' event--open' : ''}`} data-testid="event-row" data-type={event.type}>
      <button type="button" className="event-line" aria-expanded={expanded} onClick={() => onToggle(event.id)}>
        <time className="event-time mono" dateTime={event.time}>
          {formatTime(event.time)}
        </time>
        <span className="type-tag" style={{ '--tag-color': color } as CSSProperties}>
          {label}
        </span>
        {/* Text only: a post's or a comment's words are shown as written, never as HTML. */}
        <span className="event-text" data-testid="event-text" title={text}>
          {text}
        </span>
        <span className="event-caret" aria-hidden="true">
          ▸
        </span>
      </button>
      {expanded && <pre className="event-json">{JSON.stringify(event, null, 2)}</pre>}
    </li>
  );
});

interface EventListProps {
  events: HeraldEvent[];
  skuOf(productId: string): string | undefined;
  /** A user's handle, for post and comment events (they name the author by id). */
  handleOf(userId: string): string | undefined;
}

/** The live list: newest first, filtered by type, each event expandable to its JSON. */
export function EventList({ events, skuOf, handleOf }: EventListProps) {
  const [shown, setShown] = useState<Set<EventType>>(() => new Set(EVENT_TYPES));
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const counts = useMemo(() => countByType(events), [events]);
  const visible = useMemo(() => events.filter((e) => shown.has(e.type)), [events, shown]);
  const toggle = useMemo(
    () => (id: string) =>
      setExpanded((current) => {
        const next = new Set(current);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );

  return (
    <section className="panel panel--events" aria-labelledby="events-title">
      <div className="panel-head">
        <h2 id="events-title">Live events</h2>
        <p className="panel-meta">
          {visible.length} shown · last {EVENT_LOG_CAPACITY} kept
        </p>
      </div>
      <EventTypeFilter shown={shown} counts={counts} onChange={setShown} />
      <div className="scroll">
        {visible.length === 0 ? (
          <p className="empty">{events.length === 0 ? 'Waiting for events…' : 'No events of the selected types.'}</p>
        ) : (
          <ul className="events">
            {visible.map((event) => (
              <EventRow key={event.id} event={event} expanded={expanded.has(event.id)} onToggle={toggle} skuOf={skuOf} handleOf={handleOf} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
