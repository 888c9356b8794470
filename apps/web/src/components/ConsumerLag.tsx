import type { ConsumerLag } from '../api/consumer-lag.js';
import { formatCount } from '../format.js';

interface ConsumerLagPanelProps {
  lag: ConsumerLag | undefined;
  error: string | undefined;
}

const TRANSPORT: Record<ConsumerLag['transport'], string> = { kafka: 'Kafka', embedded: 'embedded broker' };

/** How far behind each consumer group is: its total, and each partition's share. */
export function ConsumerLagPanel({ lag, error }: ConsumerLagPanelProps) {
  return (
    <section className="panel" aria-labelledby="lag-title">
      <div className="panel-head">
        <h2 id="lag-title">Consumer lag</h2>
        <p className="panel-meta">{lag ? `Records not yet handled · ${TRANSPORT[lag.transport]}` : 'Records not yet handled'}</p>
      </div>
      {error && <p className="error-note">Consumer lag unavailable: {error}</p>}
      {!lag && !error && <p className="empty">Loading…</p>}
      {lag && lag.groups.length === 0 && <p className="empty">No consumer groups.</p>}
      {lag && lag.groups.length > 0 && (
        <ul className="lag-groups">
          {lag.groups.map((group) => (
            <li key={group.group} className="lag-group" data-testid="consumer-lag-group" data-group={group.group} data-lag={group.lag}>
              <div className="lag-head">
                <span className="mono lag-name">{group.group}</span>
                <span className={`lag-total${group.lag > 0 ? ' lag-total--behind' : ''}`}>
                  {group.lag > 0 ? `${formatCount(group.lag)} behind` : 'caught up'}
                </span>
              </div>
              <ul className="lag-partitions" aria-label={`Lag of ${group.group} per partition`}>
                {group.partitions.map((p) => (
                  <li
                    key={`${p.topic}:${p.partition}`}
                    className={`lag-partition${p.lag > 0 ? ' lag-partition--behind' : ''}`}
                    title={`${p.topic} partition ${p.partition}: committed ${p.committed_offset}, end ${p.high_watermark}`}
                  >
                    p{p.partition} <b>{formatCount(p.lag)}</b>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
